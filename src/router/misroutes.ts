import type { Tier } from '../core/tier.ts';
import type { MisrouteCostMatrix, Prediction } from './metrics.ts';

/** One query the router sent to another tier than its label. */
export interface Misroute {
  /** 0-based position in the evaluated log (its labelled queries). */
  index: number;
  text: string;
  label: Tier;
  routed: Tier;
  /** From the misroute cost matrix: complex sent to Llama is the severe case. */
  cost: number;
  probabilities: Record<Tier, number>;
}

/**
 * The mistakes, worst first: by misroute cost (complex -> simple before complex -> medium before
 * medium -> simple before the cheaper over-routes), then by how sure the router was of the cheaper
 * tier it picked (a confident mistake is the more alarming), then by position.
 */
export function misroutes(items: ReadonlyArray<{ text: string; label: Tier }>, predictions: readonly Prediction[], cost: MisrouteCostMatrix): Misroute[] {
  const wrong: Misroute[] = [];
  items.forEach((item, index) => {
    const prediction = predictions[index]!;
    if (prediction.tier === item.label) return;
    wrong.push({ index, text: item.text, label: item.label, routed: prediction.tier, cost: cost[item.label][prediction.tier], probabilities: prediction.probabilities });
  });
  return wrong.sort((a, b) => b.cost - a.cost || b.probabilities[b.routed] - a.probabilities[a.routed] || a.index - b.index);
}
