// Written by hand: simple-statistics' sampleRankCorrelation ranks ties by position, and 1-5 scores
// are mostly ties; Spearman's rho needs tied values to share their average rank.

/** Spearman's rank correlation (Pearson's r of the average ranks); undefined for fewer than two pairs or a constant side. */
export function spearman(first: readonly number[], second: readonly number[]): number | undefined {
  if (first.length !== second.length) throw new RangeError(`spearman: ${first.length} values against ${second.length}`);
  if (first.length < 2) return undefined;
  return pearson(averageRanks(first), averageRanks(second));
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

function pearson(x: readonly number[], y: readonly number[]): number | undefined {
  const n = x.length;
  const meanX = x.reduce((a, b) => a + b, 0) / n;
  const meanY = y.reduce((a, b) => a + b, 0) / n;
  let covariance = 0;
  let varianceX = 0;
  let varianceY = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - meanX;
    const dy = y[i]! - meanY;
    covariance += dx * dy;
    varianceX += dx * dx;
    varianceY += dy * dy;
  }
  if (varianceX === 0 || varianceY === 0) return undefined;
  return covariance / Math.sqrt(varianceX * varianceY);
}
