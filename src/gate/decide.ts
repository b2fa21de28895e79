import type { Tier } from '../core/tier.ts';
import { TIERS } from '../core/tier.ts';
import type { Interval } from './bootstrap.ts';
import { describeBaselineCoverage, type CostProjection } from './cost.ts';
import type { QuantileEstimate } from './intervals.ts';
import { wilsonInterval } from './intervals.ts';
import type { RunMetrics } from './metrics.ts';
import type { Thresholds } from './plan.ts';
import { onpremJudgeCheck, unjudgedChecks } from './judge-coverage.ts';
import { costVersusBaselineCheck, versusToday } from './cost-vs-baseline.ts';

export type Decision = 'go' | 'no-go' | 'hold';

/** pass / fail / hold decide; skip: a threshold is set but its evidence does not exist (not evaluated). */
export type Outcome = 'pass' | 'fail' | 'hold' | 'skip';

/** One check: what was measured, against what, on how many samples, and the outcome. */
export interface Check {
  metric: string;
  outcome: Outcome;
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

export const fmt = (value: number | undefined, digits = 2): string => (value === undefined ? 'unknown' : value.toFixed(digits));
export const pct = (value: number | undefined): string => (value === undefined ? 'unknown' : `${(value * 100).toFixed(1)}%`);
const usd = (value: number | undefined): string => (value === undefined ? 'unknown' : `$${Math.round(value).toLocaleString('en-US')}`);

/**
 * How an interval meets a bar. "bound": the whole interval must clear the bar to pass (the plan's
 * lower_bound). "point": the point estimate decides a pass. Either way a fail needs the whole
 * interval on the wrong side (evidence), and anything between is a hold (more samples needed).
 */
type Rule = 'bound' | 'point';

function judge(side: 'min' | 'max', bar: number, value: number | undefined, lower: number | undefined, upper: number | undefined, rule: Rule): 'pass' | 'fail' | 'hold' {
  if (value === undefined) return 'hold';
  if (side === 'min') {
    const passing = rule === 'bound' ? lower : value;
    if (passing !== undefined && passing >= bar) return 'pass';
    return upper !== undefined && upper < bar ? 'fail' : 'hold';
  }
  const passing = rule === 'bound' ? upper : value;
  if (passing !== undefined && passing <= bar) return 'pass';
  return lower !== undefined && lower > bar ? 'fail' : 'hold';
}

/**
 * go: every check passed. no-go: a check failed with evidence. hold: nothing failed, but a check
 * could not be decided (too few samples, an interval straddling its bar, a figure unknown).
 * Checks whose evidence does not exist (no human ratings, no pairwise verdicts) are skipped.
 */
export function decide(metrics: RunMetrics, cost: CostProjection, thresholds: Thresholds): GateResult {
  const checks: Check[] = [];
  const scopeTiers = metrics.scope?.tiers ?? [...TIERS];
  const qualityRule: Rule = thresholds.quality_statistic === 'mean' ? 'point' : 'bound';
  const enough = metrics.candidate.n >= thresholds.min_scored;
  checks.push({
    metric: 'scored_candidate_answers',
    outcome: enough ? 'pass' : 'hold',
    value: metrics.candidate.n,
    interval: undefined,
    threshold: `>= ${thresholds.min_scored}`,
    n: metrics.candidate.n,
    detail: `${metrics.candidate.n} scored candidate answers on ${scopeTiers.join('/')} (${metrics.judged.unscored} unscored, ${metrics.judged.errored} judge errors${metrics.judged.unjudged ? `, ${metrics.judged.unjudged} answers not judged` : ''}, counted apart)`,
  });

  const perTierMinimum = (tier: Tier): number | undefined =>
    typeof thresholds.min_scored_per_tier === 'number' ? thresholds.min_scored_per_tier : thresholds.min_scored_per_tier?.[tier];
  const tierEnough = new Map<Tier, boolean>();
  for (const tier of scopeTiers) {
    const minimum = perTierMinimum(tier);
    const quality = metrics.byTier.find((row) => row.tier === tier);
    const n = quality?.candidate.n ?? 0;
    tierEnough.set(tier, minimum === undefined || n >= minimum);
    if (minimum === undefined) continue;
    checks.push({
      metric: `scored_answers_${tier}`,
      outcome: n >= minimum ? 'pass' : 'hold',
      value: n,
      interval: undefined,
      threshold: `>= ${minimum}`,
      n,
      detail: `${n} scored candidate answers on the ${tier} tier (of ${quality?.queries ?? 0} queries)`,
    });
  }

  if (thresholds.min_quality !== undefined) {
    checks.push(intervalCheck('candidate_quality', metrics.candidate, thresholds.min_quality, qualityRule, enough));
  }
  if (thresholds.max_quality_drop !== undefined) {
    checks.push(intervalCheck('quality_vs_baseline', metrics.pairedDifference, -thresholds.max_quality_drop, 'bound', enough));
  }
  for (const tier of TIERS) {
    const floor = thresholds.tier_floors?.[tier];
    const drop = thresholds.tier_max_quality_drop?.[tier];
    if (floor === undefined && drop === undefined) continue;
    const quality = metrics.byTier.find((row) => row.tier === tier);
    if (!scopeTiers.includes(tier) || quality === undefined) {
      for (const [metric, bar] of [[`quality_${tier}`, floor], [`quality_vs_baseline_${tier}`, drop]] as const) {
        if (bar !== undefined) checks.push(skip(metric, `the step sends no ${tier} traffic to the candidate`));
      }
      continue;
    }
    const tierReady = tierEnough.get(tier) !== false;
    if (floor !== undefined) checks.push(intervalCheck(`quality_${tier}`, quality.candidate, floor, qualityRule, tierReady));
    if (drop !== undefined) {
      const difference = quality.pairedDifference ?? { n: 0, mean: undefined, lower: undefined, upper: undefined };
      checks.push(intervalCheck(`quality_vs_baseline_${tier}`, difference, -drop, 'bound', tierReady));
    }
  }

  if (thresholds.min_pairwise_win_or_tie !== undefined) checks.push(pairwiseCheck(metrics, thresholds.min_pairwise_win_or_tie, qualityRule));

  const candidateCalls = metrics.candidateCalls.total;
  if (thresholds.max_error_rate !== undefined) {
    checks.push(rateCheck('candidate_error_rate', metrics.candidateCalls.failed, candidateCalls, 'max', thresholds.max_error_rate, 'failed after retries'));
  }
  if (thresholds.max_fallback_rate !== undefined) {
    checks.push(rateCheck('fallback_rate', metrics.fallbacks, metrics.scope?.queries ?? metrics.queries, 'max', thresholds.max_fallback_rate, 'served by the fallback'));
  }
  if (thresholds.max_unscored_rate !== undefined) {
    const judged = metrics.judged.scored + metrics.judged.unscored + metrics.judged.errored;
    checks.push(rateCheck('unscored_rate', metrics.judged.unscored + metrics.judged.errored, judged, 'max', thresholds.max_unscored_rate, 'unscored or judge errors'));
  }
  if (thresholds.max_p95_latency_ms !== undefined) {
    checks.push(quantileCheck('served_p95_latency_ms', metrics.servedLatency, thresholds.max_p95_latency_ms, 'ms', 'served answers'));
  }
  routerChecks(metrics, thresholds, checks);
  if (thresholds.min_judge_human_kappa !== undefined) checks.push(agreementCheck(metrics, thresholds.min_judge_human_kappa, thresholds.min_human_ratings ?? 30));
  checks.push(...unjudgedChecks(metrics, thresholds), ...onpremJudgeCheck(metrics, thresholds));

  const volumeNote = cost.monthlyQueries === undefined ? 'monthly volume unknown' : `${cost.monthlyQueries.toLocaleString('en-US')} queries/month`;
  if (thresholds.max_monthly_cost_usd !== undefined) {
    const value = cost.routedMonthlyUsd;
    checks.push({
      metric: 'projected_monthly_cost_usd',
      outcome: value === undefined ? 'hold' : value <= thresholds.max_monthly_cost_usd ? 'pass' : 'fail',
      value,
      interval: undefined,
      threshold: `<= ${thresholds.max_monthly_cost_usd}`,
      n: cost.costCoverage.known,
      detail: `${usd(value)} at ${volumeNote} (on-prem fixed ${usd(cost.fixedMonthlyUsd)} and fallback ${usd(cost.fallbackMonthlyUsd)} included; ${versusToday(cost)}) from ${cost.costCoverage.known} costed calls`,
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
          ? `baseline or step cost unknown (${cost.monthlyQueries === undefined ? 'no monthly volume' : 'logged answers carry no usage, or no call reported usage'})`
          : `${usd(cost.routedMonthlyUsd)} vs all-baseline ${usd(cost.baselineMonthlyUsd)}: ${pct(value)} saved, from ${cost.costCoverage.known} costed calls; all-baseline: ${describeBaselineCoverage(cost.baselineCoverage)}`,
    });
  }
  checks.push(...costVersusBaselineCheck(cost, thresholds));
  return { decision: decisionOf(checks), checks };
}

export function decisionOf(checks: readonly Check[]): Decision {
  return checks.some((check) => check.outcome === 'fail') ? 'no-go' : checks.some((check) => check.outcome === 'hold') ? 'hold' : 'go';
}

export function skip(metric: string, why: string, threshold = 'n/a'): Check {
  return { metric, outcome: 'skip', value: undefined, interval: undefined, threshold, n: 0, detail: `not evaluated: ${why}` };
}

export function describeInterval(interval: Interval, digits = 2): string {
  return `mean ${fmt(interval.mean, digits)} [95% CI ${fmt(interval.lower, digits)}, ${fmt(interval.upper, digits)}] on n=${interval.n}`;
}

function intervalCheck(metric: string, interval: Interval, minimum: number, rule: Rule, enough: boolean): Check {
  const base = {
    metric,
    value: interval.mean,
    interval: { lower: interval.lower, upper: interval.upper },
    threshold: `${rule === 'point' ? 'mean' : '95% lower bound'} >= ${minimum}`,
    n: interval.n,
  };
  const described = describeInterval(interval);
  if (interval.mean === undefined || !enough) return { ...base, outcome: 'hold', detail: `${described}: too few samples to decide` };
  const outcome = judge('min', minimum, interval.mean, interval.lower, interval.upper, rule);
  if (outcome === 'pass') return { ...base, outcome, detail: described };
  // The whole interval below the bar is evidence of failure; an interval straddling it is not yet.
  if (outcome === 'hold') return { ...base, outcome, detail: `${described}: interval straddles ${minimum}; more samples needed` };
  return { ...base, outcome, detail: `${described}: below ${minimum}` };
}

function rateCheck(metric: string, count: number, total: number, side: 'min' | 'max', bar: number, what: string): Check {
  const interval = wilsonInterval(count, total);
  const outcome = judge(side, bar, interval.mean, interval.lower, interval.upper, 'point');
  return {
    metric,
    outcome,
    value: interval.mean,
    interval: { lower: interval.lower, upper: interval.upper },
    threshold: `${side === 'max' ? '<=' : '>='} ${pct(bar)}`,
    n: total,
    detail: `${count} of ${total} ${what}: ${pct(interval.mean)} [95% CI ${pct(interval.lower)}, ${pct(interval.upper)}] on n=${total}${outcome === 'hold' && total > 0 ? `; within noise of ${pct(bar)}, more samples needed` : ''}`,
  };
}

function quantileCheck(metric: string, estimate: QuantileEstimate | undefined, maximum: number, unit: string, what: string): Check {
  if (estimate === undefined || estimate.n === 0) {
    return { metric, outcome: 'hold', value: undefined, interval: undefined, threshold: `<= ${maximum} ${unit}`, n: 0, detail: `no ${what} with a known latency` };
  }
  const outcome = judge('max', maximum, estimate.value, estimate.lower, estimate.upper, 'point');
  const digits = unit === 'ms' ? 0 : 1;
  return {
    metric,
    outcome,
    value: estimate.value,
    interval: { lower: estimate.lower, upper: estimate.upper },
    threshold: `<= ${maximum} ${unit}`,
    n: estimate.n,
    detail: `p95 ${fmt(estimate.value, digits)} ${unit} [95% CI ${fmt(estimate.lower, digits)}, ${fmt(estimate.upper, digits)}] on n=${estimate.n} ${what}`,
  };
}

function pairwiseCheck(metrics: RunMetrics, minimum: number, rule: Rule): Check {
  const pairwise = metrics.pairwise;
  const threshold = `${rule === 'point' ? 'rate' : '95% lower bound'} >= ${pct(minimum)}`;
  if (pairwise === undefined) return skip('pairwise_win_or_tie', 'pairwise verdicts were not read', threshold);
  if ('absent' in pairwise) return skip('pairwise_win_or_tie', pairwise.absent, threshold);
  const interval = pairwise.winOrTie;
  const outcome = judge('min', minimum, interval.mean, interval.lower, interval.upper, rule);
  return {
    metric: 'pairwise_win_or_tie',
    outcome,
    value: interval.mean,
    interval: { lower: interval.lower, upper: interval.upper },
    threshold,
    n: pairwise.scored,
    detail: `${pct(interval.mean)} [95% CI ${pct(interval.lower)}, ${pct(interval.upper)}] on n=${pairwise.scored} scored comparisons (${pairwise.wins} wins, ${pairwise.ties} ties, ${pairwise.losses} losses; judge ${pairwise.judge})`,
  };
}

function routerChecks(metrics: RunMetrics, thresholds: Thresholds, checks: Check[]): void {
  const router = metrics.router;
  const wantsQuality = thresholds.min_router_accuracy !== undefined || thresholds.max_underroute_rate !== undefined;
  const why =
    router === undefined
      ? 'routing was not read'
      : router.policy === 'oracle'
        ? 'routing policy is oracle: the routes are the human labels, there is no router to measure'
        : router.labelled === 0
          ? 'no query of the run has a human tier label'
          : undefined;
  if (wantsQuality && (why !== undefined || router === undefined)) {
    if (thresholds.min_router_accuracy !== undefined) checks.push(skip('router_accuracy', why ?? '', `>= ${pct(thresholds.min_router_accuracy)}`));
    if (thresholds.max_underroute_rate !== undefined) checks.push(skip('router_underroute_rate', why ?? '', `<= ${pct(thresholds.max_underroute_rate)}`));
  } else if (router !== undefined) {
    if (thresholds.min_router_accuracy !== undefined) {
      checks.push(rateCheck('router_accuracy', router.correct, router.labelled, 'min', thresholds.min_router_accuracy, 'labelled queries routed to their label'));
    }
    if (thresholds.max_underroute_rate !== undefined) {
      checks.push(rateCheck('router_underroute_rate', router.underrouted, router.labelled, 'max', thresholds.max_underroute_rate, 'labelled queries routed to a cheaper tier'));
    }
  }
  if (thresholds.max_router_p95_us !== undefined) {
    if (router?.latencyNotComparable !== undefined) {
      checks.push(skip('router_p95_us', router.latencyNotComparable, `<= ${thresholds.max_router_p95_us} us`));
    } else if (router === undefined || router.decisionMicros.n === 0) {
      checks.push(skip('router_p95_us', `routing policy ${router?.policy ?? 'unknown'} records no decision time`, `<= ${thresholds.max_router_p95_us} us`));
    } else {
      checks.push(quantileCheck('router_p95_us', router.decisionMicros, thresholds.max_router_p95_us, 'us', 'routing decisions'));
    }
  }
}

function agreementCheck(metrics: RunMetrics, minimum: number, minimumRatings: number): Check {
  const human = metrics.humanAgreement;
  const threshold = `weighted kappa >= ${minimum}`;
  if (human === undefined) return skip('judge_human_kappa', 'human ratings were not read', threshold);
  if ('absent' in human) return skip('judge_human_kappa', human.absent, threshold);
  const { agreement } = human;
  const base = { metric: 'judge_human_kappa', value: agreement.weightedKappa, interval: undefined, threshold, n: agreement.n };
  const described = `quadratic-weighted kappa ${fmt(agreement.weightedKappa)} on n=${agreement.n} rated answers the judge scored (exact ${pct(agreement.exact)}, within one point ${pct(agreement.withinOne)}; ${human.raters} rater${human.raters === 1 ? '' : 's'})`;
  if (agreement.n < minimumRatings) return { ...base, outcome: 'hold', detail: `${described}: fewer than ${minimumRatings} ratings` };
  if (agreement.weightedKappa === undefined) return { ...base, outcome: 'hold', detail: `${described}: no variation to measure agreement on` };
  return { ...base, outcome: agreement.weightedKappa >= minimum ? 'pass' : 'fail', detail: described };
}
