import { describe, expect, it } from 'vitest';
import { bootstrapMean, mulberry32 } from './bootstrap.ts';
import type { CostProjection } from './cost.ts';
import { decide } from './decide.ts';
import { ordinalAgreement, quantileInterval, wilsonInterval } from './intervals.ts';
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
  baselineCoverage: { endpoint: 'gpt4', calls: 100, costed: 100, logged: 0, loggedCosted: 0, estimatedTiers: [] },
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

/** Decisions over many synthetic runs of a planted true quality: how often each decision comes out. */
function decisionRates(distribution: number[], n: number, runs: number): Record<'go' | 'no-go' | 'hold', number> {
  const tally = { go: 0, 'no-go': 0, hold: 0 };
  for (let seed = 1; seed <= runs; seed++) tally[decide(syntheticRun(distribution, n, seed * 7919), cost, thresholds).decision]++;
  return { go: tally.go / runs, 'no-go': tally['no-go'] / runs, hold: tally.hold / runs };
}

describe('planted cases, decided over 100 synthetic runs each', () => {
  it('clearly good (true mean 4.75, n=400): go every time', () => {
    expect(decisionRates([5, 5, 5, 4], 400, 100).go).toBe(1);
  });

  it('clearly bad (true mean 4.0, n=400): no-go every time', () => {
    expect(decisionRates([3, 4, 5], 400, 100)['no-go']).toBe(1);
  });

  it('too small (n=20 of a good stack): hold every time, never a go', () => {
    expect(decisionRates([5, 5, 5, 4], 20, 100).hold).toBe(1);
  });

  it('exactly at the bar (true mean 4.5, n=200): hold, and a wrong call only as often as the 95% interval allows', () => {
    const rates = decisionRates([4, 5], 200, 100);
    expect(rates.hold).toBeGreaterThanOrEqual(0.9);
    expect(rates.go).toBeLessThanOrEqual(0.06);
    expect(rates['no-go']).toBeLessThanOrEqual(0.06);
  });
});

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

