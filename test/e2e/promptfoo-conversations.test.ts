import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../../src/sim/server.ts';
import { tempDir } from './cli.ts';
import { expectEvalRan, promptfooEval } from './promptfoo-cli.ts';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';

/*
 * The nightly suite (suites/nightly.yaml) replays logged conversations through promptfoo's own CLI.
 * Its endpoints here are the sim behind a capture proxy (the config's real-endpoint path, as the
 * nightly job runs against the real stack), so the test sees the bytes each endpoint received: the
 * logged system prompt, every earlier turn with its tool calls and results, the tool definitions and
 * the logged parameters, only the model swapped.
 */

interface Message {
  role: string;
  content: string | null | Array<{ type: string; text: string }>;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}
interface LoggedRequest {
  messages: Message[];
  tools?: unknown[];
  tool_choice?: unknown;
  temperature: number;
  max_tokens: number;
}
interface Result {
  provider: { label?: string };
  vars: { query_id: string; request: LoggedRequest };
  error?: string;
  response?: { output?: string; metadata?: { endpoint?: string; model?: string } };
}

const MODELS = { llama: 'llama-3-70b', gpt35: 'gpt-3.5-turbo', gpt4: 'gpt-4' } as const;

/** A message as the reader compares it: role, text, tool calls (arguments as JSON), the answered call's id. */
function shape(message: Message): unknown {
  const text = typeof message.content === 'string' ? message.content : Array.isArray(message.content) ? message.content.map((part) => part.text).join('\n') : '';
  return [message.role, text, (message.tool_calls ?? []).map((call) => [call.id, call.function.name, JSON.parse(call.function.arguments)]), message.tool_call_id ?? null];
}

describe('the nightly promptfoo suite replays whole conversations', () => {
  const dir = tempDir('hybrid-eval-pf-conversations-');
  let sim: SimServer;
  let proxy: RecordingProxy;
  let results: Result[];

  beforeAll(async () => {
    sim = await startSim({ timeScale: 0 });
    proxy = await startRecordingProxy(sim.url);
    const config = join(dir, 'stack.yaml');
    writeFileSync(
      config,
      `version: 1
system_prompt: 'CONFIG PROMPT: only for prompts without a system message of their own'
endpoints:
  llama: { base_url: '${proxy.url}', model: ${MODELS.llama}, on_prem: true, pricing: { fixed_monthly_usd: 11000, per_query_usd: 0.0004 }, retries: 0 }
  gpt35: { base_url: '${proxy.url}', model: ${MODELS.gpt35}, api_key_env: OPENAI_API_KEY, pricing: { input_per_million: 0.5, output_per_million: 1.5 }, retries: 0 }
  gpt4: { base_url: '${proxy.url}', model: ${MODELS.gpt4}, api_key_env: OPENAI_API_KEY, pricing: { input_per_million: 30, output_per_million: 60 }, retries: 0 }
routing: { policy: oracle, tiers: { simple: llama, medium: gpt35, complex: gpt4 }, fallback: gpt4 }
baseline: gpt4
judge: { endpoint: gpt4, rubric: judges/support-single.yaml }
dataset: { path: unused.jsonl }
`,
    );
    const out = join(dir, 'nightly.json');
    // HYBRID_EVAL_CONFIG alone means the config's own URLs (here: the proxy), as the nightly job runs it.
    expectEvalRan(await promptfooEval('suites/nightly.yaml', out, join(dir, 'home'), { HYBRID_EVAL_CONFIG: config, OPENAI_API_KEY: 'sk-test-capture' }));
    results = (JSON.parse(readFileSync(out, 'utf8')) as { results: { results: Result[] } }).results.results;
  }, 240_000);

  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
  });

  it('sends each endpoint the logged system prompt, every earlier turn, the tools and the parameters', () => {
    expect(results).toHaveLength(72);
    const chats = proxy.requests
      .filter((request) => request.method === 'POST' && request.path.endsWith('/chat/completions'))
      .map((request) => JSON.parse(request.body) as LoggedRequest & { model: string; response_format?: unknown });
    let withTools = 0;
    let withToolResults = 0;
    for (const result of results) {
      // Assertions may fail (the sim was taught no references here); the provider itself must not.
      expect(result.error ?? '').not.toMatch(/^hybrid-eval:/);
      expect(result.response?.output).toBeTruthy();
      const logged = result.vars.request;
      const endpoint = result.response!.metadata!.endpoint as keyof typeof MODELS;
      const wanted = JSON.stringify(logged.messages.map(shape));
      // The call that answered this test: the logged conversation, message for message, to this test's endpoint.
      const sent = chats.filter((body) => body.model === MODELS[endpoint] && JSON.stringify(body.messages.map(shape)) === wanted);
      // (A complex conversation reaches GPT-4 twice: through the stack and from the gpt4 provider.)
      expect(sent.length, `${result.provider.label} ${result.vars.query_id}: no ${endpoint} request carried the logged conversation`).toBeGreaterThanOrEqual(1);
      for (const body of sent) {
        expect(body.messages.length).toBeGreaterThanOrEqual(4);
        expect(body.messages[0]!.role).toBe('system');
        expect(JSON.stringify(body.messages)).not.toContain('CONFIG PROMPT');
        expect({ temperature: body.temperature, max_tokens: body.max_tokens }).toEqual({ temperature: logged.temperature, max_tokens: logged.max_tokens });
        if (logged.tools !== undefined) {
          expect(body.tools).toEqual(logged.tools);
          expect(body.tool_choice).toEqual(logged.tool_choice);
        } else {
          expect(body.tools).toBeUndefined();
        }
      }
      if (logged.tools !== undefined) withTools++;
      if (logged.messages.some((message) => message.role === 'tool')) withToolResults++;
    }
    // The subset holds conversations with the order tool and with its logged results.
    expect(withTools).toBeGreaterThan(0);
    expect(withToolResults).toBeGreaterThan(0);
    // The judge saw the conversation too: its prompts hold earlier turns, not only the last message.
    const judged = chats.filter((body) => body.response_format !== undefined);
    expect(judged.length).toBeGreaterThanOrEqual(results.length);
    expect(judged.filter((body) => JSON.stringify(body.messages).includes('customer: ')).length).toBeGreaterThanOrEqual(results.length);
  });
});
