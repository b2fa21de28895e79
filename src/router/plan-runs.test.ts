import { describe, expect, it } from 'vitest';
import { planRuns } from './plan-runs.ts';

function covers(runs: [number, number][], n: number, maxBatch: number): void {
  let next = 0;
  for (const [start, end] of runs) {
    expect(start).toBe(next);
    expect(end - start).toBeGreaterThan(0);
    expect(end - start).toBeLessThanOrEqual(maxBatch);
    next = end;
  }
  expect(next).toBe(n);
}

describe('planRuns', () => {
  it('uses the fewest runs when every text is as long as the others', () => {
    const runs = planRuns(new Array(70).fill(12), 32, 64);
    expect(runs).toHaveLength(3);
    covers(runs, 70, 32);
  });

  it('splits short from long texts when padding costs more than a run', () => {
    const lengths = [...new Array(16).fill(5), ...new Array(16).fill(40)];
    // One run: 64 + 32 * 40 = 1344 tokens; two: 2 * 64 + 16 * 5 + 16 * 40 = 848.
    expect(planRuns(lengths, 32, 64)).toEqual([
      [0, 16],
      [16, 32],
    ]);
    // With a dear run (1,000 tokens) one run is cheaper.
    expect(planRuns(lengths, 32, 1000)).toEqual([[0, 32]]);
  });

  it('returns no runs for no texts and respects maxBatch for any input', () => {
    expect(planRuns([], 32, 64)).toEqual([]);
    const lengths = Array.from({ length: 200 }, (_, i) => 3 + Math.floor(i / 7));
    covers(planRuns(lengths, 32, 64), 200, 32);
    covers(planRuns(lengths, 1, 64), 200, 1);
  });
});
