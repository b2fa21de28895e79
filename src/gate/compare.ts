import type { Tier } from '../core/tier.ts';
import { TIERS } from '../core/tier.ts';
import { bootstrapMean, bootstrapMeanDifference, type Interval } from './bootstrap.ts';
import type { CostProjection } from './cost.ts';
import { decisionOf, describeInterval, fmt, pct, skip, type Check, type Decision } from './decide.ts';
import { quantileInterval, wilcoxonSignedRank, wilsonInterval, type QuantileEstimate } from './intervals.ts';
import type { QueryFacts, RunData } from './metrics.ts';
import type { RegressionThresholds } from './plan.ts';

export interface QualityComparison {
  tier: Tier | 'all';
  /** paired: the same queries in both runs; unpaired: different queries, compared as two samples. */
  method: 'paired' | 'unpaired' | 'none';
  current: Interval;
  previous: Interval;
  /** Current minus previous. */
  difference: Interval;
  /** Wilcoxon signed-rank p-value of the paired differences (undefined when unpaired or too few). */
  pValue: number | undefined;
}

export interface Comparison {
  againstRunId: string;
  matchedQueries: number;
  quality: QualityComparison[];
  cost: { currentPerQueryUsd: number | undefined; previousPerQueryUsd: number | undefined; currentMonthlyUsd: number | undefined; previousMonthlyUsd: number | undefined };
  latency: { current: QuantileEstimate; previous: QuantileEstimate };
  routeChanges: { matched: number; changed: number; transitions: Array<{ from: Tier; to: Tier; n: number }> };
  routerAccuracy: { current: Interval; previous: Interval };
  checks: Check[];
  decision: Decision;
}

export interface CompareInput {
  runId: string;
  data: RunData;
  cost: CostProjection;
  /** Replayed against the simulator: its latencies measure this machine's load, not endpoints. */
  simulated?: boolean;
}

