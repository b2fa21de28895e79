import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoggedRequest } from '../core/conversation.ts';
import type { Query } from '../core/query.ts';
import { applyMigrations } from './migrate.ts';
import { MIGRATIONS } from './migrations/all-migrations.ts';
import { openStore } from './store.ts';
import { judgment, query, response, route, scored, tempDir } from './test-records.ts';
import { toolCallsKey } from './tool-call-key.ts';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

const request = (last: string): LoggedRequest => ({
  model: 'gpt-4-0613',
  messages: [
    { role: 'system', content: 'You are the Northwind support assistant.' },
    { role: 'user', content: 'My order NW-553201 has not arrived.' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'lookup_order', arguments: '{"order_id":"NW-553201"}' }] },
    { role: 'tool', content: '{"status":"shipped"}', toolCallId: 'call_1' },
    { role: 'assistant', content: 'It shipped yesterday.' },
    { role: 'user', content: last, name: 'maria' },
  ],
  tools: [{ type: 'function', function: { name: 'lookup_order', parameters: { type: 'object', properties: { order_id: { type: 'string' } } } } }],
  parameters: { temperature: 0.2, max_tokens: 300, parallel_tool_calls: true },
});

const lookup = (args: string) => [{ id: 'x', name: 'lookup_order', arguments: args }];

describe('toolCallsKey', () => {
  it('compares the tool and its arguments as JSON: key order and spacing ignored, values not', () => {
    expect(toolCallsKey(lookup('{"order_id":"NW-1","verbose":true}'))).toBe(toolCallsKey([{ id: 'other', name: 'lookup_order', arguments: '{ "verbose": true,\n "order_id": "NW-1" }' }]));
    expect(toolCallsKey(lookup('{"a":{"y":1,"x":[1,{"d":2,"c":3}]}}'))).toBe(toolCallsKey(lookup('{"a":{"x":[1,{"c":3,"d":2}],"y":1.0}}')));
    expect(toolCallsKey(lookup('{"order_id":"NW-1"}'))).not.toBe(toolCallsKey(lookup('{"order_id":"NW-2"}')));
    expect(toolCallsKey(lookup('{"order_id":"NW-1"}'))).not.toBe(toolCallsKey([{ id: 'x', name: 'open_ticket', arguments: '{"order_id":"NW-1"}' }]));
    // Array order matters inside arguments; parallel calls may come in either order.
    expect(toolCallsKey(lookup('{"ids":[1,2]}'))).not.toBe(toolCallsKey(lookup('{"ids":[2,1]}')));
    const a = { id: '1', name: 'a', arguments: '{}' };
    const b = { id: '2', name: 'b', arguments: '{}' };
    expect(toolCallsKey([a, b])).toBe(toolCallsKey([b, a]));
    // Not JSON: compared as text.
    expect(toolCallsKey(lookup('NW-1'))).toBe(toolCallsKey(lookup('NW-1')));
    expect(toolCallsKey(lookup('NW-1'))).not.toBe(toolCallsKey(lookup('"NW-1"')));
    expect(toolCallsKey([])).toBeUndefined();
    expect(toolCallsKey(undefined)).toBeUndefined();
  });
});

