import { describe, expect, it } from 'vitest';
import { bootstrapMean, mulberry32 } from './bootstrap.ts';
import type { CostProjection } from './cost.ts';
import { decide } from './decide.ts';
import type { RunMetrics } from './metrics.ts';
import type { Thresholds } from './plan.ts';

const thresholds: Thresholds = {
  min_quality: 4.5,
  quality_statistic: 'lower_bound',
  max_quality_drop: 0.3,
  max_error_rate: 0.05,
  max_fallback_rate: 0.1,
  max_unscored_rate: 0.05,
  max_monthly_cost_usd: 20000,
  min_cost_reduction: 0.5,
  min_scored: 50,
};

const cost: CostProjection = {
  monthlyQueries: 1_000_000,
  routedMonthlyUsd: 15000,
  baselineMonthlyUsd: 50000,
  reduction: 0.7,
  fixedMonthlyUsd: 11000,
  variablePerQueryUsd: 0.004,
  fallbackMonthlyUsd: 0,
  costCoverage: { known: 100, total: 100 },
};

/** A synthetic run whose candidate scores are drawn from `distribution`; the baseline scores 4.7 on average. */
function syntheticRun(distribution: number[], n: number, seed: number): RunMetrics {
  const random = mulberry32(seed);
  const draw = (values: number[]): number => values[Math.floor(random() * values.length)]!;
  const candidate = Array.from({ length: n }, () => draw(distribution));
  const baseline = Array.from({ length: n }, () => draw([4, 5, 5]));
  const differences = candidate.map((score, index) => score - baseline[index]!);
  return {
    queries: n,
    rejects: 0,
    candidate: bootstrapMean(candidate, { seed }),
    baseline: bootstrapMean(baseline, { seed: seed + 1 }),
    pairedDifference: bootstrapMean(differences, { seed: seed + 2 }),
    byTier: [],
    judged: { scored: 2 * n, unscored: 0, errored: 0 },
    candidateCalls: { total: n, failed: 0, okAfterRetry: 0 },
    baselineCalls: { total: n, failed: 0 },
    fallbacks: 0,
    routedTo: { llama: n },
    latency: [],
  };
}

describe('decide', () => {
  it('goes on a clearly good run', () => {
    const result = decide(syntheticRun([5, 5, 5, 4], 400, 1), cost, thresholds);
    expect(result.decision).toBe('go');
    expect(result.checks.every((check) => check.outcome === 'pass')).toBe(true);
  });

  it('says no-go on a clearly bad run, naming the metric, interval, threshold and n', () => {
    const result = decide(syntheticRun([2, 3, 4], 400, 2), cost, thresholds);
    expect(result.decision).toBe('no-go');
    const quality = result.checks.find((check) => check.metric === 'candidate_quality')!;
    expect(quality.outcome).toBe('fail');
    expect(quality.n).toBe(400);
    expect(quality.interval!.upper!).toBeLessThan(4.5);
    expect(quality.threshold).toContain('4.5');
  });

  it('holds when the sample is too small', () => {
    const result = decide(syntheticRun([5, 5, 5, 4], 20, 3), cost, thresholds);
    expect(result.decision).toBe('hold');
    expect(result.checks.find((check) => check.metric === 'scored_candidate_answers')!.outcome).toBe('hold');
  });

  it('holds when the interval straddles the bar', () => {
    const result = decide(syntheticRun([4, 5], 200, 4), cost, thresholds); // true mean 4.5
    expect(result.decision).toBe('hold');
  });

  it('counts failures and unscored answers apart, as rates', () => {
    const run = syntheticRun([5, 5, 5, 4], 400, 5);
    run.candidateCalls = { total: 400, failed: 40, okAfterRetry: 3 };
    run.judged = { scored: 740, unscored: 50, errored: 10 };
    const result = decide(run, cost, thresholds);
    expect(result.decision).toBe('no-go');
    expect(result.checks.find((check) => check.metric === 'candidate_error_rate')).toMatchObject({ outcome: 'fail', value: 0.1, n: 400 });
    expect(result.checks.find((check) => check.metric === 'unscored_rate')).toMatchObject({ outcome: 'fail', value: 60 / 800, n: 800 });
  });

  it('fails on cost and holds when the baseline cost is unknown', () => {
    const good = syntheticRun([5, 5, 5, 4], 400, 6);
    expect(decide(good, { ...cost, routedMonthlyUsd: 30000, reduction: 0.4 }, thresholds).decision).toBe('no-go');
    expect(decide(good, { ...cost, baselineMonthlyUsd: undefined, reduction: undefined }, thresholds).decision).toBe('hold');
  });
});
