import type { Pricing } from './types.ts';

/**
 * Marginal cost of one call in USD. per_token: undefined when either count is unknown
 * (missing usage is not free). fixed: perQueryUsd; the monthly part belongs to the cost model.
 */
export function callCost(
  pricing: Pricing,
  usage: { promptTokens: number | undefined; completionTokens: number | undefined },
): number | undefined {
  switch (pricing.kind) {
    case 'per_token':
      if (usage.promptTokens === undefined || usage.completionTokens === undefined) return undefined;
      return (usage.promptTokens * pricing.inputPerMillion + usage.completionTokens * pricing.outputPerMillion) / 1_000_000;
    case 'fixed':
      return pricing.perQueryUsd;
  }
}
