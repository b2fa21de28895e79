import { UsageError } from '../core/errors.ts';
import { TIERS, type Tier } from '../core/tier.ts';
import type { Router } from './load-router.ts';
import { routeTier, type RouterThresholds } from './thresholds.ts';

export interface Calibration {
  thresholds: RouterThresholds;
  target: Record<Tier, number>;
  /** The mix these thresholds give on the calibration queries. */
  achieved: Record<Tier, number>;
  n: number;
}

/** The value that puts no query in a tier (probabilities never exceed 1). */
const NEVER = 1.01;

/**
 * Thresholds that send the target share of queries to each tier (see thresholds.ts for the rule).
 * The rule is sequential, so the search is too: first the simple threshold over P(simple), then,
 * among the queries left, the medium threshold over P(simple) + P(medium); complex takes the rest.
 * Each threshold is an observed probability (every candidate value is tried); ties in the distance
 * to the target go to the higher, more conservative threshold.
 *
 * Thresholds below 2/3 can route a query cheaper than its most probable tier: that is what a mix
 * with more cheap traffic than the model predicts asks for, and the achieved mix says so.
 */
export function calibrateThresholds(probabilities: readonly Record<Tier, number>[], target: Record<Tier, number>): Calibration {
  checkTarget(target);
  const n = probabilities.length;
  if (n === 0) throw new RangeError('no queries to calibrate on');

  const simpleThreshold = closestThreshold(
    probabilities.map((p) => p.simple),
    target.simple * n,
  );
  const rest = probabilities.filter((p) => p.simple < simpleThreshold);
  const mediumThreshold = closestThreshold(
    rest.map((p) => p.simple + p.medium),
    target.medium * n,
  );
  const thresholds = { simple: simpleThreshold, medium: mediumThreshold };
  const counts: Record<Tier, number> = { simple: 0, medium: 0, complex: 0 };
  for (const p of probabilities) counts[routeTier(p, thresholds)] += 1;
  return {
    thresholds,
    target: { ...target },
    achieved: { simple: counts.simple / n, medium: counts.medium / n, complex: counts.complex / n },
    n,
  };
}

/** Classify logged queries with the router, then calibrate on its probabilities. */
export async function calibrateRouter(router: Router, texts: readonly string[], target: Record<Tier, number>): Promise<Calibration> {
  const results = await router.classifyBatch(texts);
  return calibrateThresholds(
    results.map((result) => result.probabilities),
    target,
  );
}

/** The threshold t minimising |#(values >= t) - wanted|; candidates are the values themselves and NEVER. */
function closestThreshold(values: readonly number[], wanted: number): number {
  const sorted = [...values].sort((a, b) => b - a);
  let best = NEVER;
  let bestDistance = Math.abs(0 - wanted);
  let index = 0;
  while (index < sorted.length) {
    const value = sorted[index] as number;
    while (index < sorted.length && sorted[index] === value) index += 1;
    // `index` values are >= value now.
    const distance = Math.abs(index - wanted);
    if (distance < bestDistance) {
      best = value;
      bestDistance = distance;
    }
  }
  return best;
}

function checkTarget(target: Record<Tier, number>): void {
  let sum = 0;
  for (const tier of TIERS) {
    const share = target[tier];
    if (typeof share !== 'number' || !Number.isFinite(share) || share < 0 || share > 1) {
      throw new UsageError(`target share for ${tier} must be between 0 and 1, got ${String(share)}`);
    }
    sum += share;
  }
  if (Math.abs(sum - 1) > 1e-6) throw new UsageError(`target shares must sum to 1, got ${sum}`);
}
