import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openLog } from './open-log.ts';
import { collect, makeTempDir } from './test-support.ts';

const temp = makeTempDir('otel');
afterAll(() => temp.cleanup());

type Value = string | number | boolean | string[];
function attribute(key: string, value: Value): { key: string; value: Record<string, unknown> } {
  if (Array.isArray(value)) return { key, value: { arrayValue: { values: value.map((item) => ({ stringValue: item })) } } };
  if (typeof value === 'string') return { key, value: { stringValue: value } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  // OTLP JSON writes 64-bit integers as strings.
  return { key, value: Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value } };
}

function span(spanId: string, attributes: Record<string, Value>, start = '1740982261000000000', end = '1740982262500000000') {
  return { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId, name: 'chat gpt-4', kind: 3, startTimeUnixNano: start, endTimeUnixNano: end, attributes: Object.entries(attributes).map(([key, value]) => attribute(key, value)) };
}

function exportOf(spans: unknown[]) {
  return { resourceSpans: [{ resource: { attributes: [attribute('service.name', 'support-bot')] }, scopeSpans: [{ scope: { name: 'opentelemetry.instrumentation.openai' }, spans }] }] };
}

const PARTS_SPAN = span('00f067aa0ba902b7', {
  'gen_ai.operation.name': 'chat',
  'gen_ai.request.model': 'gpt-4',
  'gen_ai.request.temperature': 0.3,
  'gen_ai.request.max_tokens': 200,
  'gen_ai.request.top_p': 1.0,
  'gen_ai.request.stop_sequences': ['END'],
  'gen_ai.request.seed': 42,
  'gen_ai.conversation.id': 'conv-9',
  'gen_ai.response.model': 'gpt-4-0613',
  'gen_ai.usage.input_tokens': 52,
  'gen_ai.usage.output_tokens': 47,
  'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'You are Northwind support.' }]),
  'gen_ai.input.messages': JSON.stringify([
    { role: 'user', parts: [{ type: 'text', content: 'Where is order NW-1?' }] },
    { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'order_lookup', arguments: { order_id: 'NW-1' } }] },
    { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: { status: 'shipped' } }] },
    { role: 'assistant', parts: [{ type: 'text', content: 'It shipped.' }] },
    { role: 'user', parts: [{ type: 'text', content: 'When will it arrive?' }] },
  ]),
  'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'Friday.' }], finish_reason: 'stop' }]),
  'gen_ai.tool.definitions': JSON.stringify([{ type: 'function', name: 'order_lookup', description: 'Look up an order', parameters: { type: 'object' } }]),
});

const FLAT_SPAN = span('a1b2c3d4e5f60718', {
  'llm.request.type': 'chat',
  'gen_ai.system': 'openai',
  'gen_ai.request.model': 'gpt-4',
  'gen_ai.request.temperature': 0.7,
  'gen_ai.prompt.0.role': 'system',
  'gen_ai.prompt.0.content': 'You are Northwind support.',
  'gen_ai.prompt.1.role': 'user',
  'gen_ai.prompt.1.content': 'My lamp is blinking.',
  'gen_ai.prompt.2.role': 'assistant',
  'gen_ai.prompt.2.tool_calls.0.id': 'call_7',
  'gen_ai.prompt.2.tool_calls.0.name': 'device_status',
  'gen_ai.prompt.2.tool_calls.0.arguments': '{"device":"lumen"}',
  'gen_ai.prompt.3.role': 'tool',
  'gen_ai.prompt.3.tool_call_id': 'call_7',
  'gen_ai.prompt.3.content': 'offline',
  'gen_ai.prompt.4.role': 'user',
  'gen_ai.prompt.4.content': JSON.stringify([{ type: 'text', text: 'what now?' }]),
  'gen_ai.completion.0.role': 'assistant',
  'gen_ai.completion.0.content': 'Reset it.',
  'gen_ai.usage.prompt_tokens': 30,
  'gen_ai.usage.completion_tokens': 4,
  'llm.request.functions.0.name': 'device_status',
  'llm.request.functions.0.description': 'Device status',
  'llm.request.functions.0.parameters': '{"type":"object"}',
});

