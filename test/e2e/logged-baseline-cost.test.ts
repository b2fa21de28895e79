import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { ROOT, runCli, tempDir } from './cli.ts';

/*
 * A log whose baseline answers are production's own (source 'log': no live GPT-4 call): the gate's
 * all-baseline bill is priced from the logged usage at the baseline endpoint's prices (GPT-4 in
 * examples/sim.yaml: $30 / $60 per million input / output tokens, 1,000,000 queries a month), not
 * estimated from the candidates' token counts, and the gate says what it rests on.
 */

interface LoggedLine {
  response: { usage?: { prompt_tokens: number; completion_tokens: number } };
  metadata: { query_id: string };
}

const N = 12;

describe('gate on a replay whose baseline comes from the log', () => {
  it("prices all-baseline from the logged usage and says its coverage (CLI: replay --sim, then gate)", async () => {
    const dir = tempDir('hybrid-eval-logged-cost-');
    const db = join(dir, 'results.duckdb');
    const lines = readFileSync(join(ROOT, 'datasets/conversations-sample.jsonl'), 'utf8').split('\n').filter((line) => line !== '').slice(0, N);
    const records = lines.map((line) => JSON.parse(line) as LoggedLine);
    // One logged response without usage: its cost is unknown, left out of the mean, never $0.
    delete records[3]!.response.usage;
    const log = join(dir, 'logged.jsonl');
    writeFileSync(log, records.map((record) => JSON.stringify(record)).join('\n') + '\n');

    const replay = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--dataset', log, '--db', db, '--run-id', 'logged']);
    expect(replay.stderr).not.toContain('unexpected error');
    expect(replay.code, replay.stderr).toBe(0);

    // What the gate must arrive at: per routed tier, the mean logged cost of the answers with usage, weighted by the tier's share.
    const store = await openStore(db);
    let routes: { query_id: string; tier: string }[];
    let baseline: { source: string; n: number; costed: number }[];
    let live: { query_id: string; cost_usd: number }[];
    try {
      routes = await store.all(`SELECT query_id, tier FROM routes WHERE run_id = 'logged'`);
      // Complex queries route to GPT-4 itself: those live calls are GPT-4's measured cost on that tier too.
      live = await store.all(`SELECT query_id, cost_usd FROM responses WHERE run_id = 'logged' AND endpoint = 'gpt4' AND source = 'endpoint' AND status = 'ok'`);
      baseline = await store.all(`SELECT source, count(*)::INTEGER AS n, count(cost_usd)::INTEGER AS costed FROM responses WHERE run_id = 'logged' AND role = 'baseline' GROUP BY source`);
    } finally {
      await store.close();
    }
    expect(baseline).toEqual([{ source: 'log', n: N, costed: N - 1 }]);
    const costOf = new Map(records.map((record) => [record.metadata.query_id, record.response.usage === undefined ? undefined : (record.response.usage.prompt_tokens * 30 + record.response.usage.completion_tokens * 60) / 1e6]));
    const byTier = new Map<string, { n: number; costs: number[] }>();
    for (const { query_id, tier } of routes) {
      const entry = byTier.get(tier) ?? { n: 0, costs: [] };
      entry.n++;
      const cost = costOf.get(query_id);
      if (cost !== undefined) entry.costs.push(cost);
      for (const call of live.filter((row) => row.query_id === query_id)) entry.costs.push(call.cost_usd);
      byTier.set(tier, entry);
    }
    expect(routes).toHaveLength(N);
    const perQuery = [...byTier.values()].reduce((sum, { n, costs }) => sum + (n / N) * (costs.reduce((a, b) => a + b, 0) / costs.length), 0);
    const expectedMonthly = Math.round(perQuery * 1_000_000).toLocaleString('en-US');

    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, 'name: e2e\nthresholds:\n  min_cost_reduction: 0.1\n  max_cost_vs_baseline: 1.5\n');
    const gate = await runCli(['gate', '--run', 'logged', '--plan', plan, '--db', db, '--results', dir]);
    expect(gate.stderr).toBe('');
    expect([0, 1, 3]).toContain(gate.code);
    const calls = N + live.length;
    const coverage = `${calls - 1} of ${calls} gpt4 answers costed; ${N} from the log (logged usage at gpt4's prices; 1 without logged usage left out of the mean)${live.length === 0 ? '' : `, ${live.length} called live`}`;
    expect(gate.stdout).toContain(`all on the baseline (today): $${expectedMonthly}/month (${coverage})`);
    expect(gate.stdout).toContain(`vs all-baseline $${expectedMonthly}`);
    expect(gate.stdout).toContain(`costed calls; all-baseline: ${coverage} (threshold`);
    // Not the old estimate from the candidates' token usage.
    expect(gate.stdout).not.toContain('estimated from the measured token usage');

    const json = await runCli(['gate', '--run', 'logged', '--plan', plan, '--db', db, '--results', dir, '--json']);
    const parsed = JSON.parse(json.stdout) as { checks: { metric: string; outcome: string; detail: string }[] };
    const versus = parsed.checks.find((check) => check.metric === 'cost_vs_baseline')!;
    expect(versus.outcome).not.toBe('hold');
    expect(versus.detail).toContain(`the all-baseline $${expectedMonthly}`);
    expect(versus.detail).toContain(coverage);
    const report = JSON.parse(readFileSync(join(dir, 'logged', 'report.json'), 'utf8')) as { costModel: { notes: string[]; allBaseline: { monthlyUsd: number; coverage: object } } };
    expect(report.costModel.notes).toContain(`all-baseline cost: ${coverage}`);
    expect(report.costModel.allBaseline.coverage).toEqual({ endpoint: 'gpt4', calls, costed: calls - 1, logged: N, loggedCosted: N - 1, estimatedTiers: [] });
    expect(report.costModel.allBaseline.monthlyUsd).toBeCloseTo(perQuery * 1_000_000, 6);
  }, 240_000);
});
