import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { ROOT, runCli, tempDir } from './cli.ts';

/*
 * A newcomer's log in each format, replayed by the real CLI against the sim: queries land in DuckDB
 * with their conversation id and source line, bad records as rejects naming line and field, and a
 * second invocation with --resume completes the run with every query exactly once (stable ids).
 * Fixtures are built here from the committed conversation sample, a few records each.
 */

interface SampleLine {
  model: string;
  messages: { role: string; content: unknown; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }[];
  temperature: number;
  max_tokens: number;
  tools?: unknown[];
  response: { choices: { message: { content: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[] } }[]; usage: { prompt_tokens: number; completion_tokens: number } };
  metadata: { query_id: string; conversation_id: string; tier: string; reference: string; timestamp: string };
}

interface StoredMessage {
  role: string;
  content: unknown;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

const SAMPLE: SampleLine[] = readFileSync(join(ROOT, 'datasets/conversations-sample.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .slice(0, 8)
  .map((line) => JSON.parse(line) as SampleLine);

const text = (content: unknown): string => (typeof content === 'string' ? content : Array.isArray(content) ? content.map((part: { text: string }) => part.text).join('\n') : '');
const jsonl = (records: unknown[]): string => records.map((record) => (typeof record === 'string' ? record : JSON.stringify(record))).join('\n') + '\n';

async function rows<T>(db: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const store = await openStore(db);
  try {
    return await store.all<T>(sql, params);
  } finally {
    await store.close();
  }
}

function otlpAttribute(key: string, value: string | number): unknown {
  return { key, value: typeof value === 'string' ? { stringValue: value } : Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value } };
}

function spanOf(record: SampleLine, index: number): unknown {
  const parts = (message: SampleLine['messages'][number]): unknown[] => {
    if (message.role === 'tool') return [{ type: 'tool_call_response', id: message.tool_call_id, response: text(message.content) }];
    const calls = (message.tool_calls ?? []).map((call) => ({ type: 'tool_call', id: call.id, name: call.function.name, arguments: JSON.parse(call.function.arguments) }));
    return [...(text(message.content) === '' ? [] : [{ type: 'text', content: text(message.content) }]), ...calls];
  };
  const [system, ...rest] = record.messages;
  const answer = record.response.choices[0]!.message;
  const start = BigInt(Date.parse(record.metadata.timestamp)) * 1_000_000n;
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: `5eed0000000000${String(index).padStart(2, '0')}`,
    name: 'chat gpt-4',
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 1_500_000_000n),
    attributes: [
      otlpAttribute('gen_ai.operation.name', 'chat'),
      otlpAttribute('gen_ai.request.model', record.model),
      otlpAttribute('gen_ai.request.temperature', record.temperature),
      otlpAttribute('gen_ai.request.max_tokens', record.max_tokens),
      otlpAttribute('gen_ai.conversation.id', record.metadata.conversation_id),
      otlpAttribute('gen_ai.system_instructions', JSON.stringify([{ type: 'text', content: text(system!.content) }])),
      otlpAttribute('gen_ai.input.messages', JSON.stringify(rest.map((message) => ({ role: message.role, parts: parts(message) })))),
      otlpAttribute('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: parts({ role: 'assistant', content: answer.content, ...(answer.tool_calls ? { tool_calls: answer.tool_calls } : {}) }) }])),
      otlpAttribute('gen_ai.usage.input_tokens', record.response.usage.prompt_tokens),
      otlpAttribute('gen_ai.usage.output_tokens', record.response.usage.completion_tokens),
    ],
  };
}

const exportOf = (spans: unknown[]): unknown => ({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'openai' }, spans }] }] });

let backwardsLine = 0;

interface Case {
  name: string;
  args: (dir: string) => string[];
  queries: number;
  /** Read after args() wrote the fixture. */
  rejects: () => [number, RegExp][];
  conversationIds: boolean;
  /** What the format logs besides the messages, and so must be stored in request_json. */
  carries: { tools: boolean; parameters: boolean };
}

