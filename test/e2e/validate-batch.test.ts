import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VALIDATOR_TEMPLATES } from '../../src/cascade/validator-rubric.ts';
import { section } from '../../src/judge/neutralise.ts';
import { startSim, type SimServer } from '../../src/sim/server.ts';
import { openStore } from '../../src/store/store.ts';
import { ROOT, runCli, startCli, tempDir } from './cli.ts';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';

const LIMIT = 150;
/** The validator examples/sim.yaml configures, as the replay stores it (rubric@endpoint). */
const LIVE = 'support-validator@llama';

describe('validate --batch: the cascade validator through the OpenAI Batch API', () => {
  const dir = tempDir('hybrid-eval-validate-batch-');
  const db = join(dir, 'batch.duckdb');
  const config = join(dir, 'config.yaml');
  let sim: SimServer;
  let proxy: RecordingProxy;

  async function rows<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const store = await openStore(db, { mustExist: true, readOnly: true });
    try {
      return await store.all<T>(sql);
    } finally {
      await store.close();
    }
  }
  const sent = (method: string, path: string): number => proxy.requests.filter((request) => request.method === method && request.path.startsWith(path)).length;
  const liveValidatorCalls = (): number => proxy.requests.filter((request) => request.path.endsWith('/chat/completions') && request.body.includes('validator_verdict')).length;

  beforeAll(async () => {
    // The sim lives in the test process, so a batch outlasts a killed CLI (as OpenAI's outlasts a killed laptop).
    sim = await startSim({ port: 0, timeScale: 0, batchMs: 3_000 });
    proxy = await startRecordingProxy(sim.url);
    writeFileSync(
      config,
      readFileSync(join(ROOT, 'examples/sim.yaml'), 'utf8')
        .replace(/base_url: .*/g, `base_url: ${proxy.url}`)
        .replace('system_prompt_file: prompts/', `system_prompt_file: ${ROOT}/prompts/`),
    );
    // The replay validates live (the configured cascade): the verdicts a batch must reproduce.
    const replay = await runCli(['replay', '-c', config, '--limit', String(LIMIT), '--db', db, '--run-id', 'shadow'], { env: { OPENAI_API_KEY: 'sk-e2e-validate-batch' } });
    expect(replay.code, replay.stderr).toBe(0);
  }, 300_000);
  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
  });

  it('uploads one batch file of exactly the live prompts, stores the same verdicts with their tokens and cost, and no latency', async () => {
    const before = proxy.requests.length;
    const liveBefore = liveValidatorCalls();
    const result = await runCli(['validate', '--run', 'shadow', '--db', db, '-c', config, '--name', 'batched', '--batch', '--poll-interval', '100', '--no-cache', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { items: number; scored: number; pending: number; batches: Array<{ validator: string; status: string; pending: boolean; resumed: boolean }> };
    expect(summary.batches).toEqual([expect.objectContaining({ validator: 'batched', status: 'completed', pending: false, resumed: false })]);
    expect(summary.pending).toBe(0);

    // On the wire: one upload, one batch, polls and the output file; no live validator call.
    const requests = proxy.requests.slice(before);
    expect(requests.filter((request) => request.method === 'POST' && request.path.endsWith('/files'))).toHaveLength(1);
    expect(requests.filter((request) => request.method === 'POST' && request.path.endsWith('/batches'))).toHaveLength(1);
    expect(requests.some((request) => request.method === 'GET' && /\/files\/[^/]+\/content$/.test(request.path))).toBe(true);
    expect(liveValidatorCalls()).toBe(liveBefore);

    // The uploaded lines hold exactly the prompts the live validator was sent: the query and the candidate's answer.
    const upload = requests.find((request) => request.method === 'POST' && request.path.endsWith('/files'))!.body;
    const lines = upload.split('\n').filter((line) => line.startsWith('{"custom_id"')).map((line) => JSON.parse(line) as { custom_id: string; url: string; body: { model: string; messages: Array<{ role: string; content: string }> } });
    expect(lines).toHaveLength(summary.items);
    const stored = await rows<{ query_id: string; text: string; output: string }>(
      `SELECT q.query_id, q.text, c.output FROM validations AS v
       JOIN queries AS q ON q.run_id = v.run_id AND q.query_id = v.query_id
       JOIN responses AS c ON c.run_id = v.run_id AND c.query_id = v.query_id AND c.role = 'candidate'
       WHERE v.run_id = 'shadow' AND v.validator_name = '${LIVE}'`,
    );
    expect(stored.length).toBeGreaterThan(50);
    const expected = new Map(stored.map((row) => [row.query_id, `${section('query', row.text)}\n\n${section('answer', row.output)}\n\n${VALIDATOR_TEMPLATES.instruction}`]));
    for (const line of lines) {
      expect(line.url).toBe('/v1/chat/completions');
      expect(line.body.model).toBe('meta-llama/Meta-Llama-3-70B-Instruct');
      expect(line.body.messages.find((message) => message.role === 'user')!.content).toBe(expected.get(line.custom_id));
    }
    expect(new Set(lines.map((line) => line.custom_id))).toEqual(new Set(expected.keys()));

    // The sim's validator is deterministic per (query, answer): the batch reproduces the live verdicts.
    const pairs = await rows<{ live: number; batched: number; tokens: number | null; cost: number | null; latency: number | null }>(
      `SELECT l.p_acceptable AS live, b.p_acceptable AS batched, b.prompt_tokens AS tokens, b.cost_usd AS cost, b.latency_ms AS latency
       FROM validations AS l JOIN validations AS b ON b.run_id = l.run_id AND b.query_id = l.query_id AND b.validator_name = 'batched'
       WHERE l.run_id = 'shadow' AND l.validator_name = '${LIVE}'`,
    );
    expect(pairs).toHaveLength(stored.length);
    for (const pair of pairs) {
      expect(pair.batched).toBe(pair.live);
      expect(pair.tokens).toBeGreaterThan(0);
      expect(pair.cost).toBeGreaterThan(0);
      expect(pair.latency).toBeNull();
    }
    const [joined] = await rows<{ n: number }>(`SELECT count(*) AS n FROM judge_batches WHERE run_id = 'shadow' AND judge_name = 'batched' AND joined_at IS NOT NULL`);
    expect(joined!.n).toBe(1);

    const text = await runCli(['validate', '--run', 'shadow', '--db', db, '-c', config, '--name', 'batched', '--batch', '--poll-interval', '100']);
    expect(text.code, text.stderr).toBe(0);
    // Everything is in the cache now: no second batch, and the line says why.
    expect(text.stdout).toMatch(new RegExp(`${summary.items} from the cache`));
    expect(sent('POST', '/v1/batches')).toBe(1);
    expect(text.stdout).toMatch(/next: npx hybrid-eval cascade --run shadow --validator batched/);
  }, 120_000);

  it('resumes a batch after the process is killed mid-poll, without submitting it twice', async () => {
    const command = ['validate', '--run', 'shadow', '--db', db, '-c', config, '--name', 'again', '--batch', '--poll-interval', '100', '--no-cache'];
    const creates = sent('POST', '/v1/batches');
    const polls = sent('GET', '/v1/batches/');
    const { child, done } = startCli(command);
    const deadline = Date.now() + 30_000;
    while (sent('GET', '/v1/batches/') === polls && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    expect(sent('POST', '/v1/batches')).toBe(creates + 1);
    expect(await rows(`SELECT joined_at FROM judge_batches WHERE run_id = 'shadow' AND judge_name = 'again'`)).toEqual([{ joined_at: null }]);
    expect(await rows(`SELECT count(*) AS n FROM validations WHERE run_id = 'shadow' AND validator_name = 'again'`)).toEqual([{ n: 0 }]);

    const resumed = await runCli(command);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming batch batch_sim\w+/);
    expect(resumed.stdout).toMatch(/batch batch_sim\w+ \(again\) \(resumed\): completed/);
    expect(sent('POST', '/v1/batches')).toBe(creates + 1);
    const [counts] = await rows<{ live: number; resumed: number; same: number }>(
      `SELECT count(*) AS live, count(r.query_id) AS resumed, count(*) FILTER (WHERE r.p_acceptable = l.p_acceptable) AS same
       FROM validations AS l LEFT JOIN validations AS r ON r.run_id = l.run_id AND r.query_id = l.query_id AND r.validator_name = 'again'
       WHERE l.run_id = 'shadow' AND l.validator_name = '${LIVE}'`,
    );
    expect(counts).toEqual({ live: counts!.live, resumed: counts!.live, same: counts!.live });
    expect(await rows(`SELECT status, joined_at IS NOT NULL AS joined FROM judge_batches WHERE run_id = 'shadow' AND judge_name = 'again'`)).toEqual([{ status: 'completed', joined: true }]);
  }, 120_000);
});
