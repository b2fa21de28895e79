import { TIERS, type Tier } from '../core/tier.ts';
import { bootstrapMean, type Interval } from './bootstrap.ts';
import type { CascadeEvidence, ServedSummary } from './cascade-evidence.ts';
import type { CostProjection } from './cost.ts';
import { decisionOf, describeInterval, pct, type Check, type GateResult } from './decide.ts';
import type { GateStep } from './plan.ts';

/** Checks of the plain run that the cascade's own replace: quality, cost and latency of what is served. */
const REPLACED = /^(candidate_quality|quality_vs_baseline|quality_(simple|medium|complex)|quality_vs_baseline_(simple|medium|complex)|projected_monthly_cost_usd|cost_reduction_vs_baseline|served_p95_latency_ms)$/;

/**
 * A step that serves through the cascade is decided on what the cascade would serve: quality
 * (95% BCa interval, as the plain checks), the paired drop against the baseline, tier floors, the
 * monthly bill with the validator and escalation calls added, the served p95; and it states the
 * escalation rate and the p95 latency the cascade adds (checked when the step sets a maximum).
 */
export function applyCascadeChecks(result: GateResult, step: GateStep, cost: CostProjection, tierQueries: Partial<Record<Tier, number>>, evidence: CascadeEvidence | undefined, seed = 12345): void {
  if (step.cascade === undefined) return;
  const kept = result.checks.filter((check) => !REPLACED.test(check.metric));
  const checks: Check[] = [];
  if (evidence === undefined || !evidence.available) {
    checks.push(hold('cascade_evidence', evidence?.why ?? 'no cascade evidence was read', `validator verdicts at threshold ${step.cascade.threshold}`));
  } else {
    checks.push(...cascadeChecks(step, cost, tierQueries, evidence, seed));
  }
  result.checks = [...kept, ...checks];
  result.decision = decisionOf(result.checks);
}

function cascadeChecks(step: GateStep, cost: CostProjection, tierQueries: Partial<Record<Tier, number>>, evidence: Extract<CascadeEvidence, { available: true }>, seed: number): Check[] {
  const { served, threshold, validator } = evidence;
  const thresholds = step.thresholds;
  const rule = thresholds.quality_statistic === 'mean' ? 'point' : 'bound';
  const label = `cascade (${validator} at t=${threshold})`;
  const checks: Check[] = [];
  const n = served.queries;
  const enough = served.scores.length >= thresholds.min_scored;
  if (thresholds.min_quality !== undefined) {
    checks.push(intervalCheck('cascade_quality', bootstrapMean(served.scores, { seed }), thresholds.min_quality, rule, enough, `${label} serves`));
  }
  if (thresholds.max_quality_drop !== undefined) {
    // Paired: the per-query differences are resampled, as the plain gate's quality_vs_baseline is.
    const difference = bootstrapMean(served.differences, { seed });
    checks.push(intervalCheck('cascade_quality_vs_baseline', difference, -thresholds.max_quality_drop, 'bound', enough, `${label} minus the baseline, paired`));
  }
  for (const tier of TIERS) {
    const floor = thresholds.tier_floors?.[tier];
    const tierScores = served.tierScores[tier];
    if (floor === undefined || tierScores === undefined) continue;
    checks.push(intervalCheck(`cascade_quality_${tier}`, bootstrapMean(tierScores, { seed }), floor, rule, tierScores.length >= (typeof thresholds.min_scored_per_tier === 'number' ? thresholds.min_scored_per_tier : (thresholds.min_scored_per_tier?.[tier] ?? 1)), `${label} on ${tier}`));
  }

  // Escalation: each escalated query pays candidate + validator + baseline, in a row.
  const { escalated, validated } = served;
  const maxEscalation = step.cascade!.max_escalation_rate;
  const rate = n === 0 ? undefined : escalated / n;
  checks.push({
    metric: 'cascade_escalation_rate',
    outcome: maxEscalation === undefined ? 'pass' : rate === undefined ? 'hold' : rate <= maxEscalation ? 'pass' : 'fail',
    value: rate,
    interval: undefined,
    threshold: maxEscalation === undefined ? 'stated' : `<= ${pct(maxEscalation)}`,
    n,
    detail: `${escalated} of ${n} queries in scope escalated (${pct(rate)}; ${validated} validated, the rest not on a cascade tier or not answered by the candidate)`,
  });

  const latency = served.latencyP95;
  const routed = served.routedLatencyP95;
  const added = latency.value === undefined || routed.value === undefined ? undefined : latency.value - routed.value;
  const maxAdded = step.cascade!.max_added_p95_latency_ms;
  checks.push({
    metric: 'cascade_added_p95_latency_ms',
    outcome: maxAdded === undefined ? 'pass' : added === undefined ? 'hold' : added <= maxAdded ? 'pass' : 'fail',
    value: added,
    interval: undefined,
    threshold: maxAdded === undefined ? 'stated' : `<= ${maxAdded}`,
    n: latency.n,
    detail: `served p95 ${fmtMs(latency.value)} with the cascade vs ${fmtMs(routed.value)} routing alone (validator, and for escalations the baseline, wait in a row)`,
  });
  if (thresholds.max_p95_latency_ms !== undefined) {
    const bar = thresholds.max_p95_latency_ms;
    const outcome = latency.value === undefined ? 'hold' : latency.value <= bar ? 'pass' : latency.lower !== undefined && latency.lower > bar ? 'fail' : 'hold';
    checks.push({ metric: 'cascade_p95_latency_ms', outcome, value: latency.value, interval: { lower: latency.lower, upper: latency.upper }, threshold: `<= ${bar}`, n: latency.n, detail: `p95 ${fmtMs(latency.value)} [95% CI ${fmtMs(latency.lower)}, ${fmtMs(latency.upper)}] of what ${label} serves` });
  }

  // Monthly bill: the step's projection plus what the validator and the escalations add on the tiers it serves from the candidate.
  const extra = extraMonthly(step, cost, tierQueries, served);
  const monthly = cost.routedMonthlyUsd === undefined || extra === undefined ? undefined : cost.routedMonthlyUsd + extra;
  const costDetail = `${usd(monthly)} = the step's ${usd(cost.routedMonthlyUsd)} + ${usd(extra)} of validator and escalation calls`;
  if (thresholds.max_monthly_cost_usd !== undefined) {
    const bar = thresholds.max_monthly_cost_usd;
    checks.push({ metric: 'cascade_monthly_cost_usd', outcome: monthly === undefined ? 'hold' : monthly <= bar ? 'pass' : 'fail', value: monthly, interval: undefined, threshold: `<= ${bar}`, n, detail: costDetail });
  }
  if (thresholds.min_cost_reduction !== undefined) {
    const bar = thresholds.min_cost_reduction;
    const reduction = monthly === undefined || cost.baselineMonthlyUsd === undefined || cost.baselineMonthlyUsd === 0 ? undefined : 1 - monthly / cost.baselineMonthlyUsd;
    checks.push({
      metric: 'cascade_cost_reduction_vs_baseline',
      outcome: reduction === undefined ? 'hold' : reduction >= bar ? 'pass' : 'fail',
      value: reduction,
      interval: undefined,
      threshold: `>= ${pct(bar)}`,
      n,
      detail: `${costDetail} vs all-baseline ${usd(cost.baselineMonthlyUsd)}: ${pct(reduction)} saved`,
    });
  }
  return checks;
}

