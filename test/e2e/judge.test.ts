import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../../src/sim/server.ts';
import { openStore } from '../../src/store/store.ts';
import { ROOT, startCli as startMainCli, tempDir, type CliResult } from './cli.ts';

// Until the lead registers `judge` in src/cli/main.ts, drive the CLI through an entry point that has it.

const KEY = 'sk-e2e-judge-0000000000';
const env = { OPENAI_API_KEY: KEY };
let sim: SimServer;
let dir: string;
let config: string;
let db: string;

async function rows<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const store = await openStore(db);
  try {
    return await store.all<T>(sql, params);
  } finally {
    await store.close();
  }
}
const judgeCalls = (): number => sim.requestLog.filter((entry) => entry.judge).length;
const batchCreates = (): number => sim.requestLog.filter((entry) => entry.method === 'POST' && entry.path === '/v1/batches').length;

beforeAll(async () => {
  // The sim lives in the test process, so it outlasts a killed CLI (as OpenAI outlasts a killed laptop).
  sim = await startSim({ timeScale: 0, batchMs: 2_500 });
  dir = tempDir('hybrid-eval-judge-e2e-');
  db = join(dir, 'judge.duckdb');
  config = join(dir, 'config.yaml');
  writeFileSync(config, readFileSync(join(ROOT, 'examples/sim.yaml'), 'utf8').replace(/base_url: .*/g, `base_url: ${sim.url}`));
  const replay = await spawn(['replay', '-c', config, '--limit', '30', '--db', db, '--run-id', 'e1'], { env });
  expect(replay.stderr).not.toContain('unexpected error');
  expect(replay.code).toBe(0);
});

