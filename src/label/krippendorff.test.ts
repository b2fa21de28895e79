import { describe, expect, it } from 'vitest';
import { fleissKappa } from '../spotcheck/kappa.ts';
import { krippendorffAlphaNominal, specificAgreement } from './krippendorff.ts';

/** Rows of raters' values per unit (undefined = missing) -> a units x categories count table. */
function table(units: (number | undefined)[][], categories: number): number[][] {
  return units.map((values) => {
    const row = new Array<number>(categories).fill(0);
    for (const value of values) if (value !== undefined) row[value - 1]! += 1;
    return row;
  });
}

describe('Krippendorff alpha (nominal)', () => {
  it("reproduces Krippendorff's worked example with missing values (alpha = 0.743)", () => {
    // Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: 4 observers,
    // 12 units, values 1-5, missing data; nominal alpha = 0.743.
    const _ = undefined;
    const observers = [
      [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
      [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
      [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
      [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
    ];
    const units = observers[0]!.map((_, unit) => observers.map((row) => row[unit]));
    expect(krippendorffAlphaNominal(table(units, 5))).toBeCloseTo(0.743, 3);
  });

  it('is 1 for perfect agreement, undefined without variation or pairs, and close to Fleiss on complete data', () => {
    expect(krippendorffAlphaNominal(table([[1, 1], [2, 2], [3, 3]], 3))).toBe(1);
    expect(krippendorffAlphaNominal(table([[1, 1], [1, 1]], 3))).toBeUndefined();
    expect(krippendorffAlphaNominal(table([[1], [2]], 3))).toBeUndefined();
    const complete = table([[1, 1, 2], [2, 2, 2], [3, 3, 1], [1, 1, 1], [2, 3, 2], [3, 3, 3]], 3);
    const alpha = krippendorffAlphaNominal(complete)!;
    const kappa = fleissKappa(complete)!;
    // Alpha corrects for small samples: slightly above kappa, converging as units grow.
    expect(alpha).toBeGreaterThan(kappa);
    expect(alpha - kappa).toBeLessThan(0.05);
  });

  it('specific agreement counts the pairs that involve a category', () => {
    const counts = table([[1, 1], [1, 2], [2, 2], [3, 3]], 3);
    // Category 1: pairs involving it: unit 1 (2 ordered pairs, both agree), unit 2 (1, disagrees).
    expect(specificAgreement(counts, 0)).toBeCloseTo(2 / 3, 10);
    expect(specificAgreement(counts, 2)).toBe(1);
    expect(specificAgreement(table([[1, 1]], 3), 2)).toBeUndefined();
  });
});
