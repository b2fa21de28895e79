import { describe, expect, it } from 'vitest';
import { binomial, bootstrapMean, bootstrapMeanDifference, COUNTS_RESAMPLING_FROM, mulberry32 } from './bootstrap.ts';

function binomialPmf(n: number, p: number): number[] {
  const pmf: number[] = [];
  let logCoefficient = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logCoefficient += Math.log(n - k + 1) - Math.log(k);
    pmf.push(Math.exp(logCoefficient + k * Math.log(p) + (n - k) * Math.log1p(-p)));
  }
  return pmf;
}

/** Total variation distance between 200,000 draws and the exact Binomial(n, p) distribution. */
function distanceFromExact(n: number, p: number, seed: number): number {
  const random = mulberry32(seed);
  const draws = 200_000;
  const seen = new Float64Array(n + 1);
  for (let i = 0; i < draws; i++) seen[binomial(n, p, random)]! += 1;
  const pmf = binomialPmf(n, p);
  let distance = 0;
  for (let k = 0; k <= n; k++) distance += Math.abs(seen[k]! / draws - pmf[k]!);
  return distance / 2;
}

// Scores as a judge gives them: mostly 5s, some 4s, a few low ones.
function skewedScores(n: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const levels = [5, 5, 5, 5, 5, 5, 4, 4, 3, 1];
  return Float64Array.from({ length: n }, () => levels[Math.floor(random() * levels.length)]!);
}

describe('binomial', () => {
  // Sampling noise alone puts 200,000 draws about 0.005-0.01 from the exact distribution here.
  it.each([
    [20, 0.1, 'inversion'],
    [40, 0.2, 'inversion'],
    [100, 0.3, 'transformed rejection'],
    [1000, 0.05, 'transformed rejection'],
    [500, 0.8, 'transformed rejection, mirrored'],
  ] as const)('draws Binomial(%i, %f) with the exact distribution (%s)', (n, p, _path) => {
    expect(distanceFromExact(n, p, n)).toBeLessThan(0.02);
  });

  it('has the right mean and variance at a million trials', () => {
    const random = mulberry32(5);
    const n = 1_000_000;
    const p = 0.62;
    const draws = Array.from({ length: 20_000 }, () => binomial(n, p, random));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const variance = draws.reduce((sum, draw) => sum + (draw - mean) ** 2, 0) / (draws.length - 1);
    expect(Math.abs(mean - n * p)).toBeLessThan(5 * Math.sqrt((n * p * (1 - p)) / draws.length));
    expect(variance / (n * p * (1 - p))).toBeGreaterThan(0.95);
    expect(variance / (n * p * (1 - p))).toBeLessThan(1.05);
  });

  it('handles the edges', () => {
    const random = mulberry32(1);
    expect(binomial(0, 0.5, random)).toBe(0);
    expect(binomial(10, 0, random)).toBe(0);
    expect(binomial(10, 1, random)).toBe(10);
  });
});

describe('bootstrap by counts', () => {
  it('gives the interval the item-by-item bootstrap gives (same distribution, other random draws)', () => {
    const data = skewedScores(20_000, 9);
    for (const method of ['bca', 'percentile'] as const) {
      const items = bootstrapMean(data, { seed: 1, method, resampling: 'items' });
      const counts = bootstrapMean(data, { seed: 1, method, resampling: 'counts' });
      expect(counts.mean).toBe(items.mean);
      // The interval is about ±0.017 wide; 2,000 resamples put each bound within ~0.001 of its limit.
      expect(Math.abs(counts.lower! - items.lower!)).toBeLessThan(0.003);
      expect(Math.abs(counts.upper! - items.upper!)).toBeLessThan(0.003);
    }
  });

  it('covers the true mean about 95% of the time (simulation, counts forced at n=200)', () => {
    const levels = [5, 5, 5, 5, 5, 5, 4, 4, 3, 1];
    const trueMean = levels.reduce((a, b) => a + b) / levels.length;
    const random = mulberry32(11);
    let covered = 0;
    const trials = 1000;
    for (let trial = 0; trial < trials; trial++) {
      const sample = Float64Array.from({ length: 200 }, () => levels[Math.floor(random() * levels.length)]!);
      const interval = bootstrapMean(sample, { seed: trial, resamples: 999, resampling: 'counts' });
      if (interval.lower! <= trueMean && trueMean <= interval.upper!) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.93);
    expect(covered / trials).toBeLessThan(0.97);
  });

  it('is the default from COUNTS_RESAMPLING_FROM values on, and fast at a million judged pairs', () => {
    const data = skewedScores(1_000_000, 4);
    const started = performance.now();
    const auto = bootstrapMean(data, { seed: 2 });
    const elapsed = performance.now() - started;
    expect(auto).toEqual(bootstrapMean(data, { seed: 2, resampling: 'counts' }));
    expect(bootstrapMean(data.subarray(0, COUNTS_RESAMPLING_FROM - 1), { seed: 2 })).toEqual(
      bootstrapMean(data.subarray(0, COUNTS_RESAMPLING_FROM - 1), { seed: 2, resampling: 'items' }),
    );
    // Item by item this is 2 billion draws (tens of seconds); by counts, well under a second.
    expect(elapsed).toBeLessThan(2_000);
  });

  it('falls back to items when the values are not a few levels', () => {
    const random = mulberry32(3);
    const data = Float64Array.from({ length: 5000 }, () => random());
    expect(bootstrapMean(data, { seed: 2 })).toEqual(bootstrapMean(data, { seed: 2, resampling: 'items' }));
  });

  it('makes the unpaired difference fast too', () => {
    const started = performance.now();
    const difference = bootstrapMeanDifference(skewedScores(500_000, 1), skewedScores(500_000, 2));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(difference.lower!).toBeLessThan(difference.mean!);
    expect(difference.upper!).toBeGreaterThan(difference.mean!);
  });
});
