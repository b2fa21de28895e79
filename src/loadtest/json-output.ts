import { levelLoad, type LevelStats } from './level-stats.ts';
import type { LoadtestResult } from './run-loadtest.ts';

const level = (stats: LevelStats): Record<string, number> =>
  stats.spec.kind === 'concurrency' ? { concurrency: stats.spec.concurrency } : { rate: levelLoad(stats.spec) };

/** `loadtest --json`: the shape (levels, max_sustainable) plus the ids a script needs next. Unknown figures are null. */
export function loadtestJson(result: LoadtestResult): Record<string, unknown> {
  const orNull = (value: number | undefined): number | null => value ?? null;
  return {
    loadtest_id: result.loadtestId,
    status: result.status,
    endpoint: result.endpoint,
    model: result.model,
    sim: result.sim,
    time_scale: result.timeScale,
    slo: result.slo,
    levels: result.levels.map((stats) => ({
      ...level(stats),
      requests_per_s: orNull(stats.requestsPerS),
      output_tokens_per_s: orNull(stats.outputTokensPerS),
      ttft_p95_ms: orNull(stats.ttft.p95),
      itl_p95_ms: orNull(stats.itl.p95),
      e2e_p95_ms: orNull(stats.e2e.p95),
      errors: stats.errors,
      completed: stats.completed,
      ttft_p50_ms: orNull(stats.ttft.p50),
      ttft_p99_ms: orNull(stats.ttft.p99),
      itl_p50_ms: orNull(stats.itl.p50),
      itl_p99_ms: orNull(stats.itl.p99),
      e2e_p50_ms: orNull(stats.e2e.p50),
      e2e_p99_ms: orNull(stats.e2e.p99),
      running_max: orNull(stats.runningMax),
      waiting_max: orNull(stats.waitingMax),
      kv_cache_usage_max: orNull(stats.kvCacheUsageMax),
      meets_slo: stats.meetsSlo,
      slo_failures: stats.sloFailures,
    })),
    max_sustainable: result.maxSustainable === undefined ? null : { ...level(result.maxSustainable), requests_per_s: orNull(result.maxSustainable.requestsPerS) },
    notes: result.notes,
    database: result.database,
    chart: result.chart,
  };
}
