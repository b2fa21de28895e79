// Written by hand for the same reason as src/spotcheck/kappa.ts: no maintained npm package computes
// Krippendorff's alpha, and the nominal case is a few lines. Checked against Krippendorff's own
// worked example (krippendorff.test.ts).

/**
 * Krippendorff's alpha for nominal data from a units x categories table of counts
 * (counts[u][c]: how many raters put unit u in category c). Missing ratings are simply absent
 * from a unit's counts; units with fewer than two ratings cannot be paired and are left out.
 * undefined when nothing is pairable or every pairable value is the same category.
 */
export function krippendorffAlphaNominal(counts: readonly (readonly number[])[]): number | undefined {
  const categories = Math.max(0, ...counts.map((row) => row.length));
  const coincidence = Array.from({ length: categories }, () => new Array<number>(categories).fill(0));
  for (const row of counts) {
    const m = row.reduce((sum, value) => sum + value, 0);
    if (m < 2) continue;
    for (let c = 0; c < row.length; c++) {
      for (let k = 0; k < row.length; k++) {
        const pairs = c === k ? row[c]! * (row[c]! - 1) : row[c]! * row[k]!;
        coincidence[c]![k]! += pairs / (m - 1);
      }
    }
  }
  const marginals = coincidence.map((row) => row.reduce((sum, value) => sum + value, 0));
  const n = marginals.reduce((sum, value) => sum + value, 0);
  if (n <= 1) return undefined;
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < categories; c++) {
    for (let k = 0; k < categories; k++) {
      if (c === k) continue;
      observed += coincidence[c]![k]!;
      expected += marginals[c]! * marginals[k]!;
    }
  }
  if (expected <= 1e-12) return undefined;
  return 1 - ((n - 1) * observed) / expected;
}

/**
 * Specific (per-category) agreement: of the rater pairs in which at least one rater chose category
 * c, the share in which both did. undefined when no pairable unit used c.
 */
export function specificAgreement(counts: readonly (readonly number[])[], category: number): number | undefined {
  let agreeing = 0;
  let involving = 0;
  for (const row of counts) {
    const m = row.reduce((sum, value) => sum + value, 0);
    if (m < 2) continue;
    const nc = row[category] ?? 0;
    agreeing += nc * (nc - 1);
    involving += nc * (m - 1);
  }
  return involving === 0 ? undefined : agreeing / involving;
}
