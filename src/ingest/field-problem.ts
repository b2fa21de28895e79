/**
 * A record that cannot become a query, said as `field: reason`. Thrown inside the converters so
 * each check stays one line; always caught and turned into a stored reject, never escapes a reader.
 */
export class FieldProblem extends Error {
  override name = 'FieldProblem';
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
