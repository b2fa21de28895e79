import { UsageError } from './errors.ts';

const SIZE_UNITS: Record<string, number> = { kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** A size as DuckDB's settings take it: a number and a unit (the config schema checks with it too). */
export const DUCKDB_SIZE = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB|KiB|MiB|GiB)$/i;

/** '64MB' -> 64000000 (DuckDB's reading: MB is 1000², MiB 1024²). */
export function parseSize(size: string): number {
  const { amount, unit } = sizeParts(size);
  return Math.round(amount * SIZE_UNITS[unit.toLowerCase()]!);
}

/** '128MB', 2 -> '256MB': the same unit as given, so the user reads it as they wrote it. */
export function multiplySize(size: string, factor: number): string {
  const { amount, unit } = sizeParts(size);
  return `${Number((amount * factor).toPrecision(12))}${unit}`;
}

function sizeParts(size: string): { amount: number; unit: string } {
  const match = DUCKDB_SIZE.exec(size.trim());
  if (!match) throw new UsageError(`memory size '${size}' is not a number and KB, MB, GB, KiB, MiB or GiB`);
  return { amount: Number(match[1]), unit: match[2]! };
}