describe('OTLP GenAI spans', () => {
  it('reads the structured parts form from JSONL of exports: system instructions, history with tool calls and results, parameters, usage, latency', async () => {
    const path = temp.path('spans.jsonl');
    writeFileSync(path, `${JSON.stringify(exportOf([PARTS_SPAN, span('1111111111111111', { 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'text-embedding-3' }), span('2222222222222222', { 'http.method': 'GET' })]))}\n`);
    const reader = await openLog({ path, mapping: {} });
    expect(reader.format).toBe('otel');
    const { queries, rejects } = await collect(reader);
    expect(rejects).toEqual([]);
    expect(reader.skipped?.()).toEqual({ count: 2, what: 'spans that are not chat calls' });
    const [query] = queries;
    expect(query).toMatchObject({
      queryId: '00f067aa0ba902b7',
      text: 'When will it arrive?',
      conversationId: 'conv-9',
      timestamp: '2025-03-03T06:11:01Z',
      turnIndex: 6,
      loggedAnswer: 'Friday.',
      loggedResponse: { content: 'Friday.', promptTokens: 52, completionTokens: 47, latencyMs: 1500, model: 'gpt-4-0613' },
      source: { file: path, line: 1, spanId: '00f067aa0ba902b7' },
    });
    expect(query!.request).toEqual({
      model: 'gpt-4',
      parameters: { temperature: 0.3, max_tokens: 200, top_p: 1, stop: ['END'], seed: 42 },
      tools: [{ type: 'function', function: { name: 'order_lookup', description: 'Look up an order', parameters: { type: 'object' } } }],
      messages: [
        { role: 'system', content: 'You are Northwind support.' },
        { role: 'user', content: 'Where is order NW-1?' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'order_lookup', arguments: '{"order_id":"NW-1"}' }] },
        { role: 'tool', content: '{"status":"shipped"}', toolCallId: 'call_1' },
        { role: 'assistant', content: 'It shipped.' },
        { role: 'user', content: 'When will it arrive?' },
      ],
    });
  });

  it('reads the flattened gen_ai.prompt.N form (OpenLLMetry) from one pretty-printed export file, span by span', async () => {
    const path = temp.path('export.json');
    writeFileSync(path, JSON.stringify(exportOf([FLAT_SPAN, PARTS_SPAN]), null, 2));
    const reader = await openLog({ path, mapping: {} });
    expect(reader.format).toBe('otel');
    const { queries, rejects } = await collect(reader);
    expect(rejects).toEqual([]);
    expect(queries.map((query) => query.queryId)).toEqual(['a1b2c3d4e5f60718', '00f067aa0ba902b7']);
    const [flat] = queries;
    expect(flat!.text).toBe('what now?');
    expect(flat!.request!.messages).toEqual([
      { role: 'system', content: 'You are Northwind support.' },
      { role: 'user', content: 'My lamp is blinking.' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'call_7', name: 'device_status', arguments: '{"device":"lumen"}' }] },
      { role: 'tool', content: 'offline', toolCallId: 'call_7' },
      { role: 'user', content: 'what now?' },
    ]);
    expect(flat!.request!.tools).toEqual([{ type: 'function', function: { name: 'device_status', description: 'Device status', parameters: { type: 'object' } } }]);
    expect(flat!.request!.parameters).toEqual({ temperature: 0.7 });
    expect(flat!.loggedResponse).toMatchObject({ content: 'Reset it.', promptTokens: 30, completionTokens: 4 });
    // Each span's line in the pretty-printed file.
    expect(flat!.source.line).toBeLessThan(queries[1]!.source.line);
  });

  it('rejects a bad chat span naming its span id and the attribute, and maps other attributes by key', async () => {
    const bad = (spanId: string, attributes: Record<string, Value>) => span(spanId, { 'gen_ai.operation.name': 'chat', ...attributes });
    const path = temp.path('bad.jsonl');
    writeFileSync(
      path,
      [
        exportOf([bad('aaaaaaaaaaaaaaa1', { 'gen_ai.input.messages': '[{"role":"user"' })]),
        exportOf([bad('aaaaaaaaaaaaaaa2', { 'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'blob', modality: 'image', content: 'AAA' }] }]) })]),
        exportOf([bad('aaaaaaaaaaaaaaa3', { 'gen_ai.input.messages': JSON.stringify([{ role: 'narrator', parts: [] }]) })]),
        exportOf([bad('aaaaaaaaaaaaaaa4', {})]),
        exportOf([bad('aaaaaaaaaaaaaaa5', { 'gen_ai.input.messages': JSON.stringify([{ role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_x', response: 'r' }] }, { role: 'user', parts: [{ type: 'text', content: 'q' }] }]) })]),
        exportOf([bad('aaaaaaaaaaaaaaa6', { 'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'ok' }] }]), 'app.tier': 'complex' })]),
      ]
        .map((line) => JSON.stringify(line))
        .join('\n'),
    );
    const { queries, rejects } = await collect(await openLog({ path, mapping: { label: 'app.tier' } }));
    expect(queries.map((query) => [query.queryId, query.label])).toEqual([['aaaaaaaaaaaaaaa6', 'complex']]);
    expect(rejects.map((reject) => [reject.line, reject.spanId, reject.reason])).toEqual([
      [1, 'aaaaaaaaaaaaaaa1', expect.stringMatching(/^span aaaaaaaaaaaaaaa1: gen_ai\.input\.messages: invalid JSON/)],
      [2, 'aaaaaaaaaaaaaaa2', "span aaaaaaaaaaaaaaa2: gen_ai.input.messages[0].parts[0]: a 'blob' part cannot be replayed (only text parts can)"],
      [3, 'aaaaaaaaaaaaaaa3', "span aaaaaaaaaaaaaaa3: gen_ai.input.messages[0].role: unknown role 'narrator' (system, developer, user, assistant, tool)"],
      [4, 'aaaaaaaaaaaaaaa4', expect.stringMatching(/^span aaaaaaaaaaaaaaa4: gen_ai\.input\.messages: missing/)],
      [5, 'aaaaaaaaaaaaaaa5', "span aaaaaaaaaaaaaaa5: gen_ai.input.messages[0].tool_call_id: no earlier assistant tool call has id 'call_x'"],
    ]);
  });
});

describe('OTLP spans sharing a line', () => {
  it('stores the rejects of one line as one (the rejects table is keyed by file and line), every span id and reason kept', async () => {
    const path = temp.path('compact.json');
    const good = span('bbbbbbbbbbbbbbb3', { 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }]) });
    writeFileSync(
      path,
      JSON.stringify(
        exportOf([
          span('bbbbbbbbbbbbbbb1', { 'gen_ai.operation.name': 'chat' }),
          good,
          span('bbbbbbbbbbbbbbb2', { 'gen_ai.operation.name': 'chat', 'gen_ai.input.messages': '[]' }),
        ]),
      ),
    );
    const { queries, rejects } = await collect(await openLog({ path, mapping: {} }));
    expect(queries.map((query) => query.queryId)).toEqual(['bbbbbbbbbbbbbbb3']);
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ line: 1, spanId: 'bbbbbbbbbbbbbbb1' });
    expect(rejects[0]!.reason).toMatch(/^span bbbbbbbbbbbbbbb1: gen_ai\.input\.messages: missing .*; span bbbbbbbbbbbbbbb2: gen_ai\.input\.messages: empty, nothing to replay$/);
  });
});
