import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { runCli, tempDir } from './cli.ts';

// Issue 15, bullet 1: every served answer is judged, or the gate says why not. Sensitive queries
// stay on the premises, so GPT-4 may not judge them; examples/sim.yaml names Llama as their judge
// and the replay measures it against GPT-4 on non-sensitive answers.

async function rows<T = Record<string, unknown>>(db: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const store = await openStore(db);
  try {
    return await store.all<T>(sql, params);
  } finally {
    await store.close();
  }
}

const dir = tempDir('hybrid-eval-onprem-judge-');
const db = join(dir, 'onprem.duckdb');
const LIMIT = '600';

describe('the on-prem judge on the example config', () => {
  beforeAll(async () => {
    const replay = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', LIMIT, '--db', db, '--run-id', 'onprem']);
    expect(replay.code, replay.stderr).toBe(0);
  }, 240_000);

  it('judges every sensitive answer on-prem and stores its measured agreement with GPT-4', async () => {
    const sensitive = await rows<{ n: number; judged: number; gpt4: number }>(
      db,
      `SELECT count(*)::INTEGER AS n,
              count(*) FILTER (WHERE p.candidate_judge_status = 'scored')::INTEGER AS judged,
              count(*) FILTER (WHERE j.judge_model = 'gpt-4')::INTEGER AS gpt4
       FROM pairs AS p JOIN privacy_decisions AS pd USING (run_id, query_id)
       LEFT JOIN current_judgments AS j ON j.run_id = p.run_id AND j.query_id = p.query_id AND j.role = 'candidate'
       WHERE p.run_id = 'onprem' AND pd.sensitive`,
    );
    expect(sensitive[0]!.n).toBeGreaterThan(5);
    expect(sensitive[0]!.judged).toBe(sensitive[0]!.n);
    expect(sensitive[0]!.gpt4).toBe(0);

    const [agreement] = await rows<Record<string, unknown>>(db, `SELECT * FROM onprem_judge_agreement WHERE run_id = 'onprem'`);
    expect(agreement).toMatchObject({ judge_endpoint: 'llama', judge_name: 'support-single@llama', reference_model: 'gpt-4', sample_rate: 0.2 });
    // About a fifth of the ~590 non-sensitive queries, both candidate and baseline answers.
    expect(Number(agreement!.n)).toBeGreaterThan(100);
    const kappa = Number(agreement!.weighted_kappa);
    // The sim's Llama judge is noisier than GPT-4's: agreement is high, not perfect.
    expect(kappa).toBeGreaterThan(0.5);
    expect(kappa).toBeLessThan(1);
    // Every cross-checked answer is non-sensitive, and its verdict never became the current judgment.
    const [leaks] = await rows<{ sensitive: number; current: number }>(
      db,
      `SELECT count(*) FILTER (WHERE pd.sensitive)::INTEGER AS sensitive,
              (SELECT count(*)::INTEGER FROM current_judgments WHERE run_id = 'onprem' AND judge_name = 'support-single@llama') AS current
       FROM judge_crosschecks AS x JOIN privacy_decisions AS pd USING (run_id, query_id) WHERE x.run_id = 'onprem'`,
    );
    expect(leaks).toEqual({ sensitive: 0, current: 0 });
  });

  it('gates with an unjudged check per tier, shows the agreement, and a plan can require a minimum kappa', async () => {
    const plan = join(dir, 'kappa.yaml');
    writeFileSync(plan, 'name: kappa\nthresholds:\n  min_scored: 10\n  min_onprem_judge_kappa: 0.5\n');
    const gate = await runCli(['gate', '--run', 'onprem', '--db', db, '--results', dir, '--plan', plan]);
    expect(gate.code, gate.stderr).toBe(0);
    for (const tier of ['simple', 'medium', 'complex']) expect(gate.stdout).toMatch(new RegExp(`pass unjudged_${tier}: (\\d+) judged of \\1 served on ${tier}`));
    expect(gate.stdout).toMatch(/pass onprem_judge_kappa: on-prem judge llama \(llama-3-70b\) vs gpt-4: weighted kappa 0\.\d\d, mean bias [+-]\d\.\d\d/);
    const report = readFileSync(join(dir, 'onprem', 'report.md'), 'utf8');
    expect(report).toContain('| tier | queries | judged of served |');
    expect(report).toMatch(/sensitive answers were judged on the premises\. Its measured agreement: on-prem judge llama .* weighted kappa 0\.\d\d/);

    writeFileSync(plan, 'name: kappa\nthresholds:\n  min_scored: 10\n  min_onprem_judge_kappa: 0.99\n');
    const strict = await runCli(['gate', '--run', 'onprem', '--db', db, '--results', dir, '--plan', plan]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/fail onprem_judge_kappa: .*weighted kappa 0\.\d\d/);
  });

  it('over-samples sensitive answers for human spot-checks', async () => {
    const sample = await runCli(['spotcheck', 'sample', '--run', 'onprem', '--n', '60', '--db', db, '--seed', '3']);
    expect(sample.code, sample.stderr).toBe(0);
    const [drawn] = await rows<{ sensitive: number; n: number }>(
      db,
      `SELECT count(*) FILTER (WHERE s.stratum LIKE '%/sensitive')::INTEGER AS sensitive, count(*)::INTEGER AS n FROM spotcheck_samples AS s WHERE run_id = 'onprem'`,
    );
    const [population] = await rows<{ share: number }>(db, `SELECT avg(CASE WHEN sensitive THEN 1.0 ELSE 0.0 END) AS share FROM privacy_decisions WHERE run_id = 'onprem'`);
    expect(drawn!.n).toBe(60);
    // At least twice their share of the run.
    expect(drawn!.sensitive / drawn!.n).toBeGreaterThan(2 * Number(population!.share));
  });
});

describe('without an on-prem judge', () => {
  it('holds, naming the unjudged sensitive answers and why', async () => {
    const config = join(dir, 'no-onprem-judge.yaml');
    writeFileSync(config, readFileSync('examples/sim.yaml', 'utf8').replace(/\nprivacy:[\s\S]*$/, '\n'));
    const other = join(dir, 'plain.duckdb');
    const replay = await runCli(['replay', '-c', config, '--sim', '--sim-time-scale', '0', '--limit', '400', '--db', other, '--run-id', 'plain']);
    expect(replay.code, replay.stderr).toBe(0);
    const plan = join(dir, 'plain.yaml');
    writeFileSync(plan, 'name: plain\nthresholds:\n  min_scored: 10\n');
    const gate = await runCli(['gate', '--run', 'plain', '--db', other, '--results', dir, '--plan', plan]);
    expect(gate.code).toBe(3);
    expect(gate.stdout).toMatch(/hold unjudged_\w+: \d+ judged of \d+ served on \w+ \(\d+ unjudged: \d+ judge withheld \(sensitive query, no on-prem judge\)\)/);
    expect((await rows(other, 'SELECT * FROM onprem_judge_agreement'))).toEqual([]);
  }, 240_000);
});
