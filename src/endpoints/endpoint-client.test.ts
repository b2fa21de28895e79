import { describe, it, expect, afterEach } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEndpointClient, KEYLESS_PLACEHOLDER } from './endpoint-client.ts';
import type { EndpointSettings } from './types.ts';

// A tiny OpenAI-compatible server on loopback; each test scripts its answers by request number.

interface SeenRequest {
  at: number;
  body: Record<string, unknown>;
  authorization: string | undefined;
}
type Handler = (res: ServerResponse, index: number, request: SeenRequest) => void;

const servers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

async function startServer(handler: Handler): Promise<{ baseUrl: string; requests: SeenRequest[]; inFlightMax: () => number }> {
  const requests: SeenRequest[] = [];
  let inFlight = 0;
  let inFlightMax = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: SeenRequest = {
        at: performance.now(),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
        authorization: req.headers.authorization,
      };
      requests.push(seen);
      inFlight += 1;
      inFlightMax = Math.max(inFlightMax, inFlight);
      res.on('close', () => {
        inFlight -= 1;
      });
      handler(res, requests.length - 1, seen);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  servers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { baseUrl: `http://127.0.0.1:${port}/v1`, requests, inFlightMax: () => inFlightMax };
}

function settings(baseUrl: string, overrides: Partial<EndpointSettings> = {}): EndpointSettings {
  return {
    name: 'test',
    baseUrl,
    model: 'llama-3-8b',
    apiKey: 'sk-test-key-0123456789abcdef',
    timeoutMs: 5_000,
    retries: 2,
    maxConcurrency: 4,
    pricing: { kind: 'per_token', inputPerMillion: 1, outputPerMillion: 2 },
    stream: false,
    ...overrides,
  };
}

const noSleep = { sleep: async () => {} };
const userMessage = [{ role: 'user' as const, content: 'What are your opening hours?' }];

function completion(content: string, usage: object | undefined): object {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model: 'llama-3-8b',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
    ...(usage ? { usage } : {}),
  };
}

function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function chunk(delta: object, finishReason: string | null = null): string {
  const body = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finishReason }] };
  return `data: ${JSON.stringify(body)}\n\n`;
}
function usageChunk(prompt: number, completionTokens: number): string {
  const body = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: { prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens } };
  return `data: ${JSON.stringify(body)}\n\n`;
}
function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function streamFull(res: ServerResponse, firstTokenDelayMs = 0): Promise<void> {
  startSse(res);
  res.write(chunk({ role: 'assistant', content: '' }));
  await pause(firstTokenDelayMs);
  res.write(chunk({ content: 'We open ' }));
  res.write(chunk({ content: 'at 9.' }));
  res.write(chunk({}, 'stop'));
  res.write(usageChunk(12, 5));
  res.end('data: [DONE]\n\n');
}

