import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../../src/sim/server.ts';
import { openStore } from '../../src/store/store.ts';
import { runCli, tempDir } from './cli.ts';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';

// A newcomer's log in each of the three formats, replayed against the sim behind a capture proxy:
// the bytes the candidate endpoint received must hold the logged system prompt, every earlier turn
// (tool calls and tool results too), the tool definitions and the logged parameters, with only the
// model swapped and the parameters the endpoint cannot take left out (and recorded).

const SYSTEM = 'You are the Northwind Home support assistant. Use only the policies below. Returns: 30 days, unused items.';
const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'order_lookup',
      description: 'Look up a Northwind Home order by its order number',
      parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'], additionalProperties: false },
    },
  },
];
const PARAMETERS = { temperature: 0.3, top_p: 0.9, max_tokens: 300, seed: 7, stop: ['\n\nCustomer:'], response_format: { type: 'text' }, tool_choice: 'auto' };

/** The conversation as the chat-completions API writes it: what the candidate must receive. */
const conversation = (tag: string) => [
  { role: 'system', content: `${SYSTEM} (${tag})` },
  { role: 'user', content: `Hi, my rattan basket order NW-96262${tag.length} has not arrived (${tag}).` },
  { role: 'assistant', content: null, tool_calls: [{ id: `call_${tag}`, type: 'function', function: { name: 'order_lookup', arguments: `{"order_id":"NW-96262${tag.length}"}` } }] },
  { role: 'tool', content: '{"status":"shipped","carrier":"FedEx","estimated_delivery":"Saturday, March 8"}', tool_call_id: `call_${tag}` },
  { role: 'assistant', content: 'It shipped with FedEx and should arrive on Saturday, March 8.' },
  { role: 'user', content: `ok thanks. so when exactly will it get here? (${tag})` },
];
const response = (text: string) => ({
  id: 'chatcmpl-logged',
  object: 'chat.completion',
  model: 'gpt-4-0613',
  choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 210, completion_tokens: 24, total_tokens: 234 },
});
const LOGGED_ANSWER = 'Your rattan basket should arrive on Saturday, March 8; FedEx has it.';
/** Longer than llama's context_tokens (3000) at 4 characters a token. */
const HUGE = 'Here is my whole order history: '.concat('sofa, lamp, basket, rug. '.repeat(600));

function chatLog(dir: string): string {
  const lines = [
    // The {request, response} wrapper.
    { request: { model: 'gpt-4-0613', messages: conversation('chat-a'), tools: TOOLS, ...PARAMETERS, parallel_tool_calls: true }, response: response(LOGGED_ANSWER), metadata: { query_id: 'chat-a', conversation_id: 'conv-a' } },
    // A bare request body with a response key, no tools.
    { model: 'gpt-4-0613', messages: conversation('chat-b'), ...PARAMETERS, response: response(LOGGED_ANSWER), metadata: { query_id: 'chat-b', conversation_id: 'conv-b' } },
    // No system message of its own: the config's system prompt goes first.
    { model: 'gpt-4-0613', messages: conversation('chat-c').slice(1), ...PARAMETERS, metadata: { query_id: 'chat-c' } },
    // Too large for llama: stored failed with its size, never sent.
    { model: 'gpt-4-0613', messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: HUGE }], max_tokens: 200, response: response('Thanks!'), metadata: { query_id: 'chat-huge' } },
  ];
  const path = join(dir, 'chat.jsonl');
  writeFileSync(path, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  return path;
}