const CASES: Case[] = [
  {
    name: 'openai-chat',
    args: (dir) => {
      const file = join(dir, 'chat.jsonl');
      const [first, second, ...rest] = SAMPLE;
      writeFileSync(file, jsonl([first, { messages: 'not an array' }, second, { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, ...rest]));
      return ['--dataset', file];
    },
    queries: 8,
    rejects: () => [
      [2, /^messages: expected an array, got string$/],
      [4, /^messages\[0\]\.content\[0\]: a 'image_url' part cannot be replayed/],
    ],
    conversationIds: true,
    carries: { tools: true, parameters: true },
  },
  {
    name: 'openai-batch',
    args: (dir) => {
      const input = join(dir, 'batch-input.jsonl');
      const output = join(dir, 'batch-output.jsonl');
      const body = (record: SampleLine): Record<string, unknown> => ({ model: record.model, messages: record.messages, temperature: record.temperature, max_tokens: record.max_tokens, ...(record.tools ? { tools: record.tools } : {}) });
      writeFileSync(
        input,
        jsonl([
          ...SAMPLE.map((record) => ({ custom_id: record.metadata.query_id, method: 'POST', url: '/v1/chat/completions', body: body(record) })),
          { custom_id: 'bad-role', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4', messages: [{ role: 'customer', content: 'hi' }] } },
        ]),
      );
      writeFileSync(output, jsonl(SAMPLE.map((record) => ({ id: `batch_req_${record.metadata.query_id}`, custom_id: record.metadata.query_id, response: { status_code: 200, body: record.response }, error: null })).reverse()));
      return ['--dataset', input, '--batch-output', output];
    },
    queries: 8,
    rejects: () => [[9, /^body\.messages\[0\]\.role: unknown role 'customer'/]],
    conversationIds: false,
    carries: { tools: true, parameters: true },
  },
  {
    name: 'otel',
    args: (dir) => {
      const file = join(dir, 'spans.jsonl');
      const spans = SAMPLE.map(spanOf);
      const embeddings = { spanId: 'e0000000000000e1', name: 'embeddings', attributes: [otlpAttribute('gen_ai.operation.name', 'embeddings')] };
      const bad = { spanId: 'bad00000000000b1', name: 'chat', attributes: [otlpAttribute('gen_ai.operation.name', 'chat'), otlpAttribute('gen_ai.input.messages', '[{"role":"user","parts":[{"type":"blob","modality":"image","content":"AAA"}]}]')] };
      writeFileSync(file, jsonl([exportOf(spans.slice(0, 4)), exportOf([embeddings, bad]), exportOf(spans.slice(4))]));
      return ['--dataset', file, '--format', 'otel'];
    },
    queries: 8,
    rejects: () => [[2, /^span bad00000000000b1: gen_ai\.input\.messages\[0\]\.parts\[0\]: a 'blob' part cannot be replayed/]],
    conversationIds: true,
    // The spans above carry gen_ai.request.temperature / max_tokens, no tool definitions.
    carries: { tools: false, parameters: true },
  },
  {
    name: 'turns',
    args: (dir) => {
      const file = join(dir, 'turns.csv');
      const quote = (value: string): string => `"${value.replaceAll('"', '""')}"`;
      const lines = ['conversation_id,turn,role,content,tool_calls,tool_call_id,tier,reference'];
      for (const record of SAMPLE) {
        const answer = record.response.choices[0]!.message;
        const messages = [...record.messages, { role: 'assistant', content: answer.content, ...(answer.tool_calls ? { tool_calls: answer.tool_calls } : {}) }];
        messages.forEach((message, turn) => {
          const calls = message.tool_calls ? JSON.stringify(message.tool_calls.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }))) : '';
          const last = turn === messages.length - 1;
          lines.push([record.metadata.conversation_id, String(turn + 1), message.role, quote(text(message.content)), quote(calls), message.tool_call_id ?? '', last ? record.metadata.tier : '', last ? quote(record.metadata.reference) : ''].join(','));
        });
      }
      lines.push('conv-backwards,2,user,second,,,,', 'conv-backwards,1,assistant,first,,,,');
      // System prompts hold line breaks (quoted fields span lines): the offending row is the file's last physical line.
      backwardsLine = lines.join('\n').split('\n').length;
      writeFileSync(file, lines.join('\n') + '\n');
      return ['--dataset', file, '--turns', 'last'];
    },
    queries: 8,
    rejects: () => [[backwardsLine, /^conversation conv-backwards: turn 1 does not come after turn 2/]],
    conversationIds: true,
    carries: { tools: false, parameters: false },
  },
];