afterAll(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function spawnCli(list: string[], options: { env?: NodeJS.ProcessEnv } = {}): ReturnType<typeof startMainCli> {
  return startMainCli(list, options);
}
function spawn(list: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return spawnCli(list, options).done;
}

describe('hybrid-eval judge: re-judging a stored run without replaying it', () => {
  it('grades the stored responses with the run’s judge, prints counts and length bias; the second time everything comes from the cache', async () => {
    // The replay judged sensitive answers on-prem (privacy.sensitive.judge); an external judge never sees them again.
    const [replayed] = await rows<{ n: number }>(`SELECT count(*) AS n FROM judgments WHERE run_id = 'e1' AND judge_model = 'gpt-4'`);
    const [onPrem] = await rows<{ n: number }>(`SELECT count(*) AS n FROM judgments WHERE run_id = 'e1' AND judge_model <> 'gpt-4'`);
    expect(onPrem!.n).toBeGreaterThan(0);
    const chatCalls = sim.requestLog.filter((entry) => entry.path === '/v1/chat/completions' && !entry.judge).length;
    const before = judgeCalls();
    const first = await spawn(['judge', '--run', 'e1', '--db', db], { env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const answers = replayed!.n;
    expect(judgeCalls() - before).toBe(answers);
    expect(first.stdout).toContain(`run e1: ${answers} answers judged by support-single (rubric support-single v1.1, model gpt-4`);
    expect(first.stdout).toMatch(new RegExp(`${answers} scored, 0 unscored, 0 judge errors; 0 from the judge cache, ${answers} judge requests sent`));
    expect(first.stdout).toMatch(/length bias, score vs answer length in words: Pearson [+-]\d\.\d\d, Spearman [+-]\d\.\d\d \(n=\d+\)/);
    expect(first.stdout).toMatch(/candidate: Pearson/);
    // Nothing was replayed: no generation call went out.
    expect(sim.requestLog.filter((entry) => entry.path === '/v1/chat/completions' && !entry.judge).length).toBe(chatCalls);

    const again = judgeCalls();
    const second = await spawn(['judge', '--run', 'e1', '--db', db], { env });
    expect(second.code).toBe(0);
    expect(judgeCalls()).toBe(again);
    expect(second.stdout).toContain(`${answers} from the judge cache, 0 judge requests sent`);
  });

  it('compares the served answer with the baseline in both orders and prints the position consistency', async () => {
    const result = await spawn(['judge', '--run', 'e1', '--db', db, '--pairwise'], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/candidate wins \d+, baseline wins \d+, ties \d+/);
    expect(result.stdout).toMatch(/position consistency: \d+\.\d% of \d+ comparisons judged in both orders/);
    const [summary] = await rows<{ n: number; position_consistency: number }>(`SELECT n, position_consistency FROM pairwise_summary WHERE run_id = 'e1' AND tier = 'all'`);
    // Sensitive queries keep their baseline on the premises (privacy): nothing to compare there.
    const [comparable] = await rows<{ n: number }>(`SELECT count(*) AS n FROM privacy_decisions WHERE run_id = 'e1' AND NOT baseline_withheld`);
    expect(comparable!.n).toBeGreaterThan(25);
    expect(summary!.n).toBe(comparable!.n);
    expect(result.stdout).toContain(`${(100 * summary!.position_consistency).toFixed(1)}%`);

    // --sim judges with an in-process sim: the same judge spec, so it is all cache hits here.
    const simmed = await spawn(['judge', '--run', 'e1', '--db', db, '--pairwise', '--sim', '--json']);
    expect(simmed.code).toBe(0);
    expect(JSON.parse(simmed.stdout)).toMatchObject({ kind: 'pairwise', items: comparable!.n, cacheHits: 2 * comparable!.n, requests: 0 });
  });

  it('resumes a Batch API job after the process is killed mid-poll, without submitting a second batch', async () => {
    const command = ['judge', '--run', 'e1', '--db', db, '--batch', '--judge', 'gpt35', '--poll-interval', '100'];
    const creates = batchCreates();
    const { child, done } = spawnCli(command, { env });
    // Kill it once it is polling the batch: submitted, recorded, not finished.
    const deadline = Date.now() + 20_000;
    while (!sim.requestLog.some((entry) => entry.method === 'GET' && entry.path.startsWith('/v1/batches/')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    expect(batchCreates()).toBe(creates + 1);
    expect(await rows(`SELECT judge_name, joined_at FROM judge_batches WHERE run_id = 'e1'`)).toEqual([{ judge_name: 'support-single@gpt35', joined_at: null }]);
    expect(await rows(`SELECT count(*) AS n FROM judgments WHERE run_id = 'e1' AND judge_name = 'support-single@gpt35'`)).toEqual([{ n: 0 }]);

    const resumed = await spawn(command, { env });
    expect(resumed.stderr).toMatch(/resuming batch batch_sim\w+/);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/batch batch_sim\w+ \(resumed\): completed/);
    expect(batchCreates()).toBe(creates + 1);
    const [stored] = await rows<{ n: number; scored: number }>(
      `SELECT count(*) AS n, count(score) AS scored FROM judgments WHERE run_id = 'e1' AND judge_name = 'support-single@gpt35'`,
    );
    // gpt35 is external too: the answers judged on-prem in the replay stay out of the batch.
    const [single] = await rows<{ n: number }>(`SELECT count(*) AS n FROM judgments WHERE run_id = 'e1' AND judge_name = 'support-single' AND judge_model = 'gpt-4'`);
    expect(stored).toEqual({ n: single!.n, scored: single!.n });
    expect(await rows(`SELECT status, joined_at IS NOT NULL AS joined FROM judge_batches WHERE run_id = 'e1'`)).toEqual([{ status: 'completed', joined: true }]);
  });

  it('is one line and exit 2 for a user error', async () => {
    const missing = await spawn(['judge', '--run', 'nope', '--db', db], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`hybrid-eval: run not found: nope (in ${db})`);
    const wrongKind = await spawn(['judge', '--run', 'e1', '--db', db, '--pairwise', '--rubric', 'judges/support-single.yaml'], { env });
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toMatch(/judges\/support-single\.yaml: kind: this is a single rubric; a pairwise rubric is needed here/);
  });
});
