/** A sum of two figures that may be unknown: unknown if either is (never a partial sum passed off as the whole). */
export function addKnown(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a + b;
}
