import type { Tier } from '../core/tier.ts';
import { TIERS } from '../core/tier.ts';
import { bootstrapMean, bootstrapMeanDifference, type Interval } from './bootstrap.ts';
import type { CostProjection } from './cost.ts';
import { decisionOf, describeInterval, fmt, pct, skip, type Check, type Decision } from './decide.ts';
import { quantileInterval, wilcoxonSignedRank, wilsonInterval, type QuantileEstimate } from './intervals.ts';
import { compareUtf8, NO_TIER, type FactTable } from './fact-table.ts';
import type { RunData } from './metrics.ts';
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
  // On the typed columns, row by row: two million-query runs as QueryFacts objects (and a Map of
  // one by id) took over a gigabyte of heap. Rows are visited in each table's order, as the
  // objects were, so the seeded intervals are the same.
  const now = current.data.facts;
  const before = previous.data.facts;
  const matched = matchRows(now, before);
  const checks: Check[] = [];
  const quality: QualityComparison[] = [];
  for (const [index, tier] of (['all', ...TIERS] as const).entries()) {
    // A query's tier here is what it is (its human label), else where it was routed last night:
    // tonight's routing may be the very thing that changed.
    const wanted = tier === 'all' ? undefined : TIERS.indexOf(tier);
    const inTier = (facts: FactTable, row: number): boolean => wanted === undefined || (facts.label[row] !== NO_TIER ? facts.label[row] : facts.tier[row]) === wanted;
    const comparison = compareQuality(
      tier,
      servedScores(now, (row) => inTier(now, row)),
      servedScores(before, (row) => inTier(before, row)),
      pairedDifferences(now, before, matched, (row) => inTier(before, row)),
      matched.current.length,
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

  const latency = { current: quantileInterval(known(now.servedLatencyMs, now.length, () => true), 0.95, undefined, { sortInPlace: true }), previous: quantileInterval(known(before.servedLatencyMs, before.length, () => true), 0.95, undefined, { sortInPlace: true }) };
  if (current.simulated === true || previous.simulated === true) {
    checks.push(skip('regression_p95_latency_ms', "a simulated run's latencies measure this machine's load, not the endpoints", `<= +${pct(thresholds.max_p95_latency_increase)}`));
  } else {
    checks.push(latencyCheck(latency.current, latency.previous, thresholds));
  }

  const transitions = new Map<string, { from: Tier; to: Tier; n: number }>();
  let changed = 0;
  let routed = 0;
  for (let pair = 0; pair < matched.current.length; pair++) {
    const tierNow = now.tierAt(matched.current[pair]!);
    const tierBefore = before.tierAt(matched.previous[pair]!);
    if (tierNow === undefined || tierBefore === undefined) continue;
    routed++;
    if (tierNow === tierBefore) continue;
    changed++;
    const key = `${tierBefore}>${tierNow}`;
    const cell = transitions.get(key) ?? { from: tierBefore, to: tierNow, n: 0 };
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

  const accuracy = (facts: FactTable): Interval => {
    let labelled = 0;
    let right = 0;
    for (let row = 0; row < facts.length; row++) {
      if (facts.label[row] === NO_TIER || facts.tier[row] === NO_TIER) continue;
      labelled++;
      if (facts.label[row] === facts.tier[row]) right++;
    }
    return wilsonInterval(right, labelled);
  };
  const routerAccuracy = { current: accuracy(now), previous: accuracy(before) };
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
    matchedQueries: matched.current.length,
    quality,
    cost: { currentPerQueryUsd: costCurrent, previousPerQueryUsd: costPrevious, currentMonthlyUsd: current.cost.routedMonthlyUsd, previousMonthlyUsd: previous.cost.routedMonthlyUsd },
    latency,
    routeChanges: { matched: routed, changed, transitions: [...transitions.values()] },
    routerAccuracy,
    checks,
    decision: decisionOf(checks),
  };
}

/**
 * `paired`: the differences of the queries in both runs, in the tier, scored in both; `matched`:
 * how many queries both runs hold at all (none: the runs are compared as two samples).
 */
function compareQuality(tier: Tier | 'all', current: Float64Array, previous: Float64Array, paired: Float64Array, matched: number, minimum: number, seed: number): QualityComparison {
  const base = { tier, current: bootstrapMean(current, { seed }), previous: bootstrapMean(previous, { seed: seed + 50 }) };
  if (paired.length >= minimum) {
    return { ...base, method: 'paired', difference: bootstrapMean(paired, { seed: seed + 100 }), pValue: wilcoxonSignedRank(paired).pValue };
  }
  if (matched === 0 && base.current.n >= minimum && base.previous.n >= minimum) {
    return { ...base, method: 'unpaired', difference: bootstrapMeanDifference(current, previous, { seed: seed + 100 }), pValue: undefined };
  }
  return { ...base, method: 'none', difference: { n: paired.length, mean: undefined, lower: undefined, upper: undefined }, pValue: undefined };
}

/** The known (non-NaN) values of `values` in rows 0..length-1 that pass `keep`, in row order, sized exactly. */
function known(values: Float64Array, length: number, keep: (row: number) => boolean): Float64Array {
  let count = 0;
  for (let row = 0; row < length; row++) if (keep(row) && !Number.isNaN(values[row]!)) count++;
  const out = new Float64Array(count);
  let at = 0;
  for (let row = 0; row < length; row++) if (keep(row) && !Number.isNaN(values[row]!)) out[at++] = values[row]!;
  return out;
}

function servedScores(facts: FactTable, keep: (row: number) => boolean): Float64Array {
  return known(facts.servedScore, facts.length, keep);
}

/** Current minus previous served score of each matched query whose previous row passes `keep`, where both are scored; in the current run's order. */
function pairedDifferences(now: FactTable, before: FactTable, matched: MatchedRows, keep: (previousRow: number) => boolean): Float64Array {
  const differences = new Float64Array(matched.current.length);
  let at = 0;
  for (let pair = 0; pair < matched.current.length; pair++) {
    const previousRow = matched.previous[pair]!;
    if (!keep(previousRow)) continue;
    const difference = now.servedScore[matched.current[pair]!]! - before.servedScore[previousRow]!;
    if (!Number.isNaN(difference)) differences[at++] = difference;
  }
  return differences.subarray(0, at);
}

/** Rows of the same query in both runs, pair by pair, in the current run's row order. */
interface MatchedRows {
  current: Uint32Array;
  previous: Uint32Array;
}

/**
 * Matches the two runs' rows by query id with a merge over each table's rows in id order (the
 * tables loadRunData reads are sorted already; others are put in order through an index), instead
 * of a Map of a million ids.
 */
function matchRows(now: FactTable, before: FactTable): MatchedRows {
  const order = (facts: FactTable): Uint32Array => {
    const rows = new Uint32Array(facts.length);
    for (let row = 0; row < facts.length; row++) rows[row] = row;
    let sorted = true;
    for (let row = 1; row < facts.length && sorted; row++) sorted = compareUtf8(facts.queryId[row - 1]!, facts.queryId[row]!) < 0;
    return sorted ? rows : rows.sort((a, b) => compareUtf8(facts.queryId[a]!, facts.queryId[b]!));
  };
  const nowOrder = order(now);
  const beforeOrder = order(before);
  // Per current row, its previous row + 1 (0: none), then read out in the current run's order.
  const partner = new Uint32Array(now.length);
  let count = 0;
  for (let i = 0, j = 0; i < nowOrder.length && j < beforeOrder.length; ) {
    const comparison = compareUtf8(now.queryId[nowOrder[i]!]!, before.queryId[beforeOrder[j]!]!);
    if (comparison < 0) i++;
    else if (comparison > 0) j++;
    else {
      partner[nowOrder[i]!] = beforeOrder[j]! + 1;
      count++;
      i++;
      j++;
    }
  }
  const matched = { current: new Uint32Array(count), previous: new Uint32Array(count) };
  let at = 0;
  for (let row = 0; row < now.length; row++) {
    if (partner[row] === 0) continue;
    matched.current[at] = row;
    matched.previous[at++] = partner[row]! - 1;
  }
  return matched;
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
