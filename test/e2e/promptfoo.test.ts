import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './cli.ts';
import { expectEvalRan, promptfooEval } from './promptfoo-cli.ts';

interface PromptfooResult {
  provider: { id: string; label?: string };
  vars: { tier: string; request?: { messages: unknown[] } } & Record<string, unknown>;
  success: boolean;
  error?: string;
  response?: { output?: string; metadata?: Record<string, unknown>; tokenUsage?: { total?: number }; cost?: number };
  gradingResult?: { componentResults?: Array<{ pass: boolean; metadata?: { hybrid_eval_judge?: { verdict: { status: string } } } }> };
}
interface PromptfooOutput {
  evalId: string;
  results: { version: number; stats: { successes: number; failures: number; errors: number }; results: PromptfooResult[] };
}

async function query<T>(db: string, sql: string, params: string[] = []): Promise<T[]> {
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const TIERS_TO_ENDPOINTS = { simple: 'llama', medium: 'gpt35', complex: 'gpt4' };

describe('promptfoo suites against the in-process sim', () => {
  const dir = tempDir('hybrid-eval-promptfoo-');
  const home = join(dir, 'home');
  const db = join(dir, 'results.duckdb');
  const nightlyOut = join(dir, 'nightly.json');
  let nightly: PromptfooOutput;
  let tests: number;

  beforeAll(async () => {
    expectEvalRan(await promptfooEval('suites/nightly.yaml', nightlyOut, home));
    nightly = JSON.parse(readFileSync(nightlyOut, 'utf8'));
    // The nightly suite replays logged conversations: 12 per tier of the sample (suites/nightly-conversations.mjs).
    tests = 36;
  });

  it('runs the nightly suite: every logged conversation through the hybrid stack and GPT-4, judge checked', () => {
    const { stats, results } = nightly.results;
    expect(results).toHaveLength(tests * 2);
    const tiers = results.map((result) => result.vars.tier);
    for (const tier of ['simple', 'medium', 'complex']) expect(tiers.filter((label) => label === tier)).toHaveLength(24);
    // Each test's prompt is a whole logged request: the earlier turns are there, not only the last message.
    for (const result of results) expect(result.vars.request?.messages.length).toBeGreaterThanOrEqual(4);
    expect(stats.errors).toBe(0);
    expect(stats.successes + stats.failures).toBe(tests * 2);
    // The sim's answers leave facts out now and then; most still pass.
    expect(stats.successes).toBeGreaterThan(tests * 2 * 0.7);
    for (const result of results) {
      expect(result.response?.output?.length).toBeGreaterThan(0);
      expect(result.response?.tokenUsage?.total).toBeGreaterThan(0);
      expect(result.response?.cost).toBeGreaterThan(0);
      // Every answer was graded by hybrid-eval's judge.
      expect(result.gradingResult?.componentResults?.some((component) => component.metadata?.hybrid_eval_judge?.verdict.status === 'scored')).toBe(true);
    }
    const hybrid = results.filter((result) => result.provider.label === 'hybrid');
    expect(hybrid).toHaveLength(tests);
    // The router classifies the last customer message ("it is. can I still return it?" names no
    // topic), so some conversations land on another tier than their label; each goes to its tier's endpoint.
    let agree = 0;
    for (const result of hybrid) {
      const tier = result.response?.metadata?.tier as keyof typeof TIERS_TO_ENDPOINTS;
      expect(result.response?.metadata).toMatchObject({ route_policy: 'router', endpoint: TIERS_TO_ENDPOINTS[tier], fallback_used: false });
      if (tier === result.vars.tier) agree++;
    }
    expect(agree).toBeGreaterThan(tests * 0.6);
    expect(results.filter((result) => result.provider.label === 'gpt4').every((result) => result.response?.metadata?.endpoint === 'gpt4')).toBe(true);
  });

  it('imports the results as a run that the gate can decide on', async () => {
    const imported = await runCli(['promptfoo', 'import', nightlyOut, '--db', db, '--run-id', 'nightly', '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ runId: 'nightly', queries: tests, responses: tests * 2, judgments: tests * 2, candidate: 'hybrid', baseline: 'gpt4' });

    expect(await query(db, "SELECT status, mode, policy, query_count FROM runs WHERE run_id = 'nightly'")).toEqual([
      { status: 'complete', mode: 'promptfoo', policy: 'router', query_count: tests },
    ]);
    const tiers = await query<{ tier: string; endpoint: string; n: number }>(db, "SELECT tier, endpoint, count(*)::INTEGER AS n FROM routes WHERE run_id = 'nightly' GROUP BY ALL ORDER BY tier");
    expect(tiers.map((row) => [row.tier, row.endpoint])).toEqual([
      ['complex', 'gpt4'],
      ['medium', 'gpt35'],
      ['simple', 'llama'],
    ]);
    // Routed tiers: the router misroutes some conversations whose last message names no topic.
    expect(tiers.every((row) => row.n >= 3)).toBe(true);
    expect(tiers.reduce((sum, row) => sum + row.n, 0)).toBe(tests);
    const quality = await query<{ n: number; n_scored: number; n_paired: number }>(db, "SELECT n::INTEGER AS n, n_scored::INTEGER AS n_scored, n_paired::INTEGER AS n_paired FROM quality_by_tier WHERE run_id = 'nightly'");
    expect(quality.every((row) => row.n === row.n_scored && row.n === row.n_paired)).toBe(true);

    const again = await runCli(['promptfoo', 'import', nightlyOut, '--db', db, '--run-id', 'nightly']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/run nightly already exists in .*: nothing was written/);

    const gate = await runCli(['gate', '--run', 'nightly', '--db', db, '--results', join(dir, 'reports'), '--json']);
    expect([0, 1, 3], gate.stderr).toContain(gate.code);
    expect(JSON.parse(gate.stdout).run_id).toBe('nightly');
    expect(await query(db, "SELECT count(*)::INTEGER AS n FROM gate_decisions WHERE run_id = 'nightly'")).toEqual([{ n: 1 }]);
  });

  it('rejects a file that is not promptfoo output, naming file and field, and writes nothing', async () => {
    const bad = join(dir, 'not-promptfoo.json');
    writeFileSync(bad, JSON.stringify({ results: { version: 2, results: [] } }));
    const result = await runCli(['promptfoo', 'import', bad, '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${bad} (results.version): promptfoo output version 2 is not supported`);
    expect(await query(db, 'SELECT run_id FROM runs')).toEqual([{ run_id: 'nightly' }]);
  });

  it('shows the fallback when on-prem Llama is down, and imports its calls', async () => {
    const out = join(dir, 'fallback.json');
    expectEvalRan(await promptfooEval('suites/nightly.yaml', out, home, { HYBRID_EVAL_SIM_FAULTS: 'down=llama-3-70b' }, ['--filter-first-n', '4']));
    const { results } = (JSON.parse(readFileSync(out, 'utf8')) as PromptfooOutput).results;
    const simple = results.filter((result) => result.provider.label === 'hybrid' && result.response?.metadata?.tier === 'simple');
    expect(simple.length).toBeGreaterThan(0);
    for (const result of simple) expect(result.response?.metadata).toMatchObject({ routed_endpoint: 'llama', endpoint: 'gpt4', fallback_used: true });

    const imported = await runCli(['promptfoo', 'import', out, '--db', db, '--run-id', 'fallback']);
    expect(imported.code, imported.stderr).toBe(0);
    // (Conversations the router sent to GPT-3.5 or GPT-4 are answered there, no fallback.)
    expect(await query(db, "SELECT role, endpoint, status, count(*)::INTEGER AS n FROM responses WHERE run_id = 'fallback' AND role <> 'baseline' AND (endpoint = 'llama' OR role = 'fallback') GROUP BY ALL ORDER BY role")).toEqual([
      { role: 'candidate', endpoint: 'llama', status: 'failed', n: simple.length },
      { role: 'fallback', endpoint: 'gpt4', status: 'ok', n: simple.length },
    ]);
    expect(await query(db, "SELECT count(*)::INTEGER AS n FROM pairs WHERE run_id = 'fallback' AND fallback_used AND served_judge_status = 'scored'")).toEqual([{ n: simple.length }]);
  });

  it('compares Llama and GPT-4 side by side from the same config', async () => {
    const out = join(dir, 'side-by-side.json');
    expectEvalRan(await promptfooEval('suites/llama-vs-gpt4.yaml', out, home, {}, ['--filter-first-n', '4']));
    const { results } = (JSON.parse(readFileSync(out, 'utf8')) as PromptfooOutput).results;
    expect(new Set(results.map((result) => result.response?.metadata?.endpoint))).toEqual(new Set(['llama', 'gpt4']));
    const imported = await runCli(['promptfoo', 'import', out, '--db', db, '--run-id', 'side-by-side', '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ candidate: 'llama', baseline: 'gpt4', queries: 4 });
    expect(await query(db, "SELECT DISTINCT policy, endpoint FROM routes WHERE run_id = 'side-by-side'")).toEqual([{ policy: 'fixed', endpoint: 'llama' }]);
  });
});
