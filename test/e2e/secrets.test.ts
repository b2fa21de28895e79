import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim } from '../../src/sim/server.ts';
import type { SimServer } from '../../src/sim/server.ts';
import { openStore } from '../../src/store/store.ts';
import { runCli, tempDir } from './cli.ts';
import type { CliResult } from './cli.ts';
import { startRecordingProxy } from './recording-proxy.ts';
import type { RecordingProxy } from './recording-proxy.ts';

// Planted keys: a distinctive marker and a random tail, so any copy of them anywhere is found.
const OPENAI_KEY = `sk-test-PLANTED-${randomBytes(12).toString('hex')}`;
const VLLM_KEY = `vllm-PLANTED-${randomBytes(12).toString('hex')}`;
const SECRETS = [OPENAI_KEY, VLLM_KEY];
const ENV = { OPENAI_API_KEY: OPENAI_KEY, VLLM_API_KEY: VLLM_KEY };

function config(dir: string, baseUrl: string, limit = ''): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(
    path,
    `version: 1
endpoints:
  llama:
    base_url: ${baseUrl}
    model: llama-3-70b
    api_key_env: VLLM_API_KEY
    on_prem: true
    pricing: { fixed_monthly_usd: 11000, per_query_usd: 0.0004 }
    retries: 0
  gpt35:
    base_url: ${baseUrl}
    model: gpt-3.5-turbo
    api_key_env: OPENAI_API_KEY
    pricing: { input_per_million: 0.5, output_per_million: 1.5 }
    retries: 0
  gpt4:
    base_url: ${baseUrl}
    model: gpt-4
    api_key_env: OPENAI_API_KEY
    pricing: { input_per_million: 30, output_per_million: 60 }
    retries: 0
routing: { policy: oracle, tiers: { simple: llama, medium: gpt35, complex: gpt4 }, fallback: gpt4 }
baseline: gpt4
judge: { endpoint: gpt4, rubric: judges/support-single.yaml }
dataset: { path: datasets/sample.jsonl }
database: ${join(dir, 'results.duckdb')}
results_dir: ${join(dir, 'results')}
plan: suites/rollout.yaml
volume: { monthly_queries: 1000000 }
${limit}`,
  );
  return path;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

/** Every file's bytes (DuckDB file, WAL, reports, exports, config) and every command's output. */
function leaks(dir: string, outputs: CliResult[]): string[] {
  const found: string[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    for (const secret of SECRETS) if (bytes.includes(secret) || bytes.includes(secret.slice(-24))) found.push(`${file} holds ${secret.slice(0, 12)}...`);
  }
  outputs.forEach((output, index) => {
    for (const secret of SECRETS) {
      if (`${output.stdout}\n${output.stderr}`.includes(secret.slice(-24))) found.push(`command ${index} printed ${secret.slice(0, 12)}...`);
    }
  });
  return found;
}

/**
 * DuckDB compresses strings on disk, so a byte search of the file alone could miss a stored key:
 * every text column of every table and view is also searched in SQL.
 */
async function leaksInDatabase(path: string): Promise<string[]> {
  const store = await openStore(path, { readOnly: true });
  try {
    const columns = await store.all<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' ORDER BY table_name, column_name`,
    );
    const found: string[] = [];
    for (const { table_name, column_name } of columns) {
      for (const secret of SECRETS) {
        const [row] = await store.all<{ n: number }>(
          `SELECT count(*) AS n FROM "${table_name}" WHERE CAST("${column_name}" AS VARCHAR) LIKE '%' || ? || '%'`,
          [secret.slice(-24)],
        );
        if (Number(row!.n) > 0) found.push(`${table_name}.${column_name} holds ${secret.slice(0, 12)}...`);
      }
    }
    expect(columns.length).toBeGreaterThan(50);
    return found;
  } finally {
    await store.close();
  }
}