/** Tonight against last night: quality by tier, cost, latency, routing; regressions become failed checks. */
export function compareRuns(current: CompareInput, previous: CompareInput, thresholds: RegressionThresholds, seed = 777): Comparison {
  // Query by query, as objects: a comparison matches two runs by query id (not yet on the typed columns).
  const currentFacts = [...current.data.facts];
  const previousFacts = [...previous.data.facts];
  const previousById = new Map(previousFacts.map((fact) => [fact.queryId, fact]));
  const matched = currentFacts.flatMap((fact) => {
    const other = previousById.get(fact.queryId);
    return other === undefined ? [] : [[fact, other] as const];
  });
  const checks: Check[] = [];
  const quality: QualityComparison[] = [];
  for (const [index, tier] of (['all', ...TIERS] as const).entries()) {
    // A query's tier here is what it is (its human label), else where it was routed last night:
    // tonight's routing may be the very thing that changed.
    const inTier = (fact: QueryFacts): boolean => tier === 'all' || (fact.label ?? fact.tier) === tier;
    const comparison = compareQuality(
      tier,
      currentFacts.filter(inTier),
      previousFacts.filter(inTier),
      matched.filter(([, before]) => inTier(before)),
      thresholds.min_paired,
      seed + index,
    );
    quality.push(comparison);
    checks.push(qualityCheck(comparison, thresholds));
  }

  const costCurrent = current.cost.variablePerQueryUsd;
  const costPrevious = previous.cost.variablePerQueryUsd;
  if (costCurrent === undefined || costPrevious === undefined || costPrevious === 0) {
    checks.push(skip('regression_cost_per_query', 'variable cost per query unknown in one of the runs', `<= +${pct(thresholds.max_cost_increase)}`));
  } else {
    const change = costCurrent / costPrevious - 1;
    checks.push({
      metric: 'regression_cost_per_query',
      outcome: change <= thresholds.max_cost_increase ? 'pass' : 'fail',
      value: change,
      interval: undefined,
      threshold: `<= +${pct(thresholds.max_cost_increase)}`,
      n: current.cost.costCoverage.known,
      detail: `variable cost per query $${costCurrent.toFixed(5)} vs $${costPrevious.toFixed(5)}: ${change >= 0 ? '+' : ''}${pct(change)}, on n=${current.cost.costCoverage.known} costed calls`,
    });
  }

  const latencies = (facts: QueryFacts[]): number[] => facts.flatMap((fact) => (fact.servedLatencyMs === undefined ? [] : [fact.servedLatencyMs]));
  const latency = { current: quantileInterval(latencies(currentFacts), 0.95), previous: quantileInterval(latencies(previousFacts), 0.95) };
  if (current.simulated === true || previous.simulated === true) {
    checks.push(skip('regression_p95_latency_ms', "a simulated run's latencies measure this machine's load, not the endpoints", `<= +${pct(thresholds.max_p95_latency_increase)}`));
  } else {
    checks.push(latencyCheck(latency.current, latency.previous, thresholds));
  }

  const transitions = new Map<string, { from: Tier; to: Tier; n: number }>();
  let changed = 0;
  let routed = 0;
  for (const [fact, other] of matched) {
    if (fact.tier === undefined || other.tier === undefined) continue;
    routed++;
    if (fact.tier === other.tier) continue;
    changed++;
    const key = `${other.tier}>${fact.tier}`;
    const cell = transitions.get(key) ?? { from: other.tier, to: fact.tier, n: 0 };
    cell.n++;
    transitions.set(key, cell);
  }
  if (routed === 0) {
    checks.push(skip('regression_route_changes', 'no query is in both runs', `<= ${pct(thresholds.max_route_change_rate)}`));
  } else {
    const rate = wilsonInterval(changed, routed);
    checks.push({
      metric: 'regression_route_changes',
      outcome: rate.mean! <= thresholds.max_route_change_rate ? 'pass' : rate.lower! > thresholds.max_route_change_rate ? 'fail' : 'hold',
      value: rate.mean,
      interval: { lower: rate.lower, upper: rate.upper },
      threshold: `<= ${pct(thresholds.max_route_change_rate)}`,
      n: routed,
      detail: `${changed} of ${routed} queries in both runs routed to another tier: ${pct(rate.mean)} [95% CI ${pct(rate.lower)}, ${pct(rate.upper)}] on n=${routed}${[...transitions.values()].length > 0 ? ` (${[...transitions.values()].map((t) => `${t.from}->${t.to} ${t.n}`).join(', ')})` : ''}`,
    });
  }

  const accuracy = (facts: QueryFacts[]): Interval => {
    const labelled = facts.filter((fact) => fact.label !== undefined && fact.tier !== undefined);
    return wilsonInterval(labelled.filter((fact) => fact.label === fact.tier).length, labelled.length);
  };
  const routerAccuracy = { current: accuracy(currentFacts), previous: accuracy(previousFacts) };
  if (current.data.policy === 'oracle' || routerAccuracy.current.mean === undefined || routerAccuracy.previous.mean === undefined) {
    checks.push(
      skip(
        'regression_router_accuracy',
        current.data.policy === 'oracle' ? 'routing policy is oracle (routes are the labels)' : 'no labelled queries in one of the runs',
        `drop <= ${pct(thresholds.max_router_accuracy_drop)}`,
      ),
    );
  } else {
    const drop = routerAccuracy.previous.mean - routerAccuracy.current.mean;
    checks.push({
      metric: 'regression_router_accuracy',
      outcome: drop <= thresholds.max_router_accuracy_drop ? 'pass' : routerAccuracy.current.upper! < routerAccuracy.previous.lower! ? 'fail' : 'hold',
      value: routerAccuracy.current.mean,
      interval: { lower: routerAccuracy.current.lower, upper: routerAccuracy.current.upper },
      threshold: `drop <= ${pct(thresholds.max_router_accuracy_drop)}`,
      n: routerAccuracy.current.n,
      detail: `accuracy ${pct(routerAccuracy.current.mean)} [95% CI ${pct(routerAccuracy.current.lower)}, ${pct(routerAccuracy.current.upper)}] on n=${routerAccuracy.current.n} vs ${pct(routerAccuracy.previous.mean)} on n=${routerAccuracy.previous.n}`,
    });
  }

  return {
    againstRunId: previous.runId,
    matchedQueries: matched.length,
    quality,
    cost: { currentPerQueryUsd: costCurrent, previousPerQueryUsd: costPrevious, currentMonthlyUsd: current.cost.routedMonthlyUsd, previousMonthlyUsd: previous.cost.routedMonthlyUsd },
    latency,
    routeChanges: { matched: routed, changed, transitions: [...transitions.values()] },
    routerAccuracy,
    checks,
    decision: decisionOf(checks),
  };
}