function batchLogs(dir: string): { input: string; output: string } {
  const input = join(dir, 'batch-input.jsonl');
  const output = join(dir, 'batch-output.jsonl');
  writeFileSync(
    input,
    ['batch-a', 'batch-b']
      .map((tag) => JSON.stringify({ custom_id: tag, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4-0613', messages: conversation(tag), tools: TOOLS, ...PARAMETERS, parallel_tool_calls: false } }))
      .join('\n') + '\n',
  );
  // Output lines come back in any order.
  writeFileSync(
    output,
    ['batch-b', 'batch-a']
      .map((tag, index) => JSON.stringify({ id: `batch_req_${index}`, custom_id: tag, response: { status_code: 200, request_id: `req_${index}`, body: response(LOGGED_ANSWER) }, error: null }))
      .join('\n') + '\n',
  );
  return { input, output };
}

const attribute = (key: string, value: string | number | string[]) => ({
  key,
  value: Array.isArray(value)
    ? { arrayValue: { values: value.map((item) => ({ stringValue: item })) } }
    : typeof value === 'string'
      ? { stringValue: value }
      : Number.isInteger(value)
        ? { intValue: String(value) }
        : { doubleValue: value },
});

/** The same conversation as OTel GenAI attributes (parts form), as the OpenTelemetry SDKs export it. */
function otelLog(dir: string): string {
  const span = (tag: string, spanId: string) => {
    const [system, user, call, result, answer, last] = conversation(tag) as Array<Record<string, any>>;
    const input = [
      { role: 'user', parts: [{ type: 'text', content: user!.content }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: call!.tool_calls[0].id, name: 'order_lookup', arguments: JSON.parse(call!.tool_calls[0].function.arguments) }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: result!.tool_call_id, response: result!.content }] },
      { role: 'assistant', parts: [{ type: 'text', content: answer!.content }] },
      { role: 'user', parts: [{ type: 'text', content: last!.content }] },
    ];
    return {
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId,
      name: 'chat gpt-4-0613',
      kind: 3,
      startTimeUnixNano: '1740982265000000000',
      endTimeUnixNano: '1740982267300000000',
      attributes: [
        attribute('gen_ai.operation.name', 'chat'),
        attribute('gen_ai.system', 'openai'),
        attribute('gen_ai.request.model', 'gpt-4-0613'),
        attribute('gen_ai.conversation.id', `conv-${tag}`),
        attribute('gen_ai.request.temperature', 0.3),
        attribute('gen_ai.request.top_p', 0.9),
        attribute('gen_ai.request.max_tokens', 300),
        attribute('gen_ai.request.seed', 7),
        attribute('gen_ai.request.stop_sequences', ['\n\nCustomer:']),
        attribute('gen_ai.system_instructions', JSON.stringify([{ type: 'text', content: system!.content }])),
        attribute('gen_ai.input.messages', JSON.stringify(input)),
        attribute('gen_ai.output.messages', JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: LOGGED_ANSWER }], finish_reason: 'stop' }])),
        attribute('gen_ai.tool.definitions', JSON.stringify(TOOLS.map((tool) => ({ type: 'function', ...tool.function })))),
        attribute('gen_ai.usage.input_tokens', 210),
        attribute('gen_ai.usage.output_tokens', 24),
      ],
      status: { code: 1 },
    };
  };
  const document = {
    resourceSpans: [
      {
        resource: { attributes: [attribute('service.name', 'support-bot')] },
        scopeSpans: [{ scope: { name: 'opentelemetry.instrumentation.openai_v2' }, spans: [span('otel-a', '00f067aa0ba902b7'), span('otel-b', '00f067aa0ba902b8')] }],
      },
    ],
  };
  const path = join(dir, 'spans.json');
  writeFileSync(path, JSON.stringify(document));
  return path;
}

function writeConfig(dir: string, url: string): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(
    path,
    `version: 1
system_prompt: 'CONFIG PROMPT: used only for rows without a system message of their own'
endpoints:
  llama: { base_url: '${url}', model: llama-3-70b, on_prem: true, context_tokens: 3000, pricing: { fixed_monthly_usd: 11000, per_query_usd: 0.0004 }, retries: 0, stream: true }
  gpt4: { base_url: '${url}', model: gpt-4, pricing: { input_per_million: 30, output_per_million: 60 }, retries: 0 }
routing: { policy: fixed, fixed_tier: simple, tiers: { simple: llama, medium: llama, complex: gpt4 } }
baseline: gpt4
judge: { endpoint: gpt4, rubric: judges/support-single.yaml }
dataset: { path: unused.jsonl }
database: '${join(dir, 'results.duckdb')}'
results_dir: '${join(dir, 'results')}'
volume: { monthly_queries: 1000000 }
`,
  );
  return path;
}

