import { describe, expect, it } from 'vitest';
import { bootstrapMean, mulberry32, type BootstrapMethod } from './bootstrap.ts';

/** Share of `trials` synthetic samples of size n (drawn from `population`) whose 95% interval covers its mean. */
function coverage(population: number[], n: number, trials: number, method: BootstrapMethod, seed: number): number {
  const trueMean = population.reduce((a, b) => a + b, 0) / population.length;
  const random = mulberry32(seed);
  const sample = new Float64Array(n);
  let covered = 0;
  for (let trial = 0; trial < trials; trial++) {
    for (let i = 0; i < n; i++) sample[i] = population[Math.floor(random() * population.length)]!;
    const interval = bootstrapMean(sample, { resamples: 999, seed: seed * 100_003 + trial, method });
    if (interval.lower! <= trueMean && trueMean <= interval.upper!) covered++;
  }
  return covered / trials;
}

// Judge-score populations with known means. "skewed": mostly 5s with rare 1s and 2s, the shape
// where a percentile interval is too narrow.
const POPULATIONS = {
  typical: [3, 4, 4, 5, 5],
  skewed: [...Array<number>(16).fill(5), 4, 4, 2, 1],
  bimodal: [1, 5, 5, 5],
  pairedDifferences: [-2, -1, 0, 0, 0, 0, 0, 0, 1, 0],
};

describe('bootstrapMean', () => {
  it('is undefined, not 0, with no data', () => {
    expect(bootstrapMean([])).toEqual({ n: 0, mean: undefined, lower: undefined, upper: undefined });
  });

  it('covers the true mean about 95% of the time (simulation)', () => {
    // Scores 1-5 with a known distribution; true mean 4.2.
    const values = [3, 4, 4, 5, 5];
    const trueMean = values.reduce((a, b) => a + b) / values.length;
    const random = mulberry32(7);
    const trials = 400;
    let covered = 0;
    for (let trial = 0; trial < trials; trial++) {
      const sample = Array.from({ length: 80 }, () => values[Math.floor(random() * values.length)]!);
      const interval = bootstrapMean(sample, { resamples: 500, seed: trial });
      if (interval.lower! <= trueMean && trueMean <= interval.upper!) covered++;
    }
    const rate = covered / trials;
    // 400 trials: the binomial standard error at 0.95 is ~0.011; allow ~2.5 SE either side.
    expect(rate).toBeGreaterThan(0.91);
    expect(rate).toBeLessThan(0.98);
  });

  // 2,000 trials per case: the binomial standard error of a 95% coverage estimate is 0.005, so
  // 93-97% is four standard errors either side of nominal: a miss is a real defect, not noise.
  it.each([
    ['typical', 40],
    ['skewed', 100],
    ['bimodal', 150],
    ['pairedDifferences', 60],
  ] as const)('BCa 95 percent intervals cover the true mean in 93-97 of 100 samples: %s scores, n=%i, 2,000 trials', (name, n) => {
    const rate = coverage(POPULATIONS[name], n, 2000, 'bca', n);
    expect(rate).toBeGreaterThanOrEqual(0.93);
    expect(rate).toBeLessThanOrEqual(0.97);
  });

  it('BCa corrects the percentile interval where it under-covers: skewed scores at n=40', () => {
    const percentile = coverage(POPULATIONS.skewed, 40, 2000, 'percentile', 3);
    const bca = coverage(POPULATIONS.skewed, 40, 2000, 'bca', 3);
    expect(percentile).toBeLessThan(0.935);
    expect(bca).toBeGreaterThan(percentile);
  });

  it('is deterministic for a seed', () => {
    const data = [1, 2, 3, 4, 5, 5, 5, 4];
    expect(bootstrapMean(data, { seed: 3 })).toEqual(bootstrapMean(data, { seed: 3 }));
  });

  it('gives a zero-width interval when every value is equal, and none for one value', () => {
    expect(bootstrapMean([5, 5, 5, 5])).toEqual({ n: 4, mean: 5, lower: 5, upper: 5 });
    expect(bootstrapMean([4])).toEqual({ n: 1, mean: 4, lower: undefined, upper: undefined });
  });
});
