import { describe, expect, it } from 'vitest';
import type { Tier } from '../core/tier.ts';
import { mulberry32 } from './bootstrap.ts';
import { compareRuns, type CompareInput } from './compare.ts';
import { factTable } from './fact-table.ts';
import type { CostProjection } from './cost.ts';
import type { QueryFacts, RunData } from './metrics.ts';
import { parsePlan } from './plan.ts';

const regression = parsePlan('name: r\n', 'r.yaml').regression;

/** A run of 300 queries (200 simple, 60 medium, 40 complex) whose served scores come from `score(tier, index)`. */
function run(runId: string, score: (tier: Tier, index: number) => number, options: { idPrefix?: string; tierOf?: (index: number) => Tier; latency?: number; policy?: string } = {}): RunData {
  const random = mulberry32(runId.length * 31 + 7);
  const facts: QueryFacts[] = Array.from({ length: 300 }, (_, index) => {
    const label: Tier = index < 200 ? 'simple' : index < 260 ? 'medium' : 'complex';
    const tier = options.tierOf?.(index) ?? label;
    return {
      queryId: `${options.idPrefix ?? 'q'}${index}`,
      tier,
      label,
      candidateEndpoint: tier === 'simple' ? 'llama' : 'gpt4',
      candidateStatus: 'ok',
      servedStatus: 'scored',
      servedScore: score(tier, index),
      baselineSource: 'endpoint',
      baselineStatus: 'ok',
      baselineJudgeStatus: 'scored',
      baselineScore: 5,
      fallbackUsed: false,
      servedLatencyMs: (options.latency ?? 400) * (0.5 + random()),
      routerLatencyUs: undefined,
    };
  });
  return { runId, policy: options.policy ?? 'router', rejects: 0, facts: factTable(facts), latency: [], pairwise: { absent: '' }, human: { absent: '' } };
}

const cost = (perQuery: number): CostProjection => ({
  monthlyQueries: 1e6,
  routedMonthlyUsd: perQuery * 1e6 + 11000,
  baselineMonthlyUsd: 64000,
  reduction: undefined,
  fixedMonthlyUsd: 11000,
  variablePerQueryUsd: perQuery,
  fallbackMonthlyUsd: 0,
  costCoverage: { known: 300, total: 300 },
  baselineCoverage: { endpoint: 'gpt4', calls: 300, costed: 300, logged: 0, loggedCosted: 0, estimatedTiers: [] },
});

const input = (data: RunData, perQuery = 0.004): CompareInput => ({ runId: data.runId, data, cost: cost(perQuery) });
const steady = (_tier: Tier, index: number): number => [5, 5, 4, 5, 3][index % 5]!;

describe('compareRuns', () => {
  it('matches queries by id whatever order either run holds them in, and only those in both', () => {
    const tonight = run('tonight', steady, { tierOf: (index) => (index % 10 === 0 ? 'complex' : index < 200 ? 'simple' : index < 260 ? 'medium' : 'complex') });
    const lastNight = run('last-night', (tier, index) => steady(tier, index) - (index % 7 === 0 ? 1 : 0));
    // A third of last night's queries are not in tonight's run; the rest in id order, then reversed.
    const kept = [...lastNight.facts].filter((_, index) => index % 3 !== 0);
    const inOrder = compareRuns(input(tonight), input({ ...lastNight, facts: factTable(kept) }), regression);
    const reversed = compareRuns(input(tonight), input({ ...lastNight, facts: factTable([...kept].reverse()) }), regression);
    expect(inOrder.matchedQueries).toBe(200);
    expect(reversed.matchedQueries).toBe(200);
    expect(reversed.routeChanges).toEqual(inOrder.routeChanges);
    expect(inOrder.routeChanges.changed).toBe(kept.filter((fact) => Number(fact.queryId.slice(1)) % 10 === 0 && fact.tier !== 'complex').length);
    // Paired differences are taken in tonight's order: the same intervals either way.
    expect(reversed.quality.map((row) => row.difference)).toEqual(inOrder.quality.map((row) => row.difference));
    const differences = kept.map((fact) => steady('simple', Number(fact.queryId.slice(1))) - fact.servedScore!);
    expect(inOrder.quality[0]!.difference.mean).toBeCloseTo(differences.reduce((sum, value) => sum + value, 0) / differences.length, 12);
  });

  it('finds no regression between two runs of the same queries with the same answers', () => {
    const comparison = compareRuns(input(run('tonight', steady)), input(run('last-night', steady)), regression);
    expect(comparison.decision).toBe('go');
    expect(comparison.matchedQueries).toBe(300);
    expect(comparison.quality.every((row) => row.method === 'paired' && row.difference.mean === 0)).toBe(true);
    expect(comparison.checks.find((check) => check.metric === 'regression_route_changes')).toMatchObject({ outcome: 'pass', value: 0, n: 300 });
  });

  it('names a quality regression on one tier, paired on the same queries, with a Wilcoxon p-value', () => {
    const worseComplex = (tier: Tier, index: number): number => (tier === 'complex' ? [3, 4, 2, 3, 3][index % 5]! : steady(tier, index));
    const comparison = compareRuns(input(run('tonight', worseComplex)), input(run('last-night', steady)), regression);
    expect(comparison.decision).toBe('no-go');
    const complex = comparison.checks.find((check) => check.metric === 'regression_quality_complex')!;
    expect(complex.outcome).toBe('fail');
    expect(complex.n).toBe(40);
    expect(complex.detail).toMatch(/paired change mean -1\.40 \[95% CI -\d\.\d\d, -\d\.\d\d\] on n=40 .*Wilcoxon signed-rank p=<0\.001/);
    expect(comparison.checks.find((check) => check.metric === 'regression_quality_simple')!.outcome).toBe('pass');
  });

  it('compares different queries as two samples', () => {
    const comparison = compareRuns(input(run('tonight', steady, { idPrefix: 'a' })), input(run('last-night', steady, { idPrefix: 'b' })), regression);
    expect(comparison.matchedQueries).toBe(0);
    expect(comparison.quality[0]!.method).toBe('unpaired');
    expect(comparison.checks.find((check) => check.metric === 'regression_route_changes')!.outcome).toBe('skip');
  });

  it('names a cost rise, a latency rise and routing changes', () => {
    const rerouted = run('tonight', steady, { tierOf: (index) => (index >= 260 ? 'medium' : index < 200 ? 'simple' : 'medium'), latency: 2000 });
    const comparison = compareRuns(input(rerouted, 0.006), input(run('last-night', steady)), regression);
    const byMetric = Object.fromEntries(comparison.checks.map((check) => [check.metric, check]));
    expect(byMetric.regression_cost_per_query).toMatchObject({ outcome: 'fail' });
    expect(byMetric.regression_cost_per_query!.value).toBeCloseTo(0.5);
    expect(byMetric.regression_p95_latency_ms!.outcome).toBe('fail');
    expect(byMetric.regression_route_changes).toMatchObject({ outcome: 'fail', value: 40 / 300 });
    expect(byMetric.regression_route_changes!.detail).toContain('complex->medium 40');
    expect(byMetric.regression_router_accuracy!.outcome).toBe('fail');
  });

  it('ignores millisecond jitter of fast simulated runs', () => {
    const comparison = compareRuns(input(run('tonight', steady, { latency: 3 })), input(run('last-night', steady, { latency: 1 })), regression);
    expect(comparison.checks.find((check) => check.metric === 'regression_p95_latency_ms')!.outcome).toBe('pass');
  });
});