/** Monthly volume x per tier: share of traffic x the step's candidate share x (cascade - routed) cost per query. undefined when a figure is unknown. */
function extraMonthly(step: GateStep, cost: CostProjection, tierQueries: Partial<Record<Tier, number>>, served: ServedSummary): number | undefined {
  if (cost.monthlyQueries === undefined) return undefined;
  const total = TIERS.reduce((sum, tier) => sum + (tierQueries[tier] ?? 0), 0);
  if (total === 0) return undefined;
  let extra = 0;
  for (const tier of TIERS) {
    const added = served.addedCost[tier];
    if (added === undefined) continue;
    if (added.known === 0) return undefined;
    const perQuery = added.sumNanoUsd / 1e9 / added.known;
    const share = candidateShare(step, tier);
    extra += cost.monthlyQueries * ((tierQueries[tier] ?? 0) / total) * share * perQuery;
  }
  return extra;
}

function candidateShare(step: GateStep, tier: Tier): number {
  if (step.shares === undefined) return 1;
  return Object.entries(step.shares[tier]).reduce((sum, [name, share]) => (name === 'baseline' ? sum : sum + share), 0);
}

function intervalCheck(metric: string, interval: Interval, minimum: number, rule: 'bound' | 'point', enough: boolean, what: string): Check {
  const base = { metric, value: interval.mean, interval: { lower: interval.lower, upper: interval.upper }, threshold: `${rule === 'point' ? 'mean' : '95% lower bound'} >= ${minimum}`, n: interval.n };
  const described = `${what}: ${describeInterval(interval)}`;
  if (interval.mean === undefined || !enough) return { ...base, outcome: 'hold', detail: `${described}: too few samples to decide` };
  const passing = rule === 'bound' ? interval.lower : interval.mean;
  if (passing !== undefined && passing >= minimum) return { ...base, outcome: 'pass', detail: described };
  if (interval.upper !== undefined && interval.upper < minimum) return { ...base, outcome: 'fail', detail: `${described}: below ${minimum}` };
  return { ...base, outcome: 'hold', detail: `${described}: interval straddles ${minimum}; more samples needed` };
}

function hold(metric: string, why: string, threshold: string): Check {
  return { metric, outcome: 'hold', value: undefined, interval: undefined, threshold, n: 0, detail: why };
}

const fmtMs = (value: number | undefined): string => (value === undefined ? 'unknown' : `${Math.round(value)} ms`);
const usd = (value: number | undefined): string => (value === undefined ? 'unknown' : `$${Math.round(value).toLocaleString('en-US')}`);