describe('API keys never reach an output', () => {
  let sim: SimServer;
  let proxy: RecordingProxy;
  beforeAll(async () => {
    sim = await startSim({ port: 0, timeScale: 0 });
    proxy = await startRecordingProxy(sim.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
  });

  it('replay, gate, export and runs: no key in the database, WAL, reports, exports or terminal output', async () => {
    const dir = tempDir('hybrid-eval-secrets-');
    const path = config(dir, proxy.url);
    const db = join(dir, 'results.duckdb');
    const outputs: CliResult[] = [];
    const replay = await runCli(['replay', '-c', path, '--limit', '60', '--run-id', 'sec'], { env: ENV });
    outputs.push(replay);
    expect(replay.stderr).not.toContain('unexpected error');
    expect(replay.code).toBe(0);

    // The keys were really in play: every chat call carried one.
    const chats = proxy.requests.filter((request) => request.path.endsWith('/chat/completions'));
    expect(chats.length).toBeGreaterThanOrEqual(120);
    expect(chats.every((request) => request.headers.authorization === `Bearer ${OPENAI_KEY}` || request.headers.authorization === `Bearer ${VLLM_KEY}`)).toBe(true);
    expect(chats.some((request) => request.headers.authorization === `Bearer ${VLLM_KEY}`)).toBe(true);

    const gate = await runCli(['gate', '--run', 'sec', '-c', path, '--results', join(dir, 'results'), '--junit', join(dir, 'results', 'junit.xml')], { env: ENV });
    outputs.push(gate);
    expect([0, 1, 3]).toContain(gate.code);
    for (const format of ['parquet', 'csv', 'arrow']) {
      const exported = await runCli(['export', '--run', 'sec', '--format', format, '--out', join(dir, 'export', format), '--db', db], { env: ENV });
      outputs.push(exported);
      expect(exported.code, exported.stderr).toBe(0);
    }
    outputs.push(await runCli(['runs', '-c', path, '--json'], { env: ENV }));

    const written = filesUnder(dir).map((file) => file.slice(dir.length + 1));
    expect(written).toEqual(expect.arrayContaining(['results.duckdb', 'results/sec/report.md', 'results/sec/report.json']));
    expect(written.filter((file) => file.startsWith('export/parquet/')).length).toBeGreaterThan(3);
    expect(written.filter((file) => file.startsWith('export/csv/')).length).toBeGreaterThan(3);
    expect(leaks(dir, outputs)).toEqual([]);
    expect(await leaksInDatabase(db)).toEqual([]);
  });

  it('the search itself finds a planted key in a file, in output and in a compressed DuckDB column (control)', async () => {
    const dir = tempDir('hybrid-eval-secrets-control-');
    writeFileSync(join(dir, 'report.md'), `oops ${OPENAI_KEY}`);
    expect(leaks(dir, [{ code: 0, signal: null, stdout: `key=${VLLM_KEY}`, stderr: '' }])).toHaveLength(2);
    const db = join(dir, 'control.duckdb');
    const store = await openStore(db);
    try {
      await store.createRun({ runId: 'c', mode: 'shadow', dataset: 'd', policy: 'oracle', config: {}, notes: `key ${VLLM_KEY}`.repeat(50) });
    } finally {
      await store.close();
    }
    expect(await leaksInDatabase(db)).toEqual(['runs.notes holds vllm-PLANTED...']);
  });

  describe('an endpoint that echoes the Authorization header in its error', () => {
    let echo: { url: string; close(): Promise<void>; modelsStatus: number };
    beforeAll(async () => {
      const state = { modelsStatus: 200 };
      const server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          const authorization = req.headers.authorization ?? '(none)';
          const refuse = (): void => {
            res.writeHead(401, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${authorization}. You passed ${authorization.replace('Bearer ', '')}.`, type: 'invalid_request_error', code: 'invalid_api_key' } }));
          };
          if (req.url?.endsWith('/models')) {
            if (state.modelsStatus !== 200) return refuse();
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-4', object: 'model', created: 0, owned_by: 'x' }] }));
            return;
          }
          refuse();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      echo = {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
        get modelsStatus() {
          return state.modelsStatus;
        },
        set modelsStatus(value: number) {
          state.modelsStatus = value;
        },
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    });
    afterAll(async () => echo?.close());

    it('stores and prints the 401 without the key', async () => {
      echo.modelsStatus = 200;
      const dir = tempDir('hybrid-eval-secrets-401-');
      const path = config(dir, echo.url);
      const replay = await runCli(['replay', '-c', path, '--limit', '5', '--run-id', 'refused'], { env: ENV });
      expect(replay.code, replay.stderr).toBe(0);
      const store = await openStore(join(dir, 'results.duckdb'), { readOnly: true });
      let errors: Array<{ status: string; error: string }>;
      try {
        errors = await store.all(`SELECT status, error FROM responses WHERE run_id = 'refused'`);
        const judged = await store.all<{ reason: string | null }>(`SELECT reason FROM judgments WHERE run_id = 'refused'`);
        for (const { reason } of judged) for (const secret of SECRETS) expect(reason ?? '').not.toContain(secret.slice(-24));
      } finally {
        await store.close();
      }
      expect(errors.length).toBeGreaterThanOrEqual(10);
      for (const { status, error } of errors) {
        expect(status).toBe('failed');
        // The real error is kept (status and the provider's words), the key is not.
        expect(error).toMatch(/401/);
        expect(error).toMatch(/Incorrect API key provided/);
        for (const secret of SECRETS) expect(error).not.toContain(secret.slice(-24));
      }
      expect(leaks(dir, [replay])).toEqual([]);
      expect(await leaksInDatabase(join(dir, 'results.duckdb'))).toEqual([]);
    });

    it('refuses a rejected key before the run in one line, without the key', async () => {
      echo.modelsStatus = 401;
      const dir = tempDir('hybrid-eval-secrets-preflight-');
      const path = config(dir, echo.url);
      const replay = await runCli(['replay', '-c', path, '--limit', '5', '--run-id', 'refused'], { env: ENV });
      expect(replay.code).toBe(2);
      expect(replay.stderr).toMatch(/refused the API key \(HTTP 401\)/);
      expect(leaks(dir, [replay])).toEqual([]);
    });
  });
});
