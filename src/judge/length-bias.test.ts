import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answerLength, averageRanks, lengthBias, pearson, spearman } from './length-bias.ts';

describe('correlations', () => {
  it('match textbook values (checked against scipy.stats)', () => {
    // scipy.stats.pearsonr([1,2,3,4,5],[2,4,5,4,5]) -> 0.7745966692414834
    expect(pearson([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])).toBeCloseTo(0.7745966692, 9);
    // scipy.stats.spearmanr([1,2,3,4,5],[2,4,5,4,5]) -> 0.7378647873726218 (ties get average ranks)
    expect(spearman([1, 2, 3, 4, 5], [2, 4, 5, 4, 5])).toBeCloseTo(0.7378647874, 9);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBe(-1);
    expect(spearman([1, 10, 100, 1000], [1, 2, 3, 4])).toBe(1);
  });

  it('gives average ranks to ties, whatever the row order', () => {
    expect(averageRanks([5, 3, 5, 1])).toEqual([3.5, 2, 3.5, 1]);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 400 })), { minLength: 3, maxLength: 40 }), (pairs) => {
        const forward = spearman(pairs.map((pair) => pair[1]), pairs.map((pair) => pair[0]));
        const reversed = [...pairs].reverse();
        const backward = spearman(reversed.map((pair) => pair[1]), reversed.map((pair) => pair[0]));
        if (forward === undefined) expect(backward).toBeUndefined();
        else expect(backward).toBeCloseTo(forward, 9);
      }),
    );
  });

  it('is undefined, not 0, where it is not defined', () => {
    expect(pearson([1, 2], [1, 2])).toBeUndefined();
    expect(pearson([1, 2, 3], [4, 4, 4])).toBeUndefined();
    expect(spearman([], [])).toBeUndefined();
    expect(lengthBias([])).toEqual({ n: 0, pearson: undefined, spearman: undefined, meanLength: undefined });
    expect(() => pearson([1, 2, 3], [1, 2])).toThrow(RangeError);
  });

  it('measures answers in words', () => {
    expect(answerLength('  Hello there,\n\nfriend.  ')).toBe(3);
    expect(answerLength('   ')).toBe(0);
    expect(lengthBias([{ score: 1, length: 10 }, { score: 3, length: 50 }, { score: 5, length: 200 }])).toMatchObject({ n: 3, spearman: 1, meanLength: 260 / 3 });
  });
});