describe('createEndpointClient, non-streaming', () => {
  it('returns the answer and its usage, and sends the request options', async () => {
    const server = await startServer((res) => sendJson(res, 200, completion('We open at 9.', { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 })));
    const client = createEndpointClient(settings(server.baseUrl));
    const result = await client.chat(userMessage, {
      temperature: 0,
      maxTokens: 64,
      responseFormat: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
    });
    expect(result).toMatchObject({ status: 'ok', attempts: 1, output: 'We open at 9.', promptTokens: 12, completionTokens: 5, ttftMs: undefined, error: undefined });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    const body = server.requests[0]!.body;
    expect(body).toMatchObject({
      model: 'llama-3-8b',
      temperature: 0,
      max_tokens: 64,
      messages: userMessage,
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
    });
    expect(body.stream).toBeFalsy();
    expect(server.requests[0]!.authorization).toBe('Bearer sk-test-key-0123456789abcdef');
  });

  it('leaves token counts undefined when the server sends no usage', async () => {
    const server = await startServer((res) => sendJson(res, 200, completion('Hi', undefined)));
    const result = await createEndpointClient(settings(server.baseUrl)).chat(userMessage);
    expect(result.status).toBe('ok');
    expect(result.promptTokens).toBeUndefined();
    expect(result.completionTokens).toBeUndefined();
  });

  it('sends a harmless placeholder, never OPENAI_API_KEY, to a keyless server', async () => {
    const server = await startServer((res) => sendJson(res, 200, completion('Hi', undefined)));
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-real-secret-from-env';
    try {
      const result = await createEndpointClient(settings(server.baseUrl, { apiKey: undefined })).chat(userMessage);
      expect(result.status).toBe('ok');
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
    expect(server.requests[0]!.authorization).toBe(`Bearer ${KEYLESS_PLACEHOLDER}`);
  });

  it('uses the injected fetch', async () => {
    const server = await startServer((res) => sendJson(res, 200, completion('Hi', undefined)));
    let calls = 0;
    const countingFetch: typeof fetch = (input, init) => {
      calls += 1;
      return fetch(input, init);
    };
    await createEndpointClient(settings(server.baseUrl), { fetch: countingFetch }).chat(userMessage);
    expect(calls).toBe(1);
  });
});

describe('createEndpointClient, streaming', () => {
  it('assembles deltas, reads the final usage chunk and measures time to first token', async () => {
    const server = await startServer((res) => void streamFull(res, 60));
    const result = await createEndpointClient(settings(server.baseUrl, { stream: true })).chat(userMessage);
    expect(result).toMatchObject({ status: 'ok', attempts: 1, output: 'We open at 9.', promptTokens: 12, completionTokens: 5 });
    expect(result.ttftMs).toBeGreaterThanOrEqual(50);
    expect(result.latencyMs).toBeGreaterThanOrEqual(result.ttftMs!);
    expect(server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('reports each content delta\'s arrival time to onContent, not the role or finish events', async () => {
    // The client's clock is the server's: each event is written at its own time, and the next
    // content waits until the client has reported the one before. Wall-clock gaps made this
    // flaky on a loaded machine, where the two deltas could be read in one event-loop turn.
    let clock = 0;
    const times: number[] = [];
    // The server waits for one count at a time, so one waiter is enough.
    let wake = (): void => {};
    const reported = (count: number): Promise<void> =>
      times.length >= count ? Promise.resolve() : new Promise((resolve) => (wake = () => times.length >= count && resolve()));
    const server = await startServer(async (res) => {
      startSse(res);
      clock = 100;
      res.write(chunk({ role: 'assistant', content: '' }));
      clock = 200;
      res.write(chunk({ content: 'We open ' }));
      await reported(1);
      clock = 300;
      res.write(chunk({ content: 'at 9.' }));
      await reported(2);
      clock = 400;
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    });
    const client = createEndpointClient(settings(server.baseUrl, { stream: true }), { now: () => clock });
    const result = await client.chat(userMessage, {
      onContent: (at) => {
        times.push(at);
        wake();
      },
    });
    expect(result.output).toBe('We open at 9.');
    // Neither the role event (written at 100, perhaps read with the first delta) nor the finish
    // event (400) is content: one time per delta, each the clock when its bytes were read.
    expect(times).toEqual([200, 300]);
  });

  it('leaves tokens undefined when the stream carries no usage chunk', async () => {
    const server = await startServer((res) => {
      startSse(res);
      res.write(chunk({ content: 'Hi' }));
      res.write(chunk({}, 'stop'));
      res.end('data: [DONE]\n\n');
    });
    const result = await createEndpointClient(settings(server.baseUrl, { stream: true })).chat(userMessage);
    expect(result).toMatchObject({ status: 'ok', output: 'Hi', promptTokens: undefined, completionTokens: undefined });
  });

  it('retries a stream that ends without a finish_reason', async () => {
    const server = await startServer((res, index) => {
      if (index === 0) {
        startSse(res);
        res.write(chunk({ content: 'We op' }));
        res.end();
        return;
      }
      void streamFull(res);
    });
    const result = await createEndpointClient(settings(server.baseUrl, { stream: true }), noSleep).chat(userMessage);
    expect(result).toMatchObject({ status: 'ok_after_retry', attempts: 2, output: 'We open at 9.' });
    expect(server.requests).toHaveLength(2);
  });

  it('retries a stream whose socket is destroyed mid-answer, and reports cut_stream when it keeps happening', async () => {
    const server = await startServer((res) => {
      startSse(res);
      res.write(chunk({ content: 'We op' }));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const result = await createEndpointClient(settings(server.baseUrl, { stream: true, retries: 1 }), noSleep).chat(userMessage);
    expect(result).toMatchObject({ status: 'failed', attempts: 2, errorKind: 'cut_stream', output: undefined });
    expect(result.error).toMatch(/^cut stream/);
  });

  it('stops reading at an error event in the stream, keeps its message, and retries', async () => {
    let bytesAfterError = 0;
    const server = await startServer((res, index) => {
      if (index > 0) return void streamFull(res);
      startSse(res);
      res.write(chunk({ content: 'We op' }));
      res.write(`data: ${JSON.stringify({ error: { message: 'engine overloaded', code: 503 } })}\n\n`);
      // More tokens after the error are not read into the answer.
      const more = chunk({ content: 'junk '.repeat(2000) });
      const timer = setInterval(() => {
        if (res.writableEnded || res.destroyed) return clearInterval(timer);
        if (!res.write(more)) return;
        bytesAfterError += more.length;
      }, 1);
      res.on('close', () => clearInterval(timer));
    });
    const client = createEndpointClient(settings(server.baseUrl, { stream: true, retries: 0 }), noSleep);
    const failed = await client.chat(userMessage);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, errorKind: 'cut_stream', output: undefined });
    expect(failed.error).toMatch(/error event in stream: .*engine overloaded/);
    expect(bytesAfterError).toBeLessThan(1_000_000);
    const retried = await createEndpointClient(settings(server.baseUrl, { stream: true, retries: 1 }), noSleep).chat(userMessage);
    expect(retried).toMatchObject({ status: 'ok', output: 'We open at 9.' });
  });

  it('times out a stream that stalls after its first token', async () => {
    const server = await startServer((res) => {
      startSse(res);
      res.write(chunk({ content: 'We op' }));
    });
    const started = performance.now();
    const result = await createEndpointClient(settings(server.baseUrl, { stream: true, retries: 1, timeoutMs: 150 }), noSleep).chat(userMessage);
    expect(result).toMatchObject({ status: 'failed', attempts: 2, errorKind: 'timeout' });
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('createEndpointClient, retries and failures', () => {
  it('honours retry-after-ms on 429, then succeeds: ok_after_retry, 2 attempts', async () => {
    const server = await startServer((res, index) => {
      if (index === 0) sendJson(res, 429, { error: { message: 'Rate limit reached', type: 'requests' } }, { 'retry-after-ms': '300' });
      else sendJson(res, 200, completion('Hi', { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }));
    });
    const result = await createEndpointClient(settings(server.baseUrl)).chat(userMessage);
    expect(result).toMatchObject({ status: 'ok_after_retry', attempts: 2, output: 'Hi', error: undefined });
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(295);
  });

  it('honours retry-after in seconds on 503', async () => {
    const server = await startServer((res, index) => {
      if (index === 0) sendJson(res, 503, { error: { message: 'overloaded' } }, { 'retry-after': '2' });
      else sendJson(res, 200, completion('Hi', undefined));
    });
    const delays: number[] = [];
    const result = await createEndpointClient(settings(server.baseUrl), { sleep: async (ms) => void delays.push(ms) }).chat(userMessage);
    expect(result.status).toBe('ok_after_retry');
    expect(delays).toEqual([2000]);
  });

  it('gives up after retries + 1 server errors, with backoff between attempts', async () => {
    const server = await startServer((res) => sendJson(res, 500, { error: { message: 'engine crashed' } }));
    const delays: number[] = [];
    const client = createEndpointClient(settings(server.baseUrl, { retries: 2 }), { sleep: async (ms) => void delays.push(ms), random: () => 0 });
    const result = await client.chat(userMessage);
    expect(result).toMatchObject({ status: 'failed', attempts: 3, errorKind: 'server', output: undefined, promptTokens: undefined, latencyMs: undefined });
    expect(result.error).toMatch(/^500 /);
    expect(result.error).toContain('engine crashed');
    expect(server.requests).toHaveLength(3);
    expect(delays).toEqual([125, 250]);
  });

  it('never retries a 400', async () => {
    const server = await startServer((res) => sendJson(res, 400, { error: { message: 'max_tokens is too large' } }));
    const result = await createEndpointClient(settings(server.baseUrl), noSleep).chat(userMessage);
    expect(result).toMatchObject({ status: 'failed', attempts: 1, errorKind: 'bad_request' });
    expect(result.error).toMatch(/^400 .*max_tokens is too large/);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps the API key out of error text even when the server echoes it', async () => {
    const server = await startServer((res, _index, request) =>
      sendJson(res, 401, { error: { message: `Incorrect API key provided: ${request.authorization}. Key ${request.authorization?.slice(7)}` } }),
    );
    const key = 'sk-test-key-0123456789abcdef';
    const result = await createEndpointClient(settings(server.baseUrl, { apiKey: key }), noSleep).chat(userMessage);
    expect(result).toMatchObject({ status: 'failed', attempts: 1, errorKind: 'auth' });
    expect(result.error).toMatch(/^401 /);
    expect(result.error).not.toContain(key);
    expect(result.error).not.toContain('0123456789abcdef');
    expect(result.error).not.toContain('\n');
  });

  it('times out a server that never answers, retries, then fails', async () => {
    const server = await startServer(() => {
      // never answers
    });
    const started = performance.now();
    // 500 ms, not less: each request must reach the server (in this process) before the attempt's
    // timer fires, and a loaded machine can stall the process for a few hundred ms.
    const result = await createEndpointClient(settings(server.baseUrl, { timeoutMs: 500, retries: 1 }), noSleep).chat(userMessage);
    expect(result).toMatchObject({ status: 'failed', attempts: 2, errorKind: 'timeout' });
    expect(result.error).toContain('500 ms');
    expect(server.requests).toHaveLength(2);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('times out a non-streamed body that stalls after the headers', async () => {
    const server = await startServer((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":"x",');
    });
    const result = await createEndpointClient(settings(server.baseUrl, { timeoutMs: 150, retries: 0 }), noSleep).chat(userMessage);
    expect(result).toMatchObject({ status: 'failed', attempts: 1, errorKind: 'timeout' });
  });

  it('reports a refused connection as a retried connection error', async () => {
    const server = await startServer(() => {});
    const closedUrl = server.baseUrl;
    await Promise.all(servers.splice(0).map((close) => close()));
    const result = await createEndpointClient(settings(closedUrl, { retries: 1 }), noSleep).chat(userMessage);
    expect(result).toMatchObject({ status: 'failed', attempts: 2, errorKind: 'connection' });
    expect(result.error).toMatch(/^connection error/);
  });
});

describe('createEndpointClient, interruption and concurrency', () => {
  it('an abort signal interrupts a hung call at once', async () => {
    const server = await startServer(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const result = await createEndpointClient(settings(server.baseUrl, { timeoutMs: 10_000 })).chat(userMessage, { signal: controller.signal });
    expect(result).toMatchObject({ status: 'interrupted', attempts: 1, errorKind: 'aborted', output: undefined });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('an abort signal interrupts a backoff sleep', async () => {
    const server = await startServer((res) => sendJson(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '30' }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const result = await createEndpointClient(settings(server.baseUrl)).chat(userMessage, { signal: controller.signal });
    expect(result).toMatchObject({ status: 'interrupted', attempts: 1 });
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('an already aborted signal sends nothing', async () => {
    const server = await startServer((res) => sendJson(res, 200, completion('Hi', undefined)));
    const result = await createEndpointClient(settings(server.baseUrl)).chat(userMessage, { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ status: 'interrupted', attempts: 0 });
    expect(server.requests).toHaveLength(0);
  });

  it('close() interrupts calls in flight', async () => {
    const server = await startServer(() => {});
    const client = createEndpointClient(settings(server.baseUrl));
    const pending = client.chat(userMessage);
    setTimeout(() => client.close?.(), 50);
    expect(await pending).toMatchObject({ status: 'interrupted' });
  });

  it('never has more than maxConcurrency attempts in flight', async () => {
    // Answered in pairs, 40 ms after the second arrives: two in flight at once is then certain however
    // slow the machine, and a client that let a third go would have it seen in that time.
    const held: ServerResponse[] = [];
    const server = await startServer((res) => {
      held.push(res);
      if (held.length === 2) {
        const pair = held.splice(0);
        setTimeout(() => pair.forEach((each) => sendJson(each, 200, completion('Hi', undefined))), 40);
      }
    });
    const client = createEndpointClient(settings(server.baseUrl, { maxConcurrency: 2 }));
    const results = await Promise.all(Array.from({ length: 6 }, () => client.chat(userMessage)));
    expect(results.every((result) => result.status === 'ok')).toBe(true);
    expect(server.inFlightMax()).toBe(2);
  });

  it('a call sleeping before its retry does not hold its slot', async () => {
    const server = await startServer((res, index) => {
      if (index === 0) sendJson(res, 429, { error: { message: 'slow down' } }, { 'retry-after-ms': '400' });
      else sendJson(res, 200, completion(`answer ${index}`, undefined));
    });
    const client = createEndpointClient(settings(server.baseUrl, { maxConcurrency: 1 }));
    const finished: string[] = [];
    const first = client.chat(userMessage).then((result) => void finished.push(`first:${result.status}`));
    await pause(50);
    const second = client.chat(userMessage).then((result) => void finished.push(`second:${result.status}`));
    await Promise.all([first, second]);
    expect(finished).toEqual(['second:ok', 'first:ok_after_retry']);
  });

  it('rejects impossible settings with the endpoint name', () => {
    expect(() => createEndpointClient(settings('http://127.0.0.1:1/v1', { maxConcurrency: 0 }))).toThrow(/endpoint "test".*maxConcurrency/);
  });
});
