import type { Config } from '../config/schema.ts';
import { TIERS, type Tier } from '../core/tier.ts';
import { SERVED_AT_SQL } from '../cascade/curve-sql.ts';
import { bootstrapMean, bootstrapMeanDifference, type Interval } from './bootstrap.ts';
import type { CostProjection } from './cost.ts';
import { decisionOf, describeInterval, pct, type Check, type GateResult } from './decide.ts';
import { quantileInterval } from './intervals.ts';
import type { GateStore } from './metrics.ts';
import type { GatePlan, GateStep } from './plan.ts';

/** What the cascade would serve on a step's scope, per query (SERVED_AT_SQL), or why there is nothing. */
export type CascadeEvidence =
  | { available: true; validator: string; threshold: number; rows: ServedRows }
  | { available: false; why: string };

interface ServedRows {
  tier: Array<string | null>;
  validated: boolean[];
  escalated: Array<boolean | null>;
  score: Array<number | null>;
  baseline_score: Array<number | null>;
  cost: Array<number | null>;
  routed_cost: Array<number | null>;
  latency: Array<number | null>;
  routed_latency: Array<number | null>;
  [column: string]: unknown[];
}

/** Reads, for every step that names a cascade, what the cascade would serve on the step's tiers. */
export async function loadCascadeEvidence(
  store: GateStore,
  runId: string,
  plan: GatePlan,
  config: Config,
  scopeOf: (step: GateStep) => Tier[],
): Promise<Map<string, CascadeEvidence>> {
  const evidence = new Map<string, CascadeEvidence>();
  for (const step of plan.steps) {
    if (step.cascade === undefined) continue;
    evidence.set(step.name, await evidenceFor(store, runId, step, config, scopeOf(step)));
  }
  return evidence;
}

async function evidenceFor(store: GateStore, runId: string, step: GateStep, config: Config, tiers: Tier[]): Promise<CascadeEvidence> {
  const cascade = step.cascade!;
  const validators = await store.all<{ name: string; escalate_to: string }>('SELECT DISTINCT validator_name AS name, escalate_to FROM validations WHERE run_id = ? ORDER BY name', [runId]);
  const names = [...new Set(validators.map((row) => row.name))];
  const validator = cascade.validator ?? (names.length === 1 ? names[0] : undefined);
  if (validator === undefined || !names.includes(validator)) {
    return {
      available: false,
      why:
        names.length === 0
          ? 'the run has no validations: configure cascade and replay, or run hybrid-eval validate --run'
          : cascade.validator === undefined
            ? `the run has validations by ${names.join(', ')}: name one in the step's cascade.validator`
            : `the run has no validations by ${cascade.validator} (validators: ${names.join(', ')})`,
    };
  }
  const elsewhere = validators.find((row) => row.name === validator && row.escalate_to !== config.baseline);
  if (elsewhere !== undefined) return { available: false, why: `${validator} escalates to ${elsewhere.escalate_to}; a shadow run holds only the baseline's (${config.baseline}) answers to serve instead` };
  const rows = await store.columns<ServedRows>(SERVED_AT_SQL, [runId, validator, cascade.threshold, tiers.join(',')]);
  return { available: true, validator, threshold: cascade.threshold, rows };
}

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
  const { rows, threshold, validator } = evidence;
  const thresholds = step.thresholds;
  const rule = thresholds.quality_statistic === 'mean' ? 'point' : 'bound';
  const label = `cascade (${validator} at t=${threshold})`;
  const checks: Check[] = [];
  const n = rows.score.length;
  const scores = (filter: (index: number) => boolean): number[] => rows.score.flatMap((score, index) => (score !== null && filter(index) ? [Number(score)] : []));

  const served = scores(() => true);
  const enough = served.length >= thresholds.min_scored;
  if (thresholds.min_quality !== undefined) {
    checks.push(intervalCheck('cascade_quality', bootstrapMean(served, { seed }), thresholds.min_quality, rule, enough, `${label} serves`));
  }
  if (thresholds.max_quality_drop !== undefined) {
    const paired = rows.score.flatMap((score, index) => (score !== null && rows.baseline_score[index] !== null ? [index] : []));
    const difference = bootstrapMeanDifference(paired.map((index) => Number(rows.score[index])), paired.map((index) => Number(rows.baseline_score[index])), { seed });
    checks.push(intervalCheck('cascade_quality_vs_baseline', difference, -thresholds.max_quality_drop, 'bound', enough, `${label} minus the baseline, paired`));
  }
  for (const tier of TIERS) {
    const floor = thresholds.tier_floors?.[tier];
    if (floor === undefined || !rows.tier.includes(tier)) continue;
    const tierScores = scores((index) => rows.tier[index] === tier);
    checks.push(intervalCheck(`cascade_quality_${tier}`, bootstrapMean(tierScores, { seed }), floor, rule, tierScores.length >= (typeof thresholds.min_scored_per_tier === 'number' ? thresholds.min_scored_per_tier : (thresholds.min_scored_per_tier?.[tier] ?? 1)), `${label} on ${tier}`));
  }

  // Escalation: each escalated query pays candidate + validator + baseline, in a row.
  const escalated = rows.escalated.filter((value) => value === true).length;
  const validated = rows.validated.filter(Boolean).length;
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

  const latency = quantileInterval(numbers(rows.latency), 0.95);
  const routed = quantileInterval(numbers(rows.routed_latency), 0.95);
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
  const extra = extraMonthly(step, cost, tierQueries, rows);
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
function extraMonthly(step: GateStep, cost: CostProjection, tierQueries: Partial<Record<Tier, number>>, rows: ServedRows): number | undefined {
  if (cost.monthlyQueries === undefined) return undefined;
  const total = TIERS.reduce((sum, tier) => sum + (tierQueries[tier] ?? 0), 0);
  if (total === 0) return undefined;
  let extra = 0;
  for (const tier of TIERS) {
    const indices = rows.tier.flatMap((value, index) => (value === tier ? [index] : []));
    if (indices.length === 0) continue;
    const known = indices.filter((index) => rows.cost[index] !== null && rows.routed_cost[index] !== null);
    if (known.length === 0) return undefined;
    const perQuery = known.reduce((sum, index) => sum + Number(rows.cost[index]) - Number(rows.routed_cost[index]), 0) / known.length;
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

function numbers(values: ReadonlyArray<number | null>): number[] {
  return values.flatMap((value) => (value === null ? [] : [Number(value)]));
}

const fmtMs = (value: number | undefined): string => (value === undefined ? 'unknown' : `${Math.round(value)} ms`);
const usd = (value: number | undefined): string => (value === undefined ? 'unknown' : `$${Math.round(value).toLocaleString('en-US')}`);
