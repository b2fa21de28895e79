import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './cli.ts';

interface LevelJson {
  concurrency?: number;
  rate?: number;
  requests_per_s: number | null;
  output_tokens_per_s: number | null;
  ttft_p95_ms: number | null;
  itl_p95_ms: number | null;
  e2e_p95_ms: number | null;
  errors: number;
  running_max: number | null;
  waiting_max: number | null;
}
interface LoadtestJson {
  loadtest_id: string;
  levels: LevelJson[];
  max_sustainable: { concurrency?: number; rate?: number; requests_per_s: number } | null;
  chart: string;
}

const config = readFileSync(join(ROOT, 'examples/sim.yaml'), 'utf8');

describe('loadtest against the sim', () => {
  it('sweeps four concurrency levels from the log and shows the knee: throughput flattens, TTFT climbs', async () => {
    const dir = tempDir();
    const db = join(dir, 'lt.duckdb');
    // examples/sim.yaml: a replica of max_num_seqs 8, levels 1,4,16,64, 40 s measured (+10 s warm-up) each.
    const result = await runCli(['loadtest', '-c', 'examples/sim.yaml', '--endpoint', 'llama', '--sim', '--sim-time-scale', '0.2', '--db', db, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as LoadtestJson;
    expect(json.levels.map((level) => level.concurrency)).toEqual([1, 4, 16, 64]);
    for (const level of json.levels) {
      expect(Object.keys(level)).toEqual(expect.arrayContaining(['concurrency', 'requests_per_s', 'output_tokens_per_s', 'ttft_p95_ms', 'itl_p95_ms', 'e2e_p95_ms', 'errors']));
      expect(level.requests_per_s).toBeGreaterThan(0);
    }
    // Below the knee nothing fails; at the top a request may outwait the endpoint's timeout on a slow machine.
    expect(json.levels.slice(0, 3).map((level) => level.errors)).toEqual([0, 0, 0]);
    const [, c4, c16, c64] = json.levels as [LevelJson, LevelJson, LevelJson, LevelJson];
    // Below the knee load buys throughput; past max_num_seqs it buys only queueing.
    expect(c16.requests_per_s!).toBeGreaterThan(1.5 * c4.requests_per_s!);
    expect(c64.requests_per_s!).toBeLessThan(1.3 * c16.requests_per_s!);
    expect(c64.ttft_p95_ms!).toBeGreaterThan(2 * c16.ttft_p95_ms!);
    // /metrics was sampled: the batch is full and requests wait at the top level.
    expect(c64.running_max).toBe(8);
    expect(c64.waiting_max!).toBeGreaterThan(30);
    // Below the knee nothing queues beyond a request arriving between two engine steps.
    expect(c4.running_max!).toBeLessThanOrEqual(4);
    expect(c4.waiting_max!).toBeLessThanOrEqual(4);

    const { openStore } = await import('../../src/store/store.ts');
    const store = await openStore(db, { readOnly: true });
    try {
      const curve = await store.all<{ concurrency: number; requests_per_s: number; is_max_sustainable: boolean }>(
        'SELECT concurrency, requests_per_s, is_max_sustainable FROM loadtest_curve WHERE loadtest_id = ? ORDER BY level_index',
        [json.loadtest_id],
      );
      expect(curve.map((row) => row.concurrency)).toEqual([1, 4, 16, 64]);
      expect(curve.map((row) => row.requests_per_s)).toEqual(json.levels.map((level) => level.requests_per_s));
      if (json.max_sustainable !== null) {
        expect(curve.find((row) => row.is_max_sustainable)?.concurrency).toBe(json.max_sustainable.concurrency);
      }
      // The p95 TTFT of a level is recomputable from its stored requests.
      const [recomputed] = await store.all<{ p95: number }>(
        "SELECT quantile_cont(ttft_ms, 0.95) AS p95 FROM loadtest_requests WHERE loadtest_id = ? AND level_index = 3 AND status = 'ok'",
        [json.loadtest_id],
      );
      expect(recomputed!.p95).toBeCloseTo(c64.ttft_p95_ms!, 6);
      const [samples] = await store.all<{ n: number }>('SELECT count(*) AS n FROM loadtest_metrics WHERE loadtest_id = ?', [json.loadtest_id]);
      expect(samples!.n).toBeGreaterThan(8);
    } finally {
      await store.close();
    }
    const page = readFileSync(join(ROOT, json.chart), 'utf8');
    expect(page).toContain('chart-latency-throughput');
  }, 240_000);

  it('reports an SLO nothing meets: max_sustainable null, exit 0, not a crash; capacity then refuses it in one line', async () => {
    const dir = tempDir();
    const strict = join(dir, 'strict.yaml');
    writeFileSync(strict, config.replace('slo: { ttft_p95_ms: 1000, itl_p95_ms: 80 }', 'slo: { ttft_p95_ms: 1 }').replaceAll('prompts/', `${ROOT}/prompts/`).replaceAll('datasets/', `${ROOT}/datasets/`).replaceAll('judges/', `${ROOT}/judges/`).replaceAll('models/router', `${ROOT}/models/router`).replaceAll('suites/', `${ROOT}/suites/`));
    const result = await runCli(['loadtest', '-c', strict, '--endpoint', 'llama', '--sim', '--sim-time-scale', '0.2', '--concurrency', '2,4', '--duration', '5', '--db', join(dir, 'x.duckdb'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as LoadtestJson & { notes: string[] };
    expect(json.max_sustainable).toBeNull();
    expect(json.levels).toHaveLength(2);
    expect(json.notes.join(' ')).toMatch(/no level meets the SLO/);
    // capacity cannot size a replica from it: one clear line naming the load test and exit 2, not a crash.
    const capacity = await runCli(['capacity', '-c', strict, '--loadtest', json.loadtest_id, '--db', join(dir, 'x.duckdb'), '--json']);
    expect(capacity.code).toBe(2);
    expect(capacity.stdout).toBe('');
    expect(capacity.stderr.trim()).toBe(
      `hybrid-eval: load test ${json.loadtest_id}: no level met the SLO, so one replica's capacity under it is unknown: load lower levels (or review slo) and run loadtest again`,
    );
  }, 120_000);

  it('sweeps Poisson request rates: each level reports its rate, and the stored run says so', async () => {
    const dir = tempDir();
    const db = join(dir, 'rate.duckdb');
    const result = await runCli(['loadtest', '-c', 'examples/sim.yaml', '--endpoint', 'llama', '--sim', '--sim-time-scale', '0.2', '--rate', '1,3', '--duration', '12', '--db', db, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as LoadtestJson;
    expect(json.levels.map((level) => level.rate)).toEqual([1, 3]);
    for (const level of json.levels) {
      expect(level).not.toHaveProperty('concurrency');
      expect(level.errors).toBe(0);
      expect(level.requests_per_s).toBeGreaterThan(0);
    }
    if (json.max_sustainable !== null) expect(json.max_sustainable).toHaveProperty('rate');
    const { openStore } = await import('../../src/store/store.ts');
    const store = await openStore(db, { readOnly: true });
    try {
      expect(await store.all('SELECT mode, rate, concurrency FROM loadtest_curve ORDER BY level_index')).toEqual([
        { mode: 'rate', rate: 1, concurrency: null },
        { mode: 'rate', rate: 3, concurrency: null },
      ]);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('refuses an endpoint that is not OpenAI-compatible before any load, exit 2', async () => {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Welcome to nginx!</body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const dir = tempDir();
      const result = await runCli(['loadtest', '-c', 'examples/sim.yaml', '--endpoint', 'llama', '--concurrency', '1', '--duration', '1', '--db', join(dir, 'x.duckdb')], {
        env: { VLLM_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` },
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/endpoint "llama" at http:\/\/127\.0\.0\.1:\d+\/v1 is not an OpenAI-compatible endpoint: GET .*\/models answered HTTP 200 \(text\/html\)/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      server.close();
    }
  });
  it('--dataset: sends the log\'s own requests, with their prompts and their max_tokens', async () => {
    const dir = tempDir();
    const db = join(dir, 'log.duckdb');
    const [first] = readFileSync(join(ROOT, 'datasets/conversations-sample.jsonl'), 'utf8').split('\n');
    const logged = JSON.parse(first!) as { messages: unknown[]; metadata?: Record<string, unknown> };
    const short = [{ role: 'user', content: 'What are your opening hours?' }];
    const line = (id: string, messages: unknown[], maxTokens: number): string => JSON.stringify({ ...logged, messages, max_tokens: maxTokens, metadata: { ...logged.metadata, query_id: id } });
    const log = join(dir, 'requests.jsonl');
    writeFileSync(log, [line('short-4', short, 4), line('long-4', logged.messages, 4), line('short-12', short, 12), line('long-12', logged.messages, 12)].join('\n') + '\n');
    const result = await runCli(['loadtest', '-c', 'examples/sim.yaml', '--endpoint', 'llama', '--sim', '--sim-time-scale', '0.2', '--dataset', log, '--concurrency', '2', '--duration', '4', '--db', db, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as LoadtestJson;
    const { openStore } = await import('../../src/store/store.ts');
    const store = await openStore(db, { readOnly: true });
    try {
      const rows = await store.all<{ query_id: string; n: number; prompt: number; completion_max: number }>(
        "SELECT query_id, count(*) AS n, avg(prompt_tokens) AS prompt, max(completion_tokens) AS completion_max FROM loadtest_requests WHERE loadtest_id = ? AND status = 'ok' GROUP BY query_id ORDER BY query_id",
        [json.loadtest_id],
      );
      // Every request came from the log, each line several times (the sweep cycles through it).
      expect(rows.map((row) => row.query_id)).toEqual(['long-12', 'long-4', 'short-12', 'short-4']);
      const by = Object.fromEntries(rows.map((row) => [row.query_id, row]));
      // Each answer stopped at its line's max_tokens (the sim's answers are longer than 12 tokens).
      expect([by['short-4']!.completion_max, by['long-4']!.completion_max, by['short-12']!.completion_max, by['long-12']!.completion_max]).toEqual([4, 4, 12, 12]);
      // The logged conversation's prompt (system prompt, history) is sent, not the replay's one turn.
      expect(by['long-4']!.prompt).toBeGreaterThan(10 * by['short-4']!.prompt);
      const [stored] = await store.all<{ dataset: string }>('SELECT dataset FROM loadtests WHERE loadtest_id = ?', [json.loadtest_id]);
      expect(stored!.dataset).toBe(log);
    } finally {
      await store.close();
    }
  }, 120_000);
  it('refuses an endpoint that lists models but cannot serve the model a chat completion (vLLM serving another model), exit 2, nothing stored', async () => {
    const server = createServer((req, res) => {
      if (req.url?.endsWith('/models')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'some-other-model', object: 'model' }] }));
        return;
      }
      // vLLM's answer for a model it does not serve.
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'error', message: 'The model `llama-3-70b` does not exist.', type: 'NotFoundError', code: 404 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const dir = tempDir();
      const db = join(dir, 'x.duckdb');
      const result = await runCli(['loadtest', '-c', 'examples/sim.yaml', '--endpoint', 'llama', '--concurrency', '1', '--duration', '1', '--db', db], {
        env: { VLLM_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` },
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/endpoint "llama" at http:\/\/127\.0\.0\.1:\d+\/v1 is not an OpenAI-compatible chat endpoint for model "[^"]+": a streamed chat completion failed: .*404/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(db)).toBe(false);
    } finally {
      server.close();
    }
  });
});
