import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cohenKappa, fleissKappa, quadraticWeightedKappa } from './kappa.ts';
import { averageRanks, spearman } from './spearman.ts';

function repeat(pairs: [number, number, number][]): [number[], number[]] {
  const first: number[] = [];
  const second: number[] = [];
  for (const [a, b, count] of pairs) {
    for (let i = 0; i < count; i++) {
      first.push(a);
      second.push(b);
    }
  }
  return [first, second];
}

describe('cohenKappa', () => {
  it("matches Wikipedia's example: 50 proposals, 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> 0.4", () => {
    const [a, b] = repeat([[1, 1, 20], [1, 0, 5], [0, 1, 10], [0, 0, 15]]);
    expect(cohenKappa(a, b)).toBeCloseTo(0.4, 12);
  });

  it('is 1 for perfect agreement and undefined when chance agreement is already perfect', () => {
    expect(cohenKappa([1, 2, 3], [1, 2, 3])).toBe(1);
    expect(cohenKappa([4, 4, 4], [4, 4, 4])).toBeUndefined();
    expect(cohenKappa([], [])).toBeUndefined();
  });
});

describe('quadraticWeightedKappa', () => {
  it('matches a hand-computed example: [1,2,4] vs [1,2,3] -> 1 - (1/3)/(21/9) = 6/7', () => {
    // Observed: the only disagreement is 4 vs 3, weight 1, so sum(w*O) = 1/3. Expected: over all
    // 9 cross pairs the squared distances sum to 5 + 2 + 14 = 21, so sum(w*E) = 21/9.
    expect(quadraticWeightedKappa([1, 2, 4], [1, 2, 3])).toBeCloseTo(6 / 7, 12);
    // Categories no one used change nothing.
    expect(quadraticWeightedKappa([1, 2, 4], [1, 2, 3], [1, 2, 3, 4, 5])).toBeCloseTo(6 / 7, 12);
  });

  it('equals Cohen kappa on two categories, and -1 for a full reversal of a symmetric scale', () => {
    const [a, b] = repeat([[1, 1, 20], [1, 0, 5], [0, 1, 10], [0, 0, 15]]);
    expect(quadraticWeightedKappa(a, b)).toBeCloseTo(0.4, 12);
    expect(quadraticWeightedKappa([1, 2, 3, 4, 5], [5, 4, 3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it('equals 2 cov / (var1 + var2 + (mean1 - mean2)^2), the known closed form (population moments)', () => {
    const ratings = fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })), { minLength: 2, maxLength: 60 });
    fc.assert(
      fc.property(ratings, (pairs) => {
        const a = pairs.map((pair) => pair[0]);
        const b = pairs.map((pair) => pair[1]);
        const n = a.length;
        const meanA = a.reduce((s, v) => s + v, 0) / n;
        const meanB = b.reduce((s, v) => s + v, 0) / n;
        const varA = a.reduce((s, v) => s + (v - meanA) ** 2, 0) / n;
        const varB = b.reduce((s, v) => s + (v - meanB) ** 2, 0) / n;
        const cov = a.reduce((s, v, i) => s + (v - meanA) * (b[i]! - meanB), 0) / n;
        const denominator = varA + varB + (meanA - meanB) ** 2;
        const kappa = quadraticWeightedKappa(a, b, [1, 2, 3, 4, 5]);
        if (denominator === 0) return kappa === undefined;
        return kappa !== undefined && Math.abs(kappa - (2 * cov) / denominator) < 1e-9;
      }),
    );
  });
});

describe('fleissKappa', () => {
  it("matches Wikipedia's worked example (10 subjects, 14 raters, 5 categories) -> 0.210", () => {
    const table = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    expect(fleissKappa(table)!.toFixed(3)).toBe('0.210');
  });

  it('is undefined with no subject rated twice or with one category only', () => {
    expect(fleissKappa([[1, 0], [0, 1]])).toBeUndefined();
    expect(fleissKappa([[3, 0], [2, 0]])).toBeUndefined();
  });

  it('skips subjects with a single rating and handles varying rater counts', () => {
    expect(fleissKappa([[3, 0], [0, 3], [1, 0]])).toBe(1);
    expect(fleissKappa([[2, 0], [0, 3]])).toBe(1);
  });
});

describe('spearman', () => {
  it("matches Wikipedia's IQ vs hours of TV example: rho = -29/165", () => {
    const iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
    const tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];
    expect(spearman(iq, tv)).toBeCloseTo(-29 / 165, 12);
  });

  it('gives tied values their average rank', () => {
    expect(averageRanks([3, 1, 3, 2, 3])).toEqual([4, 1, 4, 2, 4]);
    // Ranks [1, 2.5, 2.5, 4] against [1, 2, 3, 4]: r = 4.5 / sqrt(4.5 * 5) = 3 / sqrt(10).
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(3 / Math.sqrt(10), 12);
  });

  it('is undefined for fewer than two pairs or a constant side', () => {
    expect(spearman([1], [2])).toBeUndefined();
    expect(spearman([3, 3, 3], [1, 2, 3])).toBeUndefined();
  });
});