interface Body {
  model: string;
  messages: unknown[];
  tools?: unknown;
  response_format?: { json_schema?: { name?: string } };
  [key: string]: unknown;
}

describe('replaying logged conversations: what each endpoint received', () => {
  let sim: SimServer;
  let proxy: RecordingProxy;
  let dir: string;
  let config: string;
  beforeAll(async () => {
    sim = await startSim({ port: 0, timeScale: 0 });
    proxy = await startRecordingProxy(sim.url);
    dir = tempDir('hybrid-eval-conversations-');
    config = writeConfig(dir, proxy.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
  });

  /** Chat requests from this replay to the candidate (llama), by the tag in their last user message. */
  async function replay(args: string[], runId: string): Promise<Map<string, Body>> {
    const start = proxy.requests.length;
    const result = await runCli(['replay', '-c', config, '--run-id', runId, ...args]);
    expect(result.code, result.stderr).toBe(0);
    const bodies = proxy.requests
      .slice(start)
      .filter((request) => request.path.endsWith('/chat/completions'))
      .map((request) => JSON.parse(request.body) as Body)
      .filter((body) => body.model === 'llama-3-70b' && body.response_format?.json_schema?.name !== 'judge_verdict');
    const byTag = new Map<string, Body>();
    for (const body of bodies) {
      const last = body.messages.at(-1) as { content: string };
      const tag = /\((\w+-\w+)\)$/.exec(last.content)?.[1] ?? (last.content.startsWith('Here is my whole order history') ? 'huge' : 'unknown');
      byTag.set(tag, body);
    }
    return byTag;
  }

  function expectLoggedRequest(body: Body | undefined, tag: string, options: { tools: boolean }): void {
    expect(body, tag).toBeDefined();
    // Only the model swapped.
    expect(body!.model).toBe('llama-3-70b');
    expect(body!.messages).toEqual(conversation(tag));
    if (options.tools) expect(body!.tools).toEqual(TOOLS);
    else expect(body!.tools).toBeUndefined();
    for (const [name, value] of Object.entries(PARAMETERS)) {
      if (name === 'tool_choice' && !options.tools) continue;
      expect(body![name], `${tag}: ${name}`).toEqual(value);
    }
    // vLLM takes parallel_tool_calls only to ignore it: dropped for the on-prem endpoint.
    expect(body!).not.toHaveProperty('parallel_tool_calls');
    expect(body!.stream).toBe(true);
  }

  it('OpenAI chat-completions JSONL: every turn, the tools and the parameters as logged; too large for the context: stored with its size, not sent', async () => {
    const sent = await replay(['--dataset', chatLog(dir)], 'chat');
    expectLoggedRequest(sent.get('chat-a'), 'chat-a', { tools: true });
    expectLoggedRequest(sent.get('chat-b'), 'chat-b', { tools: false });
    expect(sent.has('huge')).toBe(false);
    // The config's system prompt only where the row has none of its own.
    expect(sent.get('chat-c')!.messages).toEqual([{ role: 'system', content: 'CONFIG PROMPT: used only for rows without a system message of their own' }, ...conversation('chat-c').slice(1)]);
    expect(JSON.stringify(sent.get('chat-a')!.messages)).not.toContain('CONFIG PROMPT');

    const store = await openStore(join(dir, 'results.duckdb'), { readOnly: true });
    try {
      const responses = await store.all<{ query_id: string; role: string; source: string; status: string; attempts: number; error: string | null; dropped_params: string | null; prompt_tokens: number | null; cost_usd: number | null }>(
        `SELECT query_id, role, source, status, attempts, error, dropped_params, prompt_tokens, cost_usd FROM responses WHERE run_id = 'chat' ORDER BY query_id, role`,
      );
      const of = (id: string, role: string) => responses.find((row) => row.query_id === id && row.role === role)!;
      expect(JSON.parse(of('chat-a', 'candidate').dropped_params!)).toEqual(['parallel_tool_calls']);
      expect(of('chat-b', 'candidate').dropped_params).toBeNull();
      // The logged response is the baseline, with its usage and the cost of that usage at GPT-4 prices.
      expect(of('chat-a', 'baseline')).toMatchObject({ source: 'log', status: 'ok', prompt_tokens: 210 });
      expect(of('chat-a', 'baseline').cost_usd).toBeCloseTo((210 * 30 + 24 * 60) / 1e6, 10);
      const huge = of('chat-huge', 'candidate');
      expect(huge).toMatchObject({ status: 'failed', attempts: 0 });
      expect(huge.error).toMatch(/^request too large for llama: about \d{4} prompt tokens \(\d+ characters \/ 4, 2 messages\) \+ 200 completion tokens requested > context_tokens 3000; not sent, not truncated$/);
      const [stored] = await store.all<{ request_json: string; turn_index: number; conversation_id: string }>(
        `SELECT request_json, turn_index, conversation_id FROM queries WHERE run_id = 'chat' AND query_id = 'chat-a'`,
      );
      expect(JSON.parse(stored!.request_json)).toMatchObject({ model: 'gpt-4-0613', messages: conversation('chat-a'), tools: TOOLS, parallel_tool_calls: true });
      expect(stored!.conversation_id).toBe('conv-a');
    } finally {
      await store.close();
    }
    // The judge saw the conversation, not just the last message.
    const judged = proxy.requests
      .map((request) => request.body)
      .filter((body) => body.includes('judge_verdict') && body.includes('so when exactly will it get here? (chat-a)'));
    expect(judged.length).toBeGreaterThan(0);
    expect(judged[0]).toContain('<conversation>');
    expect(judged[0]).toContain('tool result (call_chat-a)');
  }, 300_000);

  it('OpenAI Batch API input joined to its output file: the same bytes', async () => {
    const { input, output } = batchLogs(dir);
    const sent = await replay(['--dataset', input, '--batch-output', output], 'batch');
    expectLoggedRequest(sent.get('batch-a'), 'batch-a', { tools: true });
    expectLoggedRequest(sent.get('batch-b'), 'batch-b', { tools: true });
    const store = await openStore(join(dir, 'results.duckdb'), { readOnly: true });
    try {
      const baselines = await store.all<{ query_id: string; source: string; output: string; dropped_params: string | null }>(
        `SELECT b.query_id, b.source, b.output, c.dropped_params FROM responses b JOIN responses c USING (run_id, query_id)
         WHERE run_id = 'batch' AND b.role = 'baseline' AND c.role = 'candidate' ORDER BY query_id`,
      );
      expect(baselines).toEqual([
        { query_id: 'batch-a', source: 'log', output: LOGGED_ANSWER, dropped_params: '["parallel_tool_calls"]' },
        { query_id: 'batch-b', source: 'log', output: LOGGED_ANSWER, dropped_params: '["parallel_tool_calls"]' },
      ]);
    } finally {
      await store.close();
    }
  }, 300_000);

  it('OTLP JSON GenAI spans: system instructions, parts, tool calls and results become the same chat request', async () => {
    const sent = await replay(['--dataset', otelLog(dir)], 'otel');
    for (const tag of ['otel-a', 'otel-b']) {
      const body = sent.get(tag);
      expect(body, tag).toBeDefined();
      expect(body!.model).toBe('llama-3-70b');
      expect(body!.messages).toEqual(conversation(tag));
      expect(body!.tools).toEqual(TOOLS);
      // Spans carry no response_format or tool_choice attributes; the rest are the logged ones.
      expect(body).toMatchObject({ temperature: 0.3, top_p: 0.9, max_tokens: 300, seed: 7, stop: ['\n\nCustomer:'] });
    }
    const store = await openStore(join(dir, 'results.duckdb'), { readOnly: true });
    try {
      const rows = await store.all<{ conversation_id: string; baseline_source: string; baseline_output: string }>(
        `SELECT q.conversation_id, p.baseline_source, p.baseline_output FROM queries q JOIN pairs p USING (run_id, query_id) WHERE run_id = 'otel' ORDER BY 1`,
      );
      expect(rows).toEqual([
        { conversation_id: 'conv-otel-a', baseline_source: 'log', baseline_output: LOGGED_ANSWER },
        { conversation_id: 'conv-otel-b', baseline_source: 'log', baseline_output: LOGGED_ANSWER },
      ]);
    } finally {
      await store.close();
    }
  }, 300_000);
});