describe('conversations in the store', () => {
  it('keeps each turn, its whole request, the tool calls and the dropped parameters, and reads them back', async () => {
    const store = await openStore(join(dir.path, 'c.duckdb'));
    try {
      await store.createRun({ runId: 'c1', mode: 'shadow', dataset: 'chat.jsonl', policy: 'oracle', config: {} });
      const turns: Query[] = [
        query('t1', { conversationId: 'conv-a', turnIndex: 2, text: 'My order NW-553201 has not arrived.', request: { ...request('x'), messages: request('x').messages.slice(0, 2) } }),
        query('t2', { conversationId: 'conv-a', turnIndex: 6, text: 'Can you check again?', request: request('Can you check again?') }),
        query('t3', { conversationId: 'conv-b', turnIndex: 2, text: 'Where is NW-1?', request: request('Where is NW-1?') }),
        query('t4', { text: 'single-turn question' }),
      ];
      await store.writeBatch('c1', {
        queries: turns,
        routes: [route('c1', 't1', 'simple'), route('c1', 't2', 'medium'), route('c1', 't3', 'simple'), route('c1', 't4', 'simple')],
        responses: [
          // t1: both call the same tool, arguments written differently: agreement.
          response('c1', 't1', 'candidate', { output: '', toolCalls: lookup('{ "order_id": "NW-553201" }'), droppedParams: ['parallel_tool_calls'] }),
          response('c1', 't1', 'baseline', { source: 'log', output: '', toolCalls: lookup('{"order_id":"NW-553201"}') }),
          // t2: text on both sides: no tool turn.
          response('c1', 't2', 'candidate', { output: 'Let me check.' }),
          response('c1', 't2', 'baseline', { source: 'log', output: 'It is on its way.' }),
          // t3: the baseline called a tool, the candidate answered in text: disagreement.
          response('c1', 't3', 'candidate', { output: 'Please wait.' }),
          response('c1', 't3', 'baseline', { source: 'log', output: '', toolCalls: lookup('{"order_id":"NW-1"}') }),
          response('c1', 't4', 'candidate', { output: 'a' }),
          response('c1', 't4', 'baseline', { output: 'b' }),
        ],
        judgments: [
          judgment('c1', 't1', 'candidate', scored(4)),
          judgment('c1', 't2', 'candidate', scored(2)),
          judgment('c1', 't2', 'baseline', scored(5)),
          judgment('c1', 't3', 'candidate', scored(3)),
          judgment('c1', 't4', 'candidate', scored(5)),
        ],
      });
      const read = await store.readQueries('c1');
      expect(read.find((each) => each.queryId === 't2')).toEqual(turns[1]);
      expect(read.find((each) => each.queryId === 't4')).toEqual(turns[3]);
      const responses = await store.readResponses('c1');
      expect(responses.find((each) => each.queryId === 't1' && each.role === 'candidate')).toMatchObject({ toolCalls: lookup('{ "order_id": "NW-553201" }'), droppedParams: ['parallel_tool_calls'] });
      expect(responses.find((each) => each.queryId === 't2' && each.role === 'candidate')).not.toHaveProperty('toolCalls');

      const [stored] = await store.all<{ request_json: string }>(`SELECT request_json FROM queries WHERE run_id = 'c1' AND query_id = 't2'`);
      // A chat-completions body: what an analyst can paste into a request.
      expect(JSON.parse(stored!.request_json)).toMatchObject({
        model: 'gpt-4-0613',
        messages: [{ role: 'system' }, { role: 'user' }, { role: 'assistant', content: null, tool_calls: [{ type: 'function', function: { name: 'lookup_order' } }] }, { role: 'tool', tool_call_id: 'call_1' }, { role: 'assistant' }, { role: 'user', name: 'maria' }],
        temperature: 0.2,
        max_tokens: 300,
      });

      expect(await store.all(`SELECT query_id, conversation_id, turn_index, n_messages, tool_call_agreement FROM conversation_turns WHERE run_id = 'c1' ORDER BY query_id`)).toEqual([
        { query_id: 't1', conversation_id: 'conv-a', turn_index: 2, n_messages: 2, tool_call_agreement: true },
        { query_id: 't2', conversation_id: 'conv-a', turn_index: 6, n_messages: 6, tool_call_agreement: null },
        { query_id: 't3', conversation_id: 'conv-b', turn_index: 2, n_messages: 6, tool_call_agreement: false },
        { query_id: 't4', conversation_id: null, turn_index: null, n_messages: null, tool_call_agreement: null },
      ]);
      expect(
        await store.all(
          `SELECT conversation_id, turns_replayed, first_turn_index, last_turn_index, max_messages, tiers, mean_served_score, mean_baseline_score, tool_call_turns, tool_call_agreements, tool_call_agreement_rate
           FROM conversations WHERE run_id = 'c1' ORDER BY conversation_id`,
        ),
      ).toEqual([
        { conversation_id: 'conv-a', turns_replayed: 2, first_turn_index: 2, last_turn_index: 6, max_messages: 6, tiers: 'medium,simple', mean_served_score: 3, mean_baseline_score: 5, tool_call_turns: 1, tool_call_agreements: 1, tool_call_agreement_rate: 1 },
        { conversation_id: 'conv-b', turns_replayed: 1, first_turn_index: 2, last_turn_index: 2, max_messages: 6, tiers: 'simple', mean_served_score: 3, mean_baseline_score: null, tool_call_turns: 1, tool_call_agreements: 0, tool_call_agreement_rate: 0 },
        { conversation_id: 't4', turns_replayed: 1, first_turn_index: null, last_turn_index: null, max_messages: null, tiers: 'simple', mean_served_score: 5, mean_baseline_score: null, tool_call_turns: 0, tool_call_agreements: 0, tool_call_agreement_rate: null },
      ]);
      expect(await store.all(`SELECT tier, tool_call_turns, tool_call_agreements, tool_call_agreement_rate FROM tool_calls_by_tier WHERE run_id = 'c1' ORDER BY tier`)).toEqual([
        { tier: 'medium', tool_call_turns: 0, tool_call_agreements: 0, tool_call_agreement_rate: null },
        { tier: 'simple', tool_call_turns: 2, tool_call_agreements: 1, tool_call_agreement_rate: 0.5 },
      ]);
    } finally {
      await store.close();
    }
  });

  it('a file written before migration 10 opens, upgrades, and its old rows read as single-turn', async () => {
    const path = join(dir.path, 'v9.duckdb');
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    const before = MIGRATIONS.filter((migration) => migration.version < 10);
    await applyMigrations(connection, before, { path, readOnly: false, now: () => new Date() });
    await connection.run(`INSERT INTO runs (run_id, created_at, status, mode, dataset, policy, config_json) VALUES ('old', now(), 'complete', 'shadow', 'd.jsonl', 'oracle', '{}')`);
    await connection.run(`INSERT INTO queries (run_id, query_id, text, conversation_id, source_file, source_line) VALUES ('old', 'q1', 'hi', 'c9', 'd.jsonl', 1)`);
    await connection.run(`INSERT INTO routes (run_id, query_id, policy, tier, endpoint) VALUES ('old', 'q1', 'oracle', 'simple', 'llama')`);
    await connection.run(
      `INSERT INTO responses (run_id, query_id, role, endpoint, model, source, status, attempts, output, started_at) VALUES ('old', 'q1', 'candidate', 'llama', 'm', 'endpoint', 'ok', 1, 'hello', now())`,
    );
    connection.closeSync();
    instance.closeSync();

    const store = await openStore(path);
    try {
      expect(store.schemaVersion).toBe(MIGRATIONS.at(-1)!.version);
      expect(await store.readQueries('old')).toEqual([{ queryId: 'q1', text: 'hi', conversationId: 'c9', source: { file: 'd.jsonl', line: 1 } }]);
      expect((await store.readResponses('old'))[0]).not.toHaveProperty('toolCalls');
      expect(await store.all(`SELECT conversation_id, turns_replayed, tool_call_turns FROM conversations WHERE run_id = 'old'`)).toEqual([
        { conversation_id: 'c9', turns_replayed: 1, tool_call_turns: 0 },
      ]);
    } finally {
      await store.close();
    }
  });
});
