import { describe, expect, it } from 'vitest';
import { mulberry32 } from './bootstrap.ts';
import { ordinalAgreement, quantileInterval, wilcoxonSignedRank, wilsonInterval } from './intervals.ts';

describe('wilsonInterval', () => {
  it('matches a textbook value and is undefined with no data', () => {
    // 40 failures in 400 calls: 10% [7.4%, 13.3%] (Wilson, z = 1.96).
    const interval = wilsonInterval(40, 400);
    expect(interval.mean).toBe(0.1);
    expect(interval.lower).toBeCloseTo(0.0744, 3);
    expect(interval.upper).toBeCloseTo(0.1331, 3);
    expect(wilsonInterval(0, 0).mean).toBeUndefined();
    expect(wilsonInterval(0, 120).lower).toBe(0);
  });

  it('covers a small true rate 93-97% of the time (2,000 simulated runs of 300 calls at 4%)', () => {
    const random = mulberry32(11);
    let covered = 0;
    for (let trial = 0; trial < 2000; trial++) {
      let failures = 0;
      for (let i = 0; i < 300; i++) if (random() < 0.04) failures++;
      const interval = wilsonInterval(failures, 300);
      if (interval.lower! <= 0.04 && 0.04 <= interval.upper!) covered++;
    }
    expect(covered / 2000).toBeGreaterThanOrEqual(0.93);
    expect(covered / 2000).toBeLessThanOrEqual(0.97);
  });
});

describe('quantileInterval', () => {
  it('covers the true p95 of a long-tailed latency 93-97% of the time (2,000 samples of 400)', () => {
    // Log-normal latencies (median 800 ms, sigma 0.6): the true p95 is 800 * exp(0.6 * 1.6449).
    const trueP95 = 800 * Math.exp(0.6 * 1.6448536);
    const random = mulberry32(5);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const sample = new Float64Array(400);
    let covered = 0;
    for (let trial = 0; trial < 2000; trial++) {
      for (let i = 0; i < sample.length; i++) sample[i] = 800 * Math.exp(0.6 * normal());
      const estimate = quantileInterval(sample, 0.95);
      if (estimate.lower! <= trueP95 && trueP95 <= estimate.upper!) covered++;
    }
    expect(covered / 2000).toBeGreaterThanOrEqual(0.93);
    expect(covered / 2000).toBeLessThanOrEqual(0.97);
  });

  it('leaves a bound unknown when there are too few values for it', () => {
    const estimate = quantileInterval([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95);
    expect(estimate.value).toBeCloseTo(9.55);
    expect(estimate.upper).toBeUndefined();
    expect(quantileInterval([], 0.95).value).toBeUndefined();
  });
});

describe('wilcoxonSignedRank', () => {
  it('finds a consistent drop and not a balanced one', () => {
    const drop = [...Array<number>(30).fill(-1), ...Array<number>(5).fill(1), ...Array<number>(40).fill(0)];
    const result = wilcoxonSignedRank(drop);
    expect(result.n).toBe(35);
    expect(result.z!).toBeLessThan(0);
    expect(result.pValue!).toBeLessThan(0.001);
    const balanced = wilcoxonSignedRank([...Array<number>(20).fill(-1), ...Array<number>(20).fill(1)]);
    expect(balanced.pValue!).toBeGreaterThan(0.9);
    expect(wilcoxonSignedRank([1, -1, 0]).pValue).toBeUndefined();
  });
});

describe('ordinalAgreement', () => {
  it('is 1 for perfect agreement and near 0 for unrelated ratings', () => {
    const perfect = ordinalAgreement([1, 2, 3, 4, 5, 5, 4].map((score) => [score, score] as const));
    expect(perfect).toMatchObject({ n: 7, exact: 1, withinOne: 1, weightedKappa: 1 });
    const random = mulberry32(2);
    const unrelated = Array.from({ length: 2000 }, () => [1 + Math.floor(random() * 5), 1 + Math.floor(random() * 5)] as const);
    expect(Math.abs(ordinalAgreement(unrelated).weightedKappa!)).toBeLessThan(0.06);
  });

  it('gives partial credit for near misses (quadratic weights)', () => {
    const offByOne = ordinalAgreement([[1, 2], [2, 3], [3, 4], [4, 5], [5, 5], [1, 1]]);
    expect(offByOne.exact).toBeCloseTo(2 / 6);
    expect(offByOne.withinOne).toBe(1);
    expect(offByOne.weightedKappa!).toBeGreaterThan(0.7);
  });
});