describe('decide: the other checks', () => {
  const good = (): RunMetrics => syntheticRun([5, 5, 5, 4], 400, 11);

  it('holds a rate above its limit but within noise, and fails one clearly above', () => {
    const run = good();
    run.candidateCalls = { total: 400, failed: 24, okAfterRetry: 0 }; // 6% [4.1%, 8.8%] against 5%
    const check = decide(run, cost, thresholds).checks.find((c) => c.metric === 'candidate_error_rate')!;
    expect(check).toMatchObject({ outcome: 'hold', value: 0.06, n: 400 });
    expect(check.interval!.lower!).toBeLessThan(0.05);
    expect(check.detail).toMatch(/24 of 400 failed after retries: 6\.0% \[95% CI 4\.\d%, 8\.\d%\] on n=400/);
  });

  it('checks tier floors on the tiers the step serves from the candidate, and skips the others', () => {
    const run = good();
    run.scope = { tiers: ['simple'], queries: 400 };
    run.byTier = [
      { tier: 'simple', queries: 400, candidate: run.candidate, baseline: run.baseline, pairedDifference: run.pairedDifference },
      { tier: 'complex', queries: 20, candidate: bootstrapMean([2, 3, 2, 3]), baseline: bootstrapMean([5, 5, 5, 5]) },
    ];
    const result = decide(run, cost, { ...thresholds, tier_floors: { simple: 4.4, complex: 4.5 } });
    expect(result.checks.find((c) => c.metric === 'quality_simple')!.outcome).toBe('pass');
    expect(result.checks.find((c) => c.metric === 'quality_complex')).toMatchObject({ outcome: 'skip', detail: 'not evaluated: the step sends no complex traffic to the candidate' });
    expect(result.decision).toBe('go');
    run.scope = { tiers: ['simple', 'complex'], queries: 420 };
    expect(decide(run, cost, { ...thresholds, tier_floors: { simple: 4.4, complex: 4.5 } }).checks.find((c) => c.metric === 'quality_complex')!.outcome).toBe('fail');
  });

  it('holds a tier below its minimum sample size', () => {
    const run = good();
    run.byTier = [{ tier: 'complex', queries: 12, candidate: bootstrapMean([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]), baseline: bootstrapMean([5]) }];
    const result = decide(run, cost, { ...thresholds, min_scored_per_tier: { complex: 30 }, tier_floors: { complex: 4.5 } });
    expect(result.checks.find((c) => c.metric === 'scored_answers_complex')).toMatchObject({ outcome: 'hold', value: 12 });
    expect(result.checks.find((c) => c.metric === 'quality_complex')).toMatchObject({ outcome: 'hold' });
    expect(result.decision).toBe('hold');
  });

  it('reads pairwise verdicts when there are some and says "not evaluated" when there are none', () => {
    const run = good();
    run.pairwise = { absent: 'no pairwise judgments for this run' };
    const absent = decide(run, cost, { ...thresholds, min_pairwise_win_or_tie: 0.45 });
    expect(absent.checks.find((c) => c.metric === 'pairwise_win_or_tie')).toMatchObject({ outcome: 'skip', detail: 'not evaluated: no pairwise judgments for this run' });
    expect(absent.decision).toBe('go');
    run.pairwise = { judge: 'pw', n: 300, scored: 300, wins: 60, ties: 90, losses: 150, winOrTie: wilsonInterval(150, 300) };
    const losing = decide(run, cost, { ...thresholds, min_pairwise_win_or_tie: 0.6 });
    expect(losing.checks.find((c) => c.metric === 'pairwise_win_or_tie')).toMatchObject({ outcome: 'fail', value: 0.5, n: 300 });
  });

  it('skips router checks under the oracle policy and measures a router', () => {
    const run = good();
    const router = (policy: string, correct: number, underrouted: number) => ({
      policy,
      labelled: 400,
      correct,
      underrouted,
      overrouted: 400 - correct - underrouted,
      accuracy: wilsonInterval(correct, 400),
      underrouteRate: wilsonInterval(underrouted, 400),
      confusion: [],
      decisionMicros: quantileInterval(policy === 'router' ? Array.from({ length: 400 }, (_, i) => 80 + (i % 50)) : [], 0.95),
    });
    const routed = { ...thresholds, min_router_accuracy: 0.85, max_underroute_rate: 0.05, max_router_p95_us: 2000 };
    run.router = router('oracle', 400, 0);
    expect(decide(run, cost, routed).checks.filter((c) => c.metric.startsWith('router_')).map((c) => c.outcome)).toEqual(['skip', 'skip', 'skip']);
    run.router = router('router', 320, 60);
    const measured = decide(run, cost, routed);
    expect(measured.checks.find((c) => c.metric === 'router_accuracy')).toMatchObject({ outcome: 'fail', value: 0.8 });
    expect(measured.checks.find((c) => c.metric === 'router_underroute_rate')).toMatchObject({ outcome: 'fail', value: 0.15 });
    expect(measured.checks.find((c) => c.metric === 'router_p95_us')!.outcome).toBe('pass');
  });

  it('checks judge-human agreement where ratings exist, and holds on too few', () => {
    const run = good();
    const agreeing = Array.from({ length: 60 }, (_, i) => [1 + (i % 5), 1 + (i % 5)] as const);
    run.humanAgreement = { ratings: 60, raters: 2, agreement: ordinalAgreement(agreeing), matrix: [] };
    expect(decide(run, cost, { ...thresholds, min_judge_human_kappa: 0.6 }).checks.find((c) => c.metric === 'judge_human_kappa')).toMatchObject({ outcome: 'pass', value: 1, n: 60 });
    run.humanAgreement = { ratings: 10, raters: 1, agreement: ordinalAgreement(agreeing.slice(0, 10)), matrix: [] };
    expect(decide(run, cost, { ...thresholds, min_judge_human_kappa: 0.6 }).checks.find((c) => c.metric === 'judge_human_kappa')!.outcome).toBe('hold');
    run.humanAgreement = { absent: 'no human ratings for this run' };
    expect(decide(run, cost, { ...thresholds, min_judge_human_kappa: 0.6 }).checks.find((c) => c.metric === 'judge_human_kappa')!.outcome).toBe('skip');
  });

  it('fails a p95 latency clearly over its limit', () => {
    const run = good();
    run.servedLatency = quantileInterval(Array.from({ length: 500 }, (_, i) => 1000 + i * 20), 0.95);
    expect(decide(run, cost, { ...thresholds, max_p95_latency_ms: 5000 }).checks.find((c) => c.metric === 'served_p95_latency_ms')).toMatchObject({ outcome: 'fail', n: 500 });
    expect(decide(run, cost, { ...thresholds, max_p95_latency_ms: 12000 }).checks.find((c) => c.metric === 'served_p95_latency_ms')!.outcome).toBe('pass');
  });
});
