import type { Interval } from './bootstrap.ts';
import type { CostProjection } from './cost.ts';
import type { RunMetrics } from './metrics.ts';
import type { Thresholds } from './plan.ts';

export type Decision = 'go' | 'no-go' | 'hold';

/** One check: what was measured, against what, on how many samples, and the outcome. */
export interface Check {
  metric: string;
  outcome: 'pass' | 'fail' | 'hold';
  value: number | undefined;
  interval: { lower: number | undefined; upper: number | undefined } | undefined;
  threshold: string;
  n: number;
  detail: string;
}

export interface GateResult {
  decision: Decision;
  checks: Check[];
}

const fmt = (value: number | undefined, digits = 2): string => (value === undefined ? 'unknown' : value.toFixed(digits));
const pct = (value: number | undefined): string => (value === undefined ? 'unknown' : `${(value * 100).toFixed(1)}%`);

/**
 * go: every check passed. no-go: a check failed with evidence. hold: nothing failed, but a check
 * could not be decided (too few samples, or a figure unknown).
 */
export function decide(metrics: RunMetrics, cost: CostProjection, thresholds: Thresholds): GateResult {
  const checks: Check[] = [];
  const enough = metrics.candidate.n >= thresholds.min_scored;
  checks.push({
    metric: 'scored_candidate_answers',
    outcome: enough ? 'pass' : 'hold',
    value: metrics.candidate.n,
    interval: undefined,
    threshold: `>= ${thresholds.min_scored}`,
    n: metrics.candidate.n,
    detail: `${metrics.candidate.n} scored candidate answers (${metrics.judged.unscored} unscored, ${metrics.judged.errored} judge errors, counted apart)`,
  });

  if (thresholds.min_quality !== undefined) {
    checks.push(intervalCheck('candidate_quality', metrics.candidate, thresholds.min_quality, thresholds.quality_statistic, enough));
  }
  if (thresholds.max_quality_drop !== undefined) {
    checks.push(intervalCheck('quality_vs_baseline', metrics.pairedDifference, -thresholds.max_quality_drop, 'lower_bound', enough));
  }
  const candidateCalls = metrics.candidateCalls.total;
  if (thresholds.max_error_rate !== undefined) {
    checks.push(rateCheck('candidate_error_rate', metrics.candidateCalls.failed, candidateCalls, thresholds.max_error_rate));
  }
  if (thresholds.max_fallback_rate !== undefined) {
    checks.push(rateCheck('fallback_rate', metrics.fallbacks, metrics.queries, thresholds.max_fallback_rate));
  }
  if (thresholds.max_unscored_rate !== undefined) {
    const judged = metrics.judged.scored + metrics.judged.unscored + metrics.judged.errored;
    checks.push(rateCheck('unscored_rate', metrics.judged.unscored + metrics.judged.errored, judged, thresholds.max_unscored_rate));
  }
  if (thresholds.max_monthly_cost_usd !== undefined) {
    const value = cost.routedMonthlyUsd;
    checks.push({
      metric: 'projected_monthly_cost_usd',
      outcome: value === undefined ? 'hold' : value <= thresholds.max_monthly_cost_usd ? 'pass' : 'fail',
      value,
      interval: undefined,
      threshold: `<= ${thresholds.max_monthly_cost_usd}`,
      n: cost.costCoverage.known,
      detail: `routed mix at ${cost.monthlyQueries} queries/month: $${fmt(value, 0)} (fixed on-prem $${fmt(cost.fixedMonthlyUsd, 0)} included)`,
    });
  }
  if (thresholds.min_cost_reduction !== undefined) {
    const value = cost.reduction;
    checks.push({
      metric: 'cost_reduction_vs_baseline',
      outcome: value === undefined ? 'hold' : value >= thresholds.min_cost_reduction ? 'pass' : 'fail',
      value,
      interval: undefined,
      threshold: `>= ${pct(thresholds.min_cost_reduction)}`,
      n: cost.costCoverage.known,
      detail:
        value === undefined
          ? 'baseline or routed cost unknown (logged answers carry no usage, or no call reported usage)'
          : `$${fmt(cost.routedMonthlyUsd, 0)} vs all-baseline $${fmt(cost.baselineMonthlyUsd, 0)}: ${pct(value)} saved`,
    });
  }
  const decision: Decision = checks.some((check) => check.outcome === 'fail')
    ? 'no-go'
    : checks.some((check) => check.outcome === 'hold')
      ? 'hold'
      : 'go';
  return { decision, checks };
}

function intervalCheck(metric: string, interval: Interval, minimum: number, statistic: 'lower_bound' | 'mean', enough: boolean): Check {
  const value = statistic === 'mean' ? interval.mean : interval.lower;
  const base = {
    metric,
    value: interval.mean,
    interval: { lower: interval.lower, upper: interval.upper },
    threshold: `${statistic === 'mean' ? 'mean' : '95% lower bound'} >= ${minimum}`,
    n: interval.n,
  };
  const described = `mean ${fmt(interval.mean)} [95% CI ${fmt(interval.lower)}, ${fmt(interval.upper)}] on n=${interval.n}`;
  if (value === undefined || !enough) return { ...base, outcome: 'hold', detail: `${described}: too few samples to decide` };
  if (value >= minimum) return { ...base, outcome: 'pass', detail: described };
  // The whole interval below the bar is evidence of failure; an interval straddling it is not yet.
  const clearlyBelow = interval.upper !== undefined && interval.upper < minimum;
  if (statistic === 'lower_bound' && !clearlyBelow) {
    return { ...base, outcome: 'hold', detail: `${described}: interval straddles ${minimum}; more samples needed` };
  }
  return { ...base, outcome: 'fail', detail: `${described}: below ${minimum}` };
}

function rateCheck(metric: string, count: number, total: number, maximum: number): Check {
  const value = total === 0 ? undefined : count / total;
  return {
    metric,
    outcome: value === undefined ? 'hold' : value <= maximum ? 'pass' : 'fail',
    value,
    interval: undefined,
    threshold: `<= ${pct(maximum)}`,
    n: total,
    detail: `${count} of ${total} (${pct(value)})`,
  };
}
