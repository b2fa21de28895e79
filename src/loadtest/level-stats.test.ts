import { describe, expect, it } from 'vitest';
import { levelStats, maxSustainable } from './level-stats.ts';
import type { LevelRun, RequestRecord } from './run-level.ts';

const SLO = { ttft_p95_ms: 1000, itl_p95_ms: 80, max_error_rate: 0.01 };

function record(startedAt: number, ttftMs: number, endedAt: number, gaps: number[], status: RequestRecord['status'] = 'ok'): RequestRecord {
  return { seq: 0, queryId: 'q', status, error: status === 'ok' ? undefined : 'HTTP 500', startedAt, endedAt, ttftMs: status === 'ok' ? ttftMs : undefined, promptTokens: 10, completionTokens: status === 'ok' ? gaps.length + 1 : undefined, gaps };
}

describe('levelStats', () => {
  it("reports in the endpoint's time: wall latencies / scale, rates x scale", () => {
    // 2 wall seconds measured at scale 0.1 = 20 simulated seconds; 4 answers of 3 tokens.
    const run: LevelRun = {
      records: [0, 1, 2, 3].map((index) => record(1000 + index * 100, 10, 1100 + index * 100, [2, 2])),
      samples: [{ at: 1500, running: 4, waiting: 1, kvCacheUsage: 0.2 }, { at: 9999, running: 9, waiting: 9, kvCacheUsage: 0.9 }],
      windowStart: 1000,
      windowEnd: 3000,
      sent: 4,
    };
    const stats = levelStats({ kind: 'concurrency', concurrency: 4 }, run, 0.1, SLO);
    expect(stats.measuredS).toBeCloseTo(20);
    expect(stats.requestsPerS).toBeCloseTo(4 / 20);
    expect(stats.outputTokensPerS).toBeCloseTo(12 / 20);
    expect(stats.ttft.p95).toBeCloseTo(100);
    expect(stats.itl.p50).toBeCloseTo(20);
    expect(stats.e2e.p95).toBeCloseTo(1000);
    // Only samples inside the window count.
    expect([stats.runningMax, stats.waitingMax, stats.kvCacheUsageMax]).toEqual([4, 1, 0.2]);
    expect(stats.meetsSlo).toBe(true);
  });

  it('names each limit a level misses; errors count against the error budget, not as latencies', () => {
    const run: LevelRun = { records: [record(0, 2000, 3000, [100, 100]), record(0, 0, 10, [], 'failed')], samples: [], windowStart: 0, windowEnd: 10_000, sent: 2 };
    const stats = levelStats({ kind: 'rate', rate: 2 }, run, 1, SLO);
    expect(stats.completed).toBe(1);
    expect(stats.errors).toBe(1);
    expect(stats.sloFailures).toEqual(['p95 TTFT 2000 ms > 1000 ms', 'p95 inter-token latency 100 ms > 80 ms', 'error rate 50.0% > 1.0%']);
    expect(stats.runningMax).toBeUndefined();
  });

  it('a level with no completed request has unknown latencies and misses the SLO', () => {
    const stats = levelStats({ kind: 'concurrency', concurrency: 1 }, { records: [], samples: [], windowStart: 0, windowEnd: 1000, sent: 0 }, 1, SLO);
    expect(stats.ttft.p95).toBeUndefined();
    expect(stats.outputTokensPerS).toBeUndefined();
    expect(stats.meetsSlo).toBe(false);
  });
});

describe('maxSustainable', () => {
  it('is the highest load meeting the SLO, or undefined', () => {
    const at = (concurrency: number, meets: boolean) => ({ ...levelStats({ kind: 'concurrency', concurrency }, { records: [], samples: [], windowStart: 0, windowEnd: 1, sent: 0 }, 1, SLO), meetsSlo: meets });
    expect(maxSustainable([at(1, true), at(4, true), at(16, false)])?.spec).toEqual({ kind: 'concurrency', concurrency: 4 });
    expect(maxSustainable([at(1, false)])).toBeUndefined();
  });
});
