import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRouter } from '../../src/router/load-router.ts';
import { openStore } from '../../src/store/store.ts';
import { runCli, tempDir } from './cli.ts';

describe('hybrid-eval router', () => {
  it('eval --json reports accuracy, per-class metrics, confusion and latency, and stores the result', async () => {
    const dir = tempDir();
    const db = join(dir, 'r.duckdb');
    const result = await runCli(['router', 'eval', '--data', 'datasets/router-test.jsonl', '--json', '--db', db]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.n).toBe(2000);
    expect(report.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(report.per_class.complex.recall).toBeGreaterThanOrEqual(0.95);
    expect(Object.keys(report.confusion)).toEqual(['simple', 'medium', 'complex']);
    expect(report.latency_us.p50).toBeGreaterThan(0);
    expect(report.latency_us.p99).toBeGreaterThanOrEqual(report.latency_us.p50);
    const store = await openStore(db, { readOnly: true });
    try {
      const rows = await store.all<{ n: number; accuracy: number }>(`SELECT n, accuracy FROM router_evals`);
      expect(rows).toEqual([{ n: 2000, accuracy: report.accuracy }]);
    } finally {
      await store.close();
    }
  });

  it('eval maps other column names and refuses a log without labels', async () => {
    const dir = tempDir();
    const csv = join(dir, 'logs.csv');
    writeFileSync(csv, 'text,human_tier\n"What time do you open on Saturday?",simple\n"I was charged twice and want a refund and to speak to a lawyer",complex\n');
    const ok = await runCli(['router', 'eval', '--data', csv, '--field', 'query=text', '--field', 'label=human_tier', '--json', '--no-store']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).n).toBe(2);
    const unlabelled = await runCli(['router', 'eval', '--data', csv, '--field', 'query=text', '--no-store']);
    expect(unlabelled.code).toBe(2);
    expect(unlabelled.stderr).toContain('no labelled query');
  });

  it('replay routes in groups ahead of the calls, and every query gets the decision the router gives it alone', async () => {
    const dir = tempDir();
    const db = join(dir, 'routed.duckdb');
    // 150 queries: four full groups of 32 and a last partial one.
    const replay = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', '150', '--db', db, '--run-id', 'routed']);
    expect(replay.code, replay.stderr).toBe(0);
    const store = await openStore(db, { readOnly: true });
    const routes = await store.all<{ query_id: string; text: string; tier: string; prob_simple: number; prob_medium: number; prob_complex: number; latency_us: number; router_version: string }>(
      `SELECT r.query_id, q.text, r.tier, r.prob_simple, r.prob_medium, r.prob_complex, r.latency_us, r.router_version
       FROM routes r JOIN queries q USING (run_id, query_id) WHERE r.run_id = 'routed' ORDER BY r.query_id`,
    );
    await store.close();
    expect(routes).toHaveLength(150);
    const router = await loadRouter('models/router');
    try {
      for (const route of routes) {
        const alone = await router.classify(route.text);
        expect(route.router_version).toBe(router.version);
        expect(route.tier, route.query_id).toBe(alone.tier);
        // Padding in a batch moves the logits in the last float digits only.
        expect(route.prob_simple).toBeCloseTo(alone.probabilities.simple, 4);
        expect(route.prob_medium).toBeCloseTo(alone.probabilities.medium, 4);
        expect(route.prob_complex).toBeCloseTo(alone.probabilities.complex, 4);
        expect(route.latency_us).toBeGreaterThan(0);
      }
    } finally {
      await router.close();
    }
  });

  it('calibrate --data finds thresholds for a target mix', async () => {
    const result = await runCli(['router', 'calibrate', '--data', 'datasets/sample.jsonl', '--target', '60,30,10', '--json']);
    expect(result.code).toBe(0);
    const calibration = JSON.parse(result.stdout);
    expect(calibration.achieved.simple).toBeCloseTo(0.6, 1);
    expect(calibration.achieved.complex).toBeCloseTo(0.1, 1);
  });

  it('calibrate --run gives the cost-quality curve with RouteLLM measures on a run where both models were judged', async () => {
    const dir = tempDir();
    const db = join(dir, 'curve.duckdb');
    // Llama answers everything (fixed policy), GPT-4 shadows it: both qualities known per query.
    // 1,000 queries: at 300 the sim's score noise moves APGR by about 0.1 between router versions.
    const config = join(dir, 'all-llama.yaml');
    writeFileSync(config, readFileSync('examples/sim.yaml', 'utf8').replace(/policy: router\b/, 'policy: fixed\n  fixed_tier: simple').replace(/\n  pairwise_rubric: .*/, ''));
    const replay = await runCli(['replay', '-c', config, '--sim', '--sim-time-scale', '0', '--limit', '1000', '--db', db, '--run-id', 'weak']);
    expect(replay.code).toBe(0);
    const result = await runCli(['router', 'calibrate', '--run', 'weak', '--db', db, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const curve = JSON.parse(result.stdout);
    expect(curve.strongQuality).toBeGreaterThan(curve.weakQuality);
    // The router knows which queries need GPT-4: far better than random routing (APGR 0.5).
    expect(curve.apgr).toBeGreaterThan(0.6);
    expect(curve.cpt50).toBeLessThan(0.5);
  });
});