function compareQuality(
  tier: Tier | 'all',
  current: QueryFacts[],
  previous: QueryFacts[],
  matched: ReadonlyArray<readonly [QueryFacts, QueryFacts]>,
  minimum: number,
  seed: number,
): QualityComparison {
  const scores = (facts: QueryFacts[]): number[] => facts.flatMap((fact) => (fact.servedScore === undefined ? [] : [fact.servedScore]));
  const paired = matched.flatMap(([a, b]) => (a.servedScore === undefined || b.servedScore === undefined ? [] : [a.servedScore - b.servedScore]));
  const base = { tier, current: bootstrapMean(scores(current), { seed }), previous: bootstrapMean(scores(previous), { seed: seed + 50 }) };
  if (paired.length >= minimum) {
    return { ...base, method: 'paired', difference: bootstrapMean(paired, { seed: seed + 100 }), pValue: wilcoxonSignedRank(paired).pValue };
  }
  if (matched.length === 0 && base.current.n >= minimum && base.previous.n >= minimum) {
    return { ...base, method: 'unpaired', difference: bootstrapMeanDifference(scores(current), scores(previous), { seed: seed + 100 }), pValue: undefined };
  }
  return { ...base, method: 'none', difference: { n: paired.length, mean: undefined, lower: undefined, upper: undefined }, pValue: undefined };
}

/** Non-inferiority against last night: pass when the drop is surely smaller than the margin, fail when surely larger. */
function qualityCheck(comparison: QualityComparison, thresholds: RegressionThresholds): Check {
  const metric = `regression_quality_${comparison.tier}`;
  const bar = -thresholds.max_quality_drop;
  const { difference } = comparison;
  const threshold = `95% lower bound of the change >= ${bar}`;
  const base = { metric, value: difference.mean, interval: { lower: difference.lower, upper: difference.upper }, threshold, n: difference.n };
  if (comparison.method === 'none') {
    return { ...base, outcome: 'hold', detail: `${difference.n} queries scored in both runs on ${comparison.tier === 'all' ? 'all tiers' : `the ${comparison.tier} tier`}: fewer than ${thresholds.min_paired}` };
  }
  const p = comparison.pValue === undefined ? '' : `, Wilcoxon signed-rank p=${comparison.pValue < 0.001 ? '<0.001' : comparison.pValue.toFixed(3)}`;
  const described = `${comparison.method} change ${describeInterval(difference)} (${fmt(comparison.current.mean)} now vs ${fmt(comparison.previous.mean)} before${p})`;
  if (difference.lower !== undefined && difference.lower >= bar) return { ...base, outcome: 'pass', detail: described };
  if (difference.upper !== undefined && difference.upper < bar) return { ...base, outcome: 'fail', detail: `${described}: quality regressed by more than ${thresholds.max_quality_drop}` };
  return { ...base, outcome: 'hold', detail: `${described}: interval straddles ${bar}; more samples needed` };
}

function latencyCheck(current: QuantileEstimate, previous: QuantileEstimate, thresholds: RegressionThresholds): Check {
  const metric = 'regression_p95_latency_ms';
  const threshold = `<= +${pct(thresholds.max_p95_latency_increase)} (and +${thresholds.latency_slack_ms} ms)`;
  if (current.value === undefined || previous.value === undefined) return skip(metric, 'served latency unknown in one of the runs', threshold);
  const allowed = Math.max(previous.value * (1 + thresholds.max_p95_latency_increase), previous.value + thresholds.latency_slack_ms);
  const outcome = current.value <= allowed ? 'pass' : current.lower !== undefined && current.lower > allowed ? 'fail' : 'hold';
  return {
    metric,
    outcome,
    value: current.value,
    interval: { lower: current.lower, upper: current.upper },
    threshold,
    n: current.n,
    detail: `served p95 ${fmt(current.value, 0)} ms [95% CI ${fmt(current.lower, 0)}, ${fmt(current.upper, 0)}] on n=${current.n} vs ${fmt(previous.value, 0)} ms before (allowed ${fmt(allowed, 0)} ms)`,
  };
}
