import { UsageError } from '../core/errors.ts';
import { TIERS, type Tier } from '../core/tier.ts';
import { calibrateThresholds, type Calibration } from './calibrate.ts';
import { DEFAULT_MISROUTE_COST } from './metrics.ts';
import { routeTier, type RouterThresholds } from './thresholds.ts';

/** What a set of thresholds does to the labelled queries. */
export interface LabelledOutcome {
  thresholds: RouterThresholds;
  /** The mix over every calibration query (labelled or not). */
  achieved: Record<Tier, number>;
  labelled: number;
  /** Routed tier = label, over the labelled queries. */
  accuracy: number;
  /** Complex-labelled queries routed to a cheaper tier (Llama or GPT-3.5), over complex-labelled queries; undefined without any. */
  complexUnderroute: { n: number; underrouted: number; rate: number | undefined };
  /** Mean misroute cost per labelled query (metrics.ts: complex -> Llama costs 10). */
  misrouteCost: number;
}

export interface LabelledCalibration extends Calibration {
  maxUnderroute: number;
  outcome: LabelledOutcome;
  /** The target's thresholds keep complex under-routing within maxUnderroute. */
  holds: boolean;
  /** When it does not: the thresholds whose mix is closest to the target among those that hold. */
  closest: LabelledOutcome | undefined;
}

export const DEFAULT_MAX_UNDERROUTE = 0.02;

// Thresholds tried for the closest mix that holds: every hundredth, plus "never" (1.01).
const GRID = [...Array.from({ length: 101 }, (_, index) => index / 100), 1.01];

/**
 * Calibration that respects labels: thresholds for the target mix (over all queries, as without
 * labels), then what they do on the labelled ones. A mix whose thresholds send more than
 * `maxUnderroute` of complex queries to a cheaper tier does not hold; the closest holding mix is
 * searched on a grid of thresholds (L1 distance of the achieved mix to the target; ties: the
 * more accurate, then the higher thresholds).
 */
export function calibrateWithLabels(
  probabilities: readonly Record<Tier, number>[],
  labels: readonly (Tier | undefined)[],
  target: Record<Tier, number>,
  maxUnderroute = DEFAULT_MAX_UNDERROUTE,
): LabelledCalibration {
  if (!(maxUnderroute >= 0 && maxUnderroute <= 1)) throw new UsageError(`--max-underroute must be between 0 and 1, got ${maxUnderroute}`);
  const calibration = calibrateThresholds(probabilities, target);
  const outcome = outcomeOf(probabilities, labels, calibration.thresholds);
  const holds = within(outcome, maxUnderroute);
  let closest: LabelledOutcome | undefined;
  if (!holds) {
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const simple of GRID) {
      for (const medium of GRID) {
        const candidate = outcomeOf(probabilities, labels, { simple, medium });
        if (!within(candidate, maxUnderroute)) continue;
        const distance = TIERS.reduce((sum, tier) => sum + Math.abs(candidate.achieved[tier] - target[tier]), 0);
        if (distance < bestDistance - 1e-12 || (Math.abs(distance - bestDistance) <= 1e-12 && closest !== undefined && candidate.accuracy > closest.accuracy)) {
          closest = candidate;
          bestDistance = distance;
        }
      }
    }
  }
  return { ...calibration, maxUnderroute, outcome, holds, closest };
}

function within(outcome: LabelledOutcome, maxUnderroute: number): boolean {
  return outcome.complexUnderroute.rate === undefined || outcome.complexUnderroute.rate <= maxUnderroute + 1e-12;
}

export function outcomeOf(probabilities: readonly Record<Tier, number>[], labels: readonly (Tier | undefined)[], thresholds: RouterThresholds): LabelledOutcome {
  const counts: Record<Tier, number> = { simple: 0, medium: 0, complex: 0 };
  let labelled = 0;
  let correct = 0;
  let cost = 0;
  let complex = 0;
  let underrouted = 0;
  probabilities.forEach((p, index) => {
    const tier = routeTier(p, thresholds);
    counts[tier] += 1;
    const label = labels[index];
    if (label === undefined) return;
    labelled += 1;
    if (tier === label) correct += 1;
    cost += DEFAULT_MISROUTE_COST[label][tier];
    if (label === 'complex') {
      complex += 1;
      if (tier !== 'complex') underrouted += 1;
    }
  });
  const n = probabilities.length;
  return {
    thresholds,
    achieved: { simple: counts.simple / n, medium: counts.medium / n, complex: counts.complex / n },
    labelled,
    accuracy: labelled === 0 ? Number.NaN : correct / labelled,
    complexUnderroute: { n: complex, underrouted, rate: complex === 0 ? undefined : underrouted / complex },
    misrouteCost: labelled === 0 ? Number.NaN : cost / labelled,
  };
}
