import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateConversations, type GeneratedConversation } from './generate-conversations.ts';
import { writeConversations } from './write-dataset.ts';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'hybrid-eval-conversations-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function text(content: GeneratedConversation['messages'][number]['content']): string {
  if (content === null) return '';
  return typeof content === 'string' ? content : content.map((part) => part.text).join('\n');
}

describe('generateConversations', () => {
  const records = [...generateConversations({ n: 400, seed: 7 })];

  it('is deterministic for a seed and differs for another', () => {
    expect(JSON.stringify([...generateConversations({ n: 400, seed: 7 })])).toBe(JSON.stringify(records));
    expect(JSON.stringify([...generateConversations({ n: 400, seed: 8 })])).not.toBe(JSON.stringify(records));
  });

  it('writes requests of about 6 messages and 2 KB, starting with a system prompt and ending with a user turn', () => {
    const messages = records.map((record) => record.messages.length);
    const bytes = records.map((record) => JSON.stringify({ ...record, response: undefined, metadata: undefined, latency_ms: undefined }).length);
    const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
    expect(mean(messages)).toBeGreaterThan(5.5);
    expect(mean(messages)).toBeLessThan(7);
    expect(mean(bytes)).toBeGreaterThan(1500);
    expect(mean(bytes)).toBeLessThan(2500);
    for (const record of records) {
      expect(record.messages[0]?.role).toBe('system');
      expect(record.messages.at(-1)?.role).toBe('user');
    }
  });

  it('makes the last question depend on an earlier turn: the reference names a value the last message does not', () => {
    let dependent = 0;
    for (const record of records) {
      const last = text(record.messages.at(-1)!.content).toLowerCase();
      const earlier = record.messages.slice(1, -1).map((message) => text(message.content)).join('\n').toLowerCase();
      const values = (record.metadata.reference.match(/NW-\d{6}|Sweep|Lumen|Brew|Portland|Denver|Austin|Chicago|Boston/g) ?? []).map((value) => value.toLowerCase());
      expect(values.length).toBeGreaterThan(0);
      if (values.some((value) => !last.includes(value) && earlier.includes(value))) dependent++;
    }
    expect(dependent).toBe(records.length);
  });

  it('offers the order_lookup tool in some requests, answers every tool message with an earlier call, and logs tool-call answers', () => {
    const withTools = records.filter((record) => record.tools !== undefined);
    expect(withTools.length).toBeGreaterThan(records.length * 0.3);
    expect(withTools.length).toBeLessThan(records.length * 0.7);
    let toolResults = 0;
    for (const record of records) {
      const calls = new Set<string>();
      for (const message of record.messages) {
        for (const call of message.tool_calls ?? []) calls.add(call.id);
        if (message.role === 'tool') {
          toolResults++;
          expect(calls.has(message.tool_call_id!)).toBe(true);
        }
      }
    }
    expect(toolResults).toBeGreaterThan(10);
    const toolAnswers = records.filter((record) => record.response.choices[0]!.finish_reason === 'tool_calls');
    expect(toolAnswers.length).toBeGreaterThan(10);
    for (const record of toolAnswers) {
      const call = record.response.choices[0]!.message.tool_calls![0]!;
      expect(call.function.name).toBe('order_lookup');
      const orderId = (JSON.parse(call.function.arguments) as { order_id: string }).order_id;
      // The order number is in the history, never in the last question.
      expect(text(record.messages.at(-1)!.content)).not.toContain(orderId);
      expect(record.messages.some((message) => text(message.content).includes(orderId))).toBe(true);
    }
  });

  it('labels tiers and keeps unique ids', () => {
    expect(new Set(records.map((record) => record.metadata.query_id)).size).toBe(records.length);
    expect(new Set(records.map((record) => record.metadata.tier))).toEqual(new Set(['simple', 'medium', 'complex']));
  });
});

describe('the committed conversation sample', () => {
  it.skipIf(!existsSync(new URL('../../datasets/conversations-sample.jsonl', import.meta.url)))('regenerates byte for byte', async () => {
    const out = join(directory, 'conversations-sample.jsonl');
    await writeConversations(out, { n: 300, seed: 14 });
    const [expected, actual] = await Promise.all([readFile(new URL('../../datasets/conversations-sample.jsonl', import.meta.url)), readFile(out)]);
    expect(actual.equals(expected)).toBe(true);
  });
});
