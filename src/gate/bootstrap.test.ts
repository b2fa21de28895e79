import { describe, expect, it } from 'vitest';
import { bootstrapMean, mulberry32 } from './bootstrap.ts';

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

  it('is deterministic for a seed', () => {
    const data = [1, 2, 3, 4, 5, 5, 5, 4];
    expect(bootstrapMean(data, { seed: 3 })).toEqual(bootstrapMean(data, { seed: 3 }));
  });
});
