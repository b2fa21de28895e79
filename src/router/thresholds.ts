import { TIERS, type Tier } from '../core/tier.ts';

/**
 * Conservative routing thresholds. Each is the confidence needed that a tier is enough:
 *
 *   simple   if P(simple) >= simple
 *   medium   else if P(simple) + P(medium) >= medium   (confidence the query does not need GPT-4)
 *   complex  otherwise
 *
 * Raising a threshold only moves traffic to a more expensive tier. { simple: 0, medium: 0 } sends
 * everything to simple; { simple: 1.01, medium: 1.01 } everything to complex. With both at or above
 * 2/3 a query is never routed cheaper than its most probable tier.
 */
export interface RouterThresholds {
  simple: number;
  medium: number;
}

/**
 * Defaults: Llama only when at least 60% sure; GPT-4 whenever the model gives complex more than
 * 10%. The shipped model's probabilities are calibrated (models/router/README.md), so these read
 * as frequencies. A complex query answered by Llama is the costly mistake.
 */
export const DEFAULT_THRESHOLDS: RouterThresholds = { simple: 0.6, medium: 0.9 };

export function routeTier(probabilities: Record<Tier, number>, thresholds: RouterThresholds): Tier {
  if (probabilities.simple >= thresholds.simple) return 'simple';
  if (probabilities.simple + probabilities.medium >= thresholds.medium) return 'medium';
  return 'complex';
}

/** The most probable tier; ties go to the more expensive tier. */
export function argmaxTier(probabilities: Record<Tier, number>): Tier {
  let best: Tier = 'simple';
  for (const tier of TIERS) {
    if (probabilities[tier] >= probabilities[best]) best = tier;
  }
  return best;
}
