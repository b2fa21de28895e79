import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from './server.ts';

const servers: SimServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function ask(sim: SimServer, stream: boolean, signal?: AbortSignal): Promise<Response> {
  return fetch(`${sim.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'llama-3-70b', stream, messages: [{ role: 'system', content: 'You are a support agent.' }, { role: 'user', content: 'What is your return policy?' }] }),
    ...(signal ? { signal } : {}),
  });
}

async function gauges(sim: SimServer): Promise<{ running: number; waiting: number; kv: number }> {
  const text = await (await fetch(sim.url.replace(/\/v1$/, '/metrics'))).text();
  const read = (name: string): number => Number(new RegExp(`^${name}\\{engine="0",model_name="llama-3-70b"\\} (\\S+)$`, 'm').exec(text)![1]);
  return { running: read('vllm:num_requests_running'), waiting: read('vllm:num_requests_waiting'), kv: read('vllm:kv_cache_usage_perc') };
}

describe('sim load model', () => {
  it('streams one token per event with the same answer, and reports its batch and queue on /metrics', async () => {
    const plain = await startSim({ timeScale: 0 });
    // Slow enough (~45 ms a token) that all five arrive long before the first two finish, even on a
    // loaded CI machine: at timeScale 0.5 a busy runner let the first answers end before the last
    // request was in, and the batch was never seen full.
    const loaded = await startSim({ timeScale: 2, loadModel: { maxNumSeqs: 2 } });
    servers.push(plain, loaded);
    const expected = ((await (await ask(plain, false)).json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;

    const pending = Array.from({ length: 5 }, () => ask(loaded, true).then((response) => response.text()));
    // A failed expectation below closes the server under these; keep that from surfacing as
    // unhandled rejections blamed on the next test.
    for (const body of pending) body.catch(() => undefined);
    // Poll until all five have arrived and the scheduler has filled the batch (a new arrival waits
    // for the next engine step to be admitted): two are in the batch, three wait. The batch never
    // grows past max_num_seqs on the way.
    let seen = { running: 0, waiting: 0, kv: 0 };
    const full = (): boolean => seen.running === 2 && seen.waiting === 3;
    for (let attempt = 0; attempt < 1000 && !full(); attempt++) {
      seen = await gauges(loaded);
      expect(seen.running).toBeLessThanOrEqual(2);
      if (!full()) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(seen.running).toBe(2);
    expect(seen.waiting).toBe(3);
    expect(seen.kv).toBeGreaterThan(0);

    const bodies = await Promise.all(pending);
    for (const body of bodies) {
      const deltas = body
        .split('\n\n')
        .filter((event) => event.startsWith('data: {'))
        .map((event) => (JSON.parse(event.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content)
        .filter((content): content is string => content !== undefined && content !== '');
      expect(deltas.join('')).toBe(expected);
      expect(deltas.length).toBe(Math.ceil(expected.length / 4));
      expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);
    }
    expect(await gauges(loaded)).toEqual({ running: 0, waiting: 0, kv: expect.any(Number) });
  });

  it('a client that goes away leaves the batch at once', async () => {
    const sim = await startSim({ timeScale: 1, loadModel: { maxNumSeqs: 1 } });
    servers.push(sim);
    const controller = new AbortController();
    const first = ask(sim, true, controller.signal).then((response) => response.body!.getReader().read());
    await first;
    expect((await gauges(sim)).running).toBe(1);
    controller.abort();
    let running = 1;
    for (let attempt = 0; attempt < 200 && running > 0; attempt++) {
      running = (await gauges(sim)).running;
      if (running > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(running).toBe(0);
  });

  it('refuses a load model without time', async () => {
    await expect(startSim({ timeScale: 0, loadModel: true })).rejects.toThrow(/timeScale > 0/);
  });
});