describe('log formats through replay --sim', () => {
  for (const format of CASES) {
    it(`${format.name}: stores queries with conversation ids, turn index, the whole logged conversation and lines, rejects with line and field; --resume completes the run once`, async () => {
      const dir = tempDir(`hybrid-eval-${format.name}-`);
      const db = join(dir, 'results.duckdb');
      const base = ['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--db', db, '--run-id', format.name, ...format.args(dir)];
      const first = await runCli([...base, '--limit', '3']);
      expect(first.stderr).not.toContain('unexpected error');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain(`run ${format.name}: complete; 3 queries replayed`);
      const resumed = await runCli([...base, '--resume']);
      expect(resumed.stderr).not.toContain('unexpected error');
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toContain(`3 already stored (resumed)`);

      const queries = await rows<{ query_id: string; conversation_id: string | null; source_line: number; text: string }>(
        db,
        `SELECT query_id, conversation_id, source_line, text FROM queries WHERE run_id = ? ORDER BY source_line`,
        [format.name],
      );
      expect(queries).toHaveLength(format.queries);
      expect(new Set(queries.map((query) => query.query_id)).size).toBe(format.queries);
      const lastUser = SAMPLE.map((record) => text([...record.messages].reverse().find((message) => message.role === 'user')!.content));
      expect(queries.map((query) => query.text).sort()).toEqual([...lastUser].sort());
      if (format.conversationIds) expect(queries.map((query) => query.conversation_id).sort()).toEqual(SAMPLE.map((record) => record.metadata.conversation_id).sort());
      // The stored conversation is the logged one, message for message (roles, text, tool calls and
      // the results' call ids), and turn_index is the answered assistant turn's 0-based position:
      // right after the request's last message, whatever format said it.
      const stored = await rows<{ turn_index: number | null; request_json: string | null }>(db, `SELECT turn_index, request_json FROM queries WHERE run_id = ? ORDER BY source_line`, [format.name]);
      const shape = (messages: StoredMessage[]): string =>
        JSON.stringify(messages.map((message) => [message.role, text(message.content), (message.tool_calls ?? []).map((call) => [call.id, call.function.name, JSON.parse(call.function.arguments)]), message.tool_call_id ?? null]));
      const logged = new Map(SAMPLE.map((record) => [shape(record.messages), record]));
      const matched = new Set<SampleLine>();
      for (const row of stored) {
        expect(row.request_json, 'request_json stored').not.toBeNull();
        const request = JSON.parse(row.request_json!) as { messages: StoredMessage[]; tools?: unknown[]; temperature?: number; max_tokens?: number };
        const record = logged.get(shape(request.messages));
        expect(record, `stored conversation is one of the logged ones: ${shape(request.messages).slice(0, 300)}`).toBeDefined();
        matched.add(record!);
        expect(row.turn_index).toBe(record!.messages.length);
        if (format.carries.tools) expect(request.tools).toEqual(record!.tools);
        if (format.carries.parameters) expect({ temperature: request.temperature, max_tokens: request.max_tokens }).toEqual({ temperature: record!.temperature, max_tokens: record!.max_tokens });
      }
      expect(matched.size).toBe(format.queries);
      const turns = await rows<{ conversation_id: string | null; turn_index: number; n_messages: number }>(
        db,
        `SELECT conversation_id, turn_index, n_messages FROM conversation_turns WHERE run_id = ? ORDER BY conversation_id, turn_index`,
        [format.name],
      );
      expect(turns).toHaveLength(format.queries);
      for (const turn of turns) expect(turn.turn_index).toBe(turn.n_messages);

      const [answered] = await rows<{ n: number }>(db, `SELECT count(*) AS n FROM responses WHERE run_id = ? AND role = 'candidate'`, [format.name]);
      expect(answered!.n).toBe(format.queries);

      const rejects = await rows<{ line: number; reason: string }>(db, `SELECT line, reason FROM rejects WHERE run_id = ? ORDER BY line`, [format.name]);
      const expected = format.rejects();
      expect(rejects).toHaveLength(expected.length);
      expected.forEach(([line, reason], index) => {
        expect(rejects[index]!.line).toBe(line);
        expect(rejects[index]!.reason).toMatch(reason);
      });
      // Two CLI runs on a shared, loaded machine: a ceiling, not a timed assertion.
    }, 240_000);
  }
});
