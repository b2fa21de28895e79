import { cumulativeNormal, quantileNormal } from 'vega-statistics';
import type { Interval } from './bootstrap.ts';

const Z95 = quantileNormal(0.975);

/**
 * Wilson score interval for a proportion: keeps inside [0, 1] and covers close to nominal at
 * small n and near 0 or 1, where error and fallback rates live (the Wald interval does not).
 */
export function wilsonInterval(count: number, total: number, z = Z95): Interval {
  if (total === 0) return { n: 0, mean: undefined, lower: undefined, upper: undefined };
  const p = count / total;
  const z2 = z * z;
  const centre = (p + z2 / (2 * total)) / (1 + z2 / total);
  const half = (z / (1 + z2 / total)) * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total));
  return { n: total, mean: p, lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

export interface QuantileEstimate {
  n: number;
  q: number;
  value: number | undefined;
  lower: number | undefined;
  upper: number | undefined;
}

/**
 * A quantile (p95 latency) with a distribution-free interval from order statistics: the ranks
 * between which the true quantile lies with ~95% probability under Binomial(n, q). Latencies are
 * long-tailed; this assumes nothing about their shape. Bounds are undefined when n is too small
 * for the rank to exist (fewer than ~60 values for p95's upper bound).
 */
export function quantileInterval(values: ArrayLike<number>, q: number, z = Z95, options: { sortInPlace?: boolean } = {}): QuantileEstimate {
  const n = values.length;
  if (n === 0) return { n, q, value: undefined, lower: undefined, upper: undefined };
  // sortInPlace: the caller hands over a Float64Array it owns (the gate's million latencies), sorted here rather than copied.
  const sorted = options.sortInPlace === true && values instanceof Float64Array ? values.sort() : Float64Array.from(values).sort();
  const position = (n - 1) * q;
  const low = Math.floor(position);
  const value = sorted[low]! + (sorted[Math.ceil(position)]! - sorted[low]!) * (position - low);
  const spread = z * Math.sqrt(n * q * (1 - q));
  const lowerRank = Math.floor(n * q - spread); // 1-based ranks
  const upperRank = Math.ceil(n * q + spread) + 1;
  return {
    n,
    q,
    value,
    lower: lowerRank >= 1 ? sorted[lowerRank - 1] : undefined,
    upper: upperRank <= n ? sorted[upperRank - 1] : undefined,
  };
}

export interface SignedRankTest {
  /** Non-zero differences used (zeros are dropped, Wilcoxon's convention). */
  n: number;
  /** Normal approximation with tie correction; two-sided. undefined below 10 non-zero pairs. */
  pValue: number | undefined;
  z: number | undefined;
}

/**
 * Wilcoxon signed-rank test of paired differences (tonight minus last night). A second opinion
 * next to the paired bootstrap: it asks whether the drops outweigh the gains in rank, not in mean.
 */
export function wilcoxonSignedRank(differences: ArrayLike<number>): SignedRankTest {
  const nonZero = Array.from(differences).filter((value) => value !== 0);
  const n = nonZero.length;
  if (n < 10) return { n, pValue: undefined, z: undefined };
  const order = nonZero.map((value, index) => ({ abs: Math.abs(value), positive: value > 0, index })).sort((a, b) => a.abs - b.abs);
  let positiveRanks = 0;
  let tieTerm = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && order[end + 1]!.abs === order[start]!.abs) end++;
    const rank = (start + end + 2) / 2;
    const size = end - start + 1;
    tieTerm += size * size * size - size;
    for (let k = start; k <= end; k++) if (order[k]!.positive) positiveRanks += rank;
    start = end + 1;
  }
  const expected = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48;
  if (variance <= 0) return { n, pValue: undefined, z: undefined };
  const z = (positiveRanks - expected) / Math.sqrt(variance);
  return { n, z, pValue: 2 * (1 - cumulativeNormal(Math.abs(z))) };
}

export interface Agreement {
  n: number;
  exact: number | undefined;
  withinOne: number | undefined;
  /** Cohen's kappa with quadratic weights: chance-corrected agreement on an ordinal 1-5 scale. */
  weightedKappa: number | undefined;
}

/** Agreement of two raters on the same items (human vs judge), scores on a 1..levels scale. */
export function ordinalAgreement(pairs: ReadonlyArray<readonly [number, number]>, levels = 5): Agreement {
  const n = pairs.length;
  if (n === 0) return { n, exact: undefined, withinOne: undefined, weightedKappa: undefined };
  const clamp = (score: number): number => Math.min(levels, Math.max(1, Math.round(score))) - 1;
  const observed = new Float64Array(levels * levels);
  const rowTotals = new Float64Array(levels);
  const columnTotals = new Float64Array(levels);
  let exact = 0;
  let withinOne = 0;
  for (const [a, b] of pairs) {
    const i = clamp(a);
    const j = clamp(b);
    observed[i * levels + j]! += 1;
    rowTotals[i]! += 1;
    columnTotals[j]! += 1;
    if (i === j) exact++;
    if (Math.abs(i - j) <= 1) withinOne++;
  }
  let observedDisagreement = 0;
  let expectedDisagreement = 0;
  for (let i = 0; i < levels; i++) {
    for (let j = 0; j < levels; j++) {
      const weight = ((i - j) * (i - j)) / ((levels - 1) * (levels - 1));
      observedDisagreement += weight * observed[i * levels + j]!;
      expectedDisagreement += (weight * rowTotals[i]! * columnTotals[j]!) / n;
    }
  }
  return {
    n,
    exact: exact / n,
    withinOne: withinOne / n,
    weightedKappa: expectedDisagreement === 0 ? undefined : 1 - observedDisagreement / expectedDisagreement,
  };
}
