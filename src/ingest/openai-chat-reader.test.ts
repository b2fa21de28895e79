import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openLog } from './open-log.ts';
import { collect, makeTempDir } from './test-support.ts';

const temp = makeTempDir('openai-chat');
afterAll(() => temp.cleanup());

const SYSTEM = { role: 'system', content: 'You are Northwind support.' };
const completion = (content: string | null, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-abc',
  object: 'chat.completion',
  created: 1740982261,
  model: 'gpt-4-0613',
  choices: [{ index: 0, message: { role: 'assistant', content, ...extra }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 50, completion_tokens: 12, total_tokens: 62 },
});

function write(name: string, lines: unknown[]): string {
  const path = temp.path(name);
  writeFileSync(path, lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n') + '\n');
  return path;
}

describe('OpenAI chat-completions logs', () => {
  it('reads bare bodies and {request, response} wrappers: the whole request, the last user message, the logged response', async () => {
    const path = write('good.jsonl', [
      {
        model: 'gpt-4',
        messages: [SYSTEM, { role: 'user', content: 'My order is NW-123456.' }, { role: 'assistant', content: 'Thanks!' }, { role: 'user', content: 'When will it arrive?' }],
        temperature: 0.2,
        max_tokens: 300,
        stop: ['\n\n'],
        seed: 7,
        response_format: { type: 'text' },
        stream: true,
        user: 'not replayed',
        response: completion('It arrives Friday.'),
        latency_ms: 1234,
        metadata: { query_id: 'q-1', tier: 'Medium', reference: 'Friday.', timestamp: 1740982261, channel: 'chat', conversation_id: 'conv-1' },
      },
      { request: { model: 'gpt-4', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: 'again' }] }], max_completion_tokens: 50 }, response: completion('Hi') },
      { messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'No response logged' }] },
    ]);
    const reader = await openLog({ path, mapping: {} });
    expect(reader.format).toBe('openai-chat');
    const { queries, rejects } = await collect(reader);
    expect(rejects).toEqual([]);
    expect(queries).toHaveLength(3);
    const [first, second, third] = queries;
    expect(first).toMatchObject({
      queryId: 'q-1',
      text: 'When will it arrive?',
      label: 'medium',
      reference: 'Friday.',
      timestamp: '2025-03-03T06:11:01Z',
      channel: 'chat',
      conversationId: 'conv-1',
      turnIndex: 4,
      loggedAnswer: 'It arrives Friday.',
      loggedResponse: { content: 'It arrives Friday.', promptTokens: 50, completionTokens: 12, latencyMs: 1234, model: 'gpt-4-0613' },
      source: { file: path, line: 1 },
    });
    expect(first!.request).toEqual({
      model: 'gpt-4',
      messages: [
        { role: 'system', content: 'You are Northwind support.' },
        { role: 'user', content: 'My order is NW-123456.' },
        { role: 'assistant', content: 'Thanks!' },
        { role: 'user', content: 'When will it arrive?' },
      ],
      parameters: { temperature: 0.2, max_tokens: 300, stop: ['\n\n'], seed: 7, response_format: { type: 'text' } },
    });
    // No mapped id: the response's id; the response's `created` dates it.
    expect(second).toMatchObject({ queryId: 'chatcmpl-abc', text: 'Hello\nagain', timestamp: '2025-03-03T06:11:01Z', request: { parameters: { max_completion_tokens: 50 } } });
    expect(third).toMatchObject({ queryId: 'L3', text: 'No response logged', turnIndex: 2 });
    expect(third!.loggedAnswer).toBeUndefined();
    expect(third!.loggedResponse).toBeUndefined();
  });

  it('keeps tool definitions, tool calls and tool results; a tool-call answer is stored as calls with an empty text', async () => {
    const tools = [{ type: 'function', function: { name: 'order_lookup', description: 'Look up an order', parameters: { type: 'object', properties: { order_id: { type: 'string' } } } } }];
    const path = write('tools.jsonl', [
      {
        messages: [
          { role: 'user', content: 'Where is NW-1?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'order_lookup', arguments: '{"order_id":"NW-1"}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: '{"status":"shipped"}' },
          { role: 'assistant', content: 'It shipped.' },
          { role: 'user', content: 'And NW-2?' },
        ],
        tools,
        tool_choice: 'auto',
        parallel_tool_calls: false,
        response: completion(null, { tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'order_lookup', arguments: { order_id: 'NW-2' } } }] }),
      },
    ]);
    const { queries, rejects } = await collect(await openLog({ path, mapping: {} }));
    expect(rejects).toEqual([]);
    const [query] = queries;
    expect(query!.request!.tools).toEqual(tools);
    expect(query!.request!.parameters).toEqual({ tool_choice: 'auto', parallel_tool_calls: false });
    expect(query!.request!.messages[1]).toEqual({ role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'order_lookup', arguments: '{"order_id":"NW-1"}' }] });
    expect(query!.request!.messages[2]).toEqual({ role: 'tool', content: '{"status":"shipped"}', toolCallId: 'call_1' });
    expect(query!.loggedAnswer).toBe('');
    expect(query!.loggedResponse!.toolCalls).toEqual([{ id: 'call_2', name: 'order_lookup', arguments: '{"order_id":"NW-2"}' }]);
  });

  it('rejects each kind of bad request with its line and field, and keeps the good lines', async () => {
    const user = { role: 'user', content: 'hi' };
    const path = write('bad.jsonl', [
      { messages: 'hello' },
      { messages: [{ role: 'customer', content: 'hi' }] },
      { messages: [user, { role: 'tool', tool_call_id: 'call_9', content: 'x' }] },
      { messages: [SYSTEM, { role: 'assistant', content: 'Hello' }] },
      '{"messages": [',
      { messages: [{ role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] },
      { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAA', format: 'wav' } }] }] },
      { messages: [user], temperature: 'hot' },
      { messages: [user], tools: [{ type: 'function', function: { description: 'no name' } }] },
      { messages: [user], response: { choices: 'none' } },
      { messages: [user], metadata: { tier: 'urgent' } },
      { messages: [user], metadata: { timestamp: 'last tuesday' } },
      { messages: [{ role: 'user', content: '   ' }] },
      { messages: [user], metadata: { query_id: 'ok-1' } },
    ]);
    const { queries, rejects } = await collect(await openLog({ path, mapping: {} }));
    expect(queries.map((query) => query.queryId)).toEqual(['ok-1']);
    expect(rejects.map((reject) => [reject.line, reject.reason])).toEqual([
      [1, 'messages: expected an array, got string'],
      [2, "messages[0].role: unknown role 'customer' (system, developer, user, assistant, tool)"],
      [3, "messages[1].tool_call_id: no earlier assistant tool call has id 'call_9'"],
      [4, 'messages: no user message, so no turn to replay'],
      [5, expect.stringMatching(/^invalid JSON: /)],
      [6, "messages[0].content[1]: a 'image_url' part cannot be replayed (only text parts can)"],
      [7, "messages[0].content[0]: a 'input_audio' part cannot be replayed (only text parts can)"],
      [8, expect.stringMatching(/^temperature: .*number/i)],
      [9, expect.stringMatching(/^tools\[0\]\.function\.name: /)],
      [10, 'response.choices: expected an array, got string'],
      [11, 'label: "urgent" is not a tier (simple, medium, complex)'],
      [12, 'timestamp: "last tuesday" is not ISO 8601, epoch seconds or epoch milliseconds'],
      [13, 'messages: the last user message is empty'],
    ]);
    for (const reject of rejects) expect(reject.file).toBe(path);
  });

  it('refuses a mapped query column (the query is the last user message) before reading', async () => {
    const path = write('mapped.jsonl', [{ messages: [{ role: 'user', content: 'hi' }] }]);
    await expect(openLog({ path, mapping: { query: 'messages.0.content' } })).rejects.toThrow(/field 'query' cannot be mapped for this log/);
  });

  it('reads a .json file holding an array of chat records, and one holding them under a key, record by record', async () => {
    const records = [
      { messages: [{ role: 'user', content: 'first' }], metadata: { query_id: 'a' } },
      { messages: [{ role: 'user', content: 'second' }], metadata: { query_id: 'b' } },
    ];
    const array = temp.path('array.json');
    writeFileSync(array, JSON.stringify(records, null, 2));
    const wrapped = temp.path('wrapped.json');
    writeFileSync(wrapped, JSON.stringify({ version: 1, tags: ['x'], data: records }, null, 2));
    for (const path of [array, wrapped]) {
      const reader = await openLog({ path, mapping: {} });
      expect(reader.format).toBe('openai-chat');
      const { queries, rejects } = await collect(reader);
      expect(rejects).toEqual([]);
      expect(queries.map((query) => [query.queryId, query.text])).toEqual([
        ['a', 'first'],
        ['b', 'second'],
      ]);
      // The line a record starts on.
      expect(queries[1]!.source.line).toBeGreaterThan(queries[0]!.source.line);
    }
  });
});
