/**
 * Length bias: does the judge's score follow the answer's length? Pearson for a linear relation,
 * Spearman for any monotone one. Hand-written (twenty lines) because Spearman over 1-5 scores is
 * all ties, and the JS statistics libraries we looked at (simple-statistics' sampleRankCorrelation)
 * rank ties in input order, which makes the coefficient depend on row order; here ties get their
 * average rank (the textbook definition, as scipy.stats.spearmanr does).
 */

/** undefined when it is not defined: fewer than 3 pairs, or either variable constant. */
export function pearson(x: readonly number[], y: readonly number[]): number | undefined {
  if (x.length !== y.length) throw new RangeError(`pearson: ${x.length} x values but ${y.length} y values`);
  const n = x.length;
  if (n < 3) return undefined;
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

export function spearman(x: readonly number[], y: readonly number[]): number | undefined {
  if (x.length !== y.length) throw new RangeError(`spearman: ${x.length} x values but ${y.length} y values`);
  return pearson(averageRanks(x), averageRanks(y));
}

/** Answer length in words: closer to what a reader perceives as "long" than characters or tokens. */
export function answerLength(text: string): number {
  const words = text.trim().split(/\s+/);
  return words[0] === '' ? 0 : words.length;
}

export interface LengthBias {
  /** Pairs the coefficients rest on. */
  n: number;
  pearson: number | undefined;
  spearman: number | undefined;
  meanLength: number | undefined;
}

/** Correlation of score with answer length (in words) over scored answers. */
export function lengthBias(items: readonly { score: number; length: number }[]): LengthBias {
  const scores = items.map((item) => item.score);
  const lengths = items.map((item) => item.length);
  return {
    n: items.length,
    pearson: pearson(lengths, scores),
    spearman: spearman(lengths, scores),
    meanLength: items.length === 0 ? undefined : lengths.reduce((sum, value) => sum + value, 0) / items.length,
  };
}

export function formatCorrelation(value: number | undefined): string {
  return value === undefined ? 'n/a' : (value >= 0 ? '+' : '') + value.toFixed(2);
}
