/**
 * How to cut texts, sorted by token count, into ONNX runs. A run pads every row to its longest
 * one, and each run has a fixed cost (session call, tensor set-up), here counted as
 * `overheadTokens` padded tokens. Dynamic programming over the cut points gives the cheapest plan
 * with at most `maxBatch` rows per run: a batch of 32 with a few long queries becomes one run for
 * the short ones and one for the long ones, instead of padding all 32 to the longest.
 *
 * Returns [start, end) index ranges into the sorted list, in order.
 */
export function planRuns(sortedLengths: readonly number[], maxBatch: number, overheadTokens: number): [number, number][] {
  const n = sortedLengths.length;
  const best = new Array<number>(n + 1).fill(Infinity);
  const cut = new Array<number>(n + 1).fill(0);
  best[0] = 0;
  for (let end = 1; end <= n; end += 1) {
    // Sorted ascending, so a run ending at `end` is as wide as its last row.
    const width = sortedLengths[end - 1] as number;
    for (let start = Math.max(0, end - maxBatch); start < end; start += 1) {
      const cost = (best[start] as number) + overheadTokens + (end - start) * width;
      if (cost < (best[end] as number)) {
        best[end] = cost;
        cut[end] = start;
      }
    }
  }
  const runs: [number, number][] = [];
  for (let end = n; end > 0; end = cut[end] as number) runs.push([cut[end] as number, end]);
  return runs.reverse();
}
