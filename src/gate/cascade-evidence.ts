import type { Config } from '../config/schema.ts';
import { TIERS, type Tier } from '../core/tier.ts';
import { SERVED_AT_SQL } from '../cascade/curve-sql.ts';
import { FloatList } from './float-list.ts';
import { quantileInterval, type QuantileEstimate } from './intervals.ts';
import type { GateStore } from './metrics.ts';
import type { GatePlan, GateStep } from './plan.ts';

/** What the cascade would serve on a step's scope (SERVED_AT_SQL, reduced as it streams), or why there is nothing. */
export type CascadeEvidence =
  | { available: true; validator: string; threshold: number; served: ServedSummary }
  | { available: false; why: string };

/**
 * What the gate's cascade checks read of the served rows, built chunk by chunk: neither DuckDB
 * nor JavaScript holds the million rows at once (as a materialised result of JS arrays, the gate
 * of a 1M-pair run with a cascade step took over 1 GB). The rows come in no particular order:
 * sorting a million of them by query id ran out of the gate's 128 MB DuckDB limit. So every figure
 * is made independent of the order: the score lists are sorted (the bootstrap's seeded draws
 * depend on the order of what it is given) and costs are summed in whole nano-dollars.
 */
export interface ServedSummary {
  /** Queries in the step's scope. */
  queries: number;
  validated: number;
  escalated: number;
  /** Judge score of the served answer, where known. */
  scores: Float64Array;
  /** Served score minus the baseline's score, where both are known (paired per query). */
  differences: Float64Array;
  /** Served scores per tier with a query in scope (absent: none of that tier in scope). */
  tierScores: Partial<Record<Tier, Float64Array>>;
  latencyP95: QuantileEstimate;
  routedLatencyP95: QuantileEstimate;
  /** Per tier: queries, those whose cascade and routed costs are both known, and the sum of cascade minus routed cost over them (nano-dollars: exact in any order). */
  addedCost: Partial<Record<Tier, { queries: number; known: number; sumNanoUsd: number }>>;
}

interface ServedChunk {
  tier: Array<string | null>;
  validated: Array<boolean | null>;
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
  const served = await summariseServed(store, [runId, validator, cascade.threshold, tiers.join(',')]);
  return { available: true, validator, threshold: cascade.threshold, served };
}

async function summariseServed(store: GateStore, params: unknown[]): Promise<ServedSummary> {
  const scores = new FloatList();
  const differences = new FloatList();
  const byTier = new Map<Tier, FloatList>();
  const latencies = new FloatList();
  const routedLatencies = new FloatList();
  const addedCost: ServedSummary['addedCost'] = {};
  let queries = 0;
  let validated = 0;
  let escalated = 0;
  await store.eachChunk<ServedChunk>(SERVED_AT_SQL, params, (columns, rows) => {
    for (let i = 0; i < rows; i++) {
      queries++;
      if (columns.validated[i] === true) validated++;
      if (columns.escalated[i] === true) escalated++;
      const tier = TIERS.find((name) => name === columns.tier[i]);
      const score = columns.score[i] ?? null;
      const baseline = columns.baseline_score[i] ?? null;
      if (score !== null) {
        scores.push(Number(score));
        if (tier !== undefined) tierList(byTier, tier).push(Number(score));
        if (baseline !== null) differences.push(Number(score) - Number(baseline));
      }
      pushKnown(latencies, columns.latency[i]);
      pushKnown(routedLatencies, columns.routed_latency[i]);
      if (tier === undefined) continue;
      const added = (addedCost[tier] ??= { queries: 0, known: 0, sumNanoUsd: 0 });
      added.queries++;
      const cost = columns.cost[i] ?? null;
      const routed = columns.routed_cost[i] ?? null;
      if (cost === null || routed === null) continue;
      added.known++;
      added.sumNanoUsd += Math.round((Number(cost) - Number(routed)) * 1e9);
    }
  });
  const tierScores: ServedSummary['tierScores'] = {};
  // A tier is in scope when a query of it is (addedCost counts every one), scored or not.
  for (const tier of TIERS) if (addedCost[tier] !== undefined) tierScores[tier] = byTier.get(tier)?.values().sort() ?? new Float64Array(0);
  return {
    queries,
    validated,
    escalated,
    scores: scores.values().sort(),
    differences: differences.values().sort(),
    tierScores,
    // The lists are owned here: sorted in place rather than copied.
    latencyP95: quantileInterval(latencies.values(), 0.95, undefined, { sortInPlace: true }),
    routedLatencyP95: quantileInterval(routedLatencies.values(), 0.95, undefined, { sortInPlace: true }),
    addedCost,
  };
}

function tierList(byTier: Map<Tier, FloatList>, tier: Tier): FloatList {
  let list = byTier.get(tier);
  if (list === undefined) byTier.set(tier, (list = new FloatList()));
  return list;
}

function pushKnown(list: FloatList, value: number | null | undefined): void {
  if (value !== null && value !== undefined) list.push(Number(value));
}
