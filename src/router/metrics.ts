import { TIERS, type Tier } from '../core/tier.ts';

/** cost[trueTier][routedTier]: what one query routed that way costs, in units of one wasted tier step. */
export type MisrouteCostMatrix = Record<Tier, Record<Tier, number>>;

/**
 * Asymmetric misroute cost. Routing up (to a dearer model than needed) wastes money: 1 per tier
 * step. Routing down risks a wrong or unsafe answer: medium -> Llama 3, complex -> GPT-3.5 5, and
 * complex -> Llama 10, the severe case (a refund dispute or safety incident answered by the FAQ bot).
 */
export const DEFAULT_MISROUTE_COST: MisrouteCostMatrix = {
  simple: { simple: 0, medium: 1, complex: 2 },
  medium: { simple: 3, medium: 0, complex: 1 },
  complex: { simple: 10, medium: 5, complex: 0 },
};

export interface ClassMetrics {
  /** undefined when nothing was predicted as this class. */
  precision: number | undefined;
  /** undefined when the set holds no query of this class. */
  recall: number | undefined;
  f1: number | undefined;
  /** Queries whose label is this class. */
  support: number;
  /** Queries routed to this class. */
  predicted: number;
}

export interface Prediction {
  tier: Tier;
  rawTier: Tier;
  probabilities: Record<Tier, number>;
}

export interface ClassificationMetrics {
  n: number;
  /** Share of queries routed (after thresholds) to their labelled tier. */
  accuracy: number;
  /** Share whose most probable tier (before thresholds) is the labelled one. */
  accuracy_argmax: number;
  per_class: Record<Tier, ClassMetrics>;
  /** confusion[trueTier][routedTier]: rows are labels, columns are routed tiers. */
  confusion: Record<Tier, Record<Tier, number>>;
  misroute_cost: { total: number; mean: number; matrix: MisrouteCostMatrix };
  /** Expected calibration error of the top probability against argmax correctness, 10 equal-width bins. */
  ece: number;
  /** Share of queries routed to each tier. */
  traffic_mix: Record<Tier, number>;
}

function emptyTable(): Record<Tier, Record<Tier, number>> {
  return {
    simple: { simple: 0, medium: 0, complex: 0 },
    medium: { simple: 0, medium: 0, complex: 0 },
    complex: { simple: 0, medium: 0, complex: 0 },
  };
}

export function classificationMetrics(
  labels: readonly Tier[],
  predictions: readonly Prediction[],
  cost: MisrouteCostMatrix = DEFAULT_MISROUTE_COST,
): ClassificationMetrics {
  if (labels.length !== predictions.length) {
    throw new RangeError(`${labels.length} labels but ${predictions.length} predictions`);
  }
  if (labels.length === 0) throw new RangeError('no labelled queries to score');
  const n = labels.length;
  const confusion = emptyTable();
  let correctRaw = 0;
  let totalCost = 0;
  labels.forEach((label, index) => {
    const prediction = predictions[index] as Prediction;
    confusion[label][prediction.tier] += 1;
    totalCost += cost[label][prediction.tier];
    if (prediction.rawTier === label) correctRaw += 1;
  });

  const perClass = {} as Record<Tier, ClassMetrics>;
  const mix = {} as Record<Tier, number>;
  let correct = 0;
  for (const tier of TIERS) {
    const truePositives = confusion[tier][tier];
    correct += truePositives;
    const support = TIERS.reduce((sum, predicted) => sum + confusion[tier][predicted], 0);
    const predicted = TIERS.reduce((sum, truth) => sum + confusion[truth][tier], 0);
    const precision = predicted === 0 ? undefined : truePositives / predicted;
    const recall = support === 0 ? undefined : truePositives / support;
    const f1 =
      precision === undefined || recall === undefined
        ? undefined
        : precision + recall === 0
          ? 0
          : (2 * precision * recall) / (precision + recall);
    perClass[tier] = { precision, recall, f1, support, predicted };
    mix[tier] = predicted / n;
  }

  const confidences = predictions.map((prediction) => prediction.probabilities[prediction.rawTier]);
  const hits = predictions.map((prediction, index) => prediction.rawTier === labels[index]);
  return {
    n,
    accuracy: correct / n,
    accuracy_argmax: correctRaw / n,
    per_class: perClass,
    confusion,
    misroute_cost: { total: totalCost, mean: totalCost / n, matrix: cost },
    ece: expectedCalibrationError(confidences, hits),
    traffic_mix: mix,
  };
}

/**
 * ECE = sum over bins of (bin size / n) * |accuracy in bin - mean confidence in bin|, with
 * equal-width confidence bins (0, 0.1], (0.1, 0.2], ... (a confidence of exactly 0 joins the first).
 */
export function expectedCalibrationError(confidences: readonly number[], correct: readonly boolean[], bins = 10): number {
  if (confidences.length !== correct.length) throw new RangeError('confidences and correctness differ in length');
  if (confidences.length === 0) throw new RangeError('no predictions to calibrate');
  const count = new Array<number>(bins).fill(0);
  const confidenceSum = new Array<number>(bins).fill(0);
  const correctSum = new Array<number>(bins).fill(0);
  confidences.forEach((confidence, index) => {
    const bin = Math.min(bins - 1, Math.max(0, Math.ceil(confidence * bins) - 1));
    count[bin]! += 1;
    confidenceSum[bin]! += confidence;
    if (correct[index]) correctSum[bin]! += 1;
  });
  let ece = 0;
  for (let bin = 0; bin < bins; bin += 1) {
    const size = count[bin]!;
    if (size === 0) continue;
    ece += (size / confidences.length) * Math.abs(correctSum[bin]! / size - confidenceSum[bin]! / size);
  }
  return ece;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}
