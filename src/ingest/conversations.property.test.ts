import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConversationMessage } from '../core/conversation.ts';
import { openLog } from './open-log.ts';
import { collect, makeTempDir } from './test-support.ts';

/*
 * Round trips through the real readers and real files: a conversation written as OpenAI chat JSONL,
 * as a JSON array document, or as a turn table (CSV), comes back message for message, whatever the
 * text holds (quotes, commas, line breaks, unicode).
 */

const temp = makeTempDir('conversations-property');
afterAll(() => temp.cleanup());
let fileCount = 0;

const text = fc.string({ unit: fc.constantFrom('"', ',', '\n', '\r\n', ' ', '\\', '\u00e9', '\u{1F600}', '{', '[', 'a', 'b', '1'), minLength: 1, maxLength: 20 }).filter((value) => value.trim() !== '');

/** system?, then user/assistant turns, sometimes an assistant tool call and its result, ending with a user turn. */
const conversation = fc
  .tuple(fc.option(text, { nil: undefined }), fc.array(fc.tuple(text, text, fc.boolean()), { minLength: 0, maxLength: 4 }), text)
  .map(([system, turns, last]) => {
    const messages: ConversationMessage[] = [];
    if (system !== undefined) messages.push({ role: 'system', content: system });
    turns.forEach(([question, answer, withTool], index) => {
      messages.push({ role: 'user', content: question });
      if (withTool) {
        const id = `call_${index}`;
        messages.push({ role: 'assistant', content: '', toolCalls: [{ id, name: 'order_lookup', arguments: JSON.stringify({ order_id: question }) }] });
        messages.push({ role: 'tool', content: answer, toolCallId: id });
      }
      messages.push({ role: 'assistant', content: answer });
    });
    messages.push({ role: 'user', content: last });
    return messages;
  });

function wire(message: ConversationMessage): Record<string, unknown> {
  return {
    role: message.role,
    content: message.toolCalls ? null : message.content,
    ...(message.toolCalls ? { tool_calls: message.toolCalls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } })) } : {}),
    ...(message.toolCallId ? { tool_call_id: message.toolCallId } : {}),
  };
}

describe('conversation logs (property)', () => {
  it('chat JSONL and JSON array documents give back every message and the last user message as the text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(conversation, { minLength: 1, maxLength: 5 }), fc.boolean(), async (conversations, asDocument) => {
        const records = conversations.map((messages, index) => ({ messages: messages.map(wire), temperature: 0.5, metadata: { query_id: `q${index}` } }));
        const path = temp.path(`chat-${++fileCount}.${asDocument ? 'json' : 'jsonl'}`);
        writeFileSync(path, asDocument ? JSON.stringify(records, null, 1) : records.map((record) => JSON.stringify(record)).join('\n'));
        const { queries, rejects } = await collect(await openLog({ path, mapping: {} }));
        expect(rejects).toEqual([]);
        expect(queries.map((query) => query.request!.messages)).toEqual(conversations);
        expect(queries.map((query) => query.text)).toEqual(conversations.map((messages) => messages.at(-1)!.content.trim()));
        expect(queries.map((query) => query.turnIndex)).toEqual(conversations.map((messages) => messages.length));
      }),
      { numRuns: 40 },
    );
  });

  it('a turn table (CSV) with --turns all gives one replay point per assistant turn, its history the logged prefix', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(conversation, { minLength: 1, maxLength: 4 }), async (conversations) => {
        const rows: unknown[][] = [['conversation_id', 'turn', 'role', 'content', 'tool_calls', 'tool_call_id']];
        const expected: { id: string; history: ConversationMessage[]; answer: ConversationMessage }[] = [];
        conversations.forEach((messages, index) => {
          // Each conversation closed by a logged assistant answer, so its last user turn is a replay point too.
          const full: ConversationMessage[] = [...messages, { role: 'assistant', content: 'final answer' }];
          full.forEach((message, turn) => {
            rows.push([`c${index}`, turn * 10, message.role, message.content, message.toolCalls ? JSON.stringify(message.toolCalls) : '', message.toolCallId ?? '']);
            if (message.role === 'assistant' && full.slice(0, turn).some((earlier) => earlier.role === 'user')) expected.push({ id: `c${index}:${turn * 10}`, history: full.slice(0, turn), answer: message });
          });
        });
        const path = temp.path(`turns-${++fileCount}.csv`);
        writeFileSync(path, stringify(rows));
        const { queries, rejects } = await collect(await openLog({ path, mapping: {}, turns: 'all' }));
        expect(rejects).toEqual([]);
        expect(queries.map((query) => [query.queryId, query.request!.messages])).toEqual(expected.map((point) => [point.id, point.history]));
        expect(queries.map((query) => query.loggedAnswer)).toEqual(expected.map((point) => point.answer.content));
      }),
      { numRuns: 30 },
    );
  });
});
