// Written by hand: no maintained npm package computes Cohen's (weighted) or Fleiss' kappa, and the
// formulas are short. Each returns undefined where the figure is undefined (no items, or chance
// agreement already perfect), never 0; tests check them against textbook examples.

/** Cohen's kappa for two raters over paired nominal ratings. */
export function cohenKappa(first: readonly number[], second: readonly number[]): number | undefined {
  const categories = categoriesOf(first, second);
  return weightedKappaWith(first, second, categories, (i, j) => (i === j ? 0 : 1));
}

/**
 * Quadratic-weighted Cohen's kappa over paired ordinal ratings: disagreements cost the square of
 * their distance. `categories` fixes the scale (e.g. 1..5); the result does not depend on
 * categories no one used, so it may be omitted.
 */
export function quadraticWeightedKappa(first: readonly number[], second: readonly number[], categories?: readonly number[]): number | undefined {
  const scale = categories ?? categoriesOf(first, second);
  return weightedKappaWith(first, second, scale, (i, j) => (scale[i]! - scale[j]!) ** 2);
}

/**
 * Fleiss' kappa from a subjects x categories table of counts (counts[i][j]: how many raters put
 * subject i in category j). Subjects may have different numbers of raters (the usual
 * generalisation: each subject's agreement is over its own rater pairs); subjects with fewer than
 * two ratings carry no agreement and are left out. Equals Fleiss' kappa when every subject has
 * the same number of raters.
 */
export function fleissKappa(counts: readonly (readonly number[])[]): number | undefined {
  const subjects = counts.filter((row) => sum(row) >= 2);
  if (subjects.length === 0) return undefined;
  const categoryCount = Math.max(...subjects.map((row) => row.length));
  const totals = new Array<number>(categoryCount).fill(0);
  let ratings = 0;
  let observed = 0;
  for (const row of subjects) {
    const raters = sum(row);
    ratings += raters;
    row.forEach((count, category) => (totals[category]! += count));
    observed += (sum(row.map((count) => count * count)) - raters) / (raters * (raters - 1));
  }
  observed /= subjects.length;
  const expected = sum(totals.map((total) => (total / ratings) ** 2));
  if (expected >= 1 - 1e-12) return undefined;
  return (observed - expected) / (1 - expected);
}

function weightedKappaWith(
  first: readonly number[],
  second: readonly number[],
  categories: readonly number[],
  weight: (i: number, j: number) => number,
): number | undefined {
  if (first.length !== second.length) throw new RangeError(`kappa: ${first.length} ratings against ${second.length}`);
  const n = first.length;
  if (n === 0) return undefined;
  const index = new Map(categories.map((category, position) => [category, position]));
  const k = categories.length;
  const observed = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const rowTotals = new Array<number>(k).fill(0);
  const columnTotals = new Array<number>(k).fill(0);
  for (let item = 0; item < n; item++) {
    const i = index.get(first[item]!);
    const j = index.get(second[item]!);
    if (i === undefined || j === undefined) throw new RangeError(`kappa: rating ${i === undefined ? first[item] : second[item]} is not one of ${categories.join(', ')}`);
    observed[i]![j]! += 1;
    rowTotals[i]! += 1;
    columnTotals[j]! += 1;
  }
  let observedDisagreement = 0;
  let expectedDisagreement = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = weight(i, j);
      observedDisagreement += (w * observed[i]![j]!) / n;
      expectedDisagreement += (w * rowTotals[i]! * columnTotals[j]!) / (n * n);
    }
  }
  // Chance alone would already agree perfectly (e.g. both raters gave one and the same category).
  if (expectedDisagreement <= 1e-12) return undefined;
  return 1 - observedDisagreement / expectedDisagreement;
}

function categoriesOf(first: readonly number[], second: readonly number[]): number[] {
  return [...new Set([...first, ...second])].sort((a, b) => a - b);
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
