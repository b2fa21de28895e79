/**
 * Pearson and Spearman correlation, shared by the judge (length bias) and the spot-checks
 * (judge-human agreement). Hand-written: judge scores are 1-5, so Spearman is mostly ties, and the
 * JS statistics libraries we looked at (simple-statistics' sampleRankCorrelation) rank ties in
 * input order, which makes the coefficient depend on row order; here ties share their average
 * rank (the textbook definition, as scipy.stats.spearmanr does). Imports nothing from src/.
 */

/** undefined when it is not defined: fewer than two pairs, or either variable constant. */
export function pearson(x: readonly number[], y: readonly number[]): number | undefined {
  if (x.length !== y.length) throw new RangeError(`pearson: ${x.length} x values but ${y.length} y values`);
  const n = x.length;
  if (n < 2) return undefined;
  const meanX = x.reduce((sum, value) => sum + value, 0) / n;
  const meanY = y.reduce((sum, value) => sum + value, 0) / n;
  let covariance = 0;
  let varianceX = 0;
  let varianceY = 0;
  for (let index = 0; index < n; index++) {
    const dx = x[index]! - meanX;
    const dy = y[index]! - meanY;
    covariance += dx * dy;
    varianceX += dx * dx;
    varianceY += dy * dy;
  }
  if (varianceX === 0 || varianceY === 0) return undefined;
  // Rounding can push a perfect correlation a hair past 1.
  return Math.max(-1, Math.min(1, covariance / Math.sqrt(varianceX * varianceY)));
}

/** 1-based ranks; tied values share the mean of the ranks they span. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
  const ranks = new Array<number>(values.length);
  let start = 0;
  while (start < order.length) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.value === order[start]!.value) end++;
    const rank = (start + end) / 2 + 1;
    for (let position = start; position <= end; position++) ranks[order[position]!.index] = rank;
    start = end + 1;
  }
  return ranks;
}

/** Spearman's rank correlation: Pearson's r of the average ranks. */
export function spearman(x: readonly number[], y: readonly number[]): number | undefined {
  if (x.length !== y.length) throw new RangeError(`spearman: ${x.length} x values but ${y.length} y values`);
  return pearson(averageRanks(x), averageRanks(y));
}
