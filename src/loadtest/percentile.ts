/**
 * The p-th percentile (0-100) by linear interpolation between closest ranks, as numpy's default
 * (which vLLM's benchmark_serving uses), so figures compare with its reports. undefined for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low);
}

export interface Spread {
  p50: number | undefined;
  p95: number | undefined;
  p99: number | undefined;
}

export function spread(values: number[]): Spread {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  return { p50: percentile(list, 50), p95: percentile(list, 95), p99: percentile(list, 99) };
}
