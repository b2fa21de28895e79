import type { Config } from '../config/schema.ts';
import { spread, type Spread } from './percentile.ts';
import type { LevelRun, LevelSpec } from './run-level.ts';

export type Slo = Config['slo'];

/** One level's figures, in the endpoint's own time (wall figures divided by the time scale). */
export interface LevelStats {
  spec: LevelSpec;
  /** Seconds of the measured window (undefined: the level never reached its window). */
  measuredS: number | undefined;
  requests: number;
  completed: number;
  errors: number;
  requestsPerS: number | undefined;
  /** undefined when the server reported no token counts. */
  outputTokensPerS: number | undefined;
  ttft: Spread;
  itl: Spread;
  e2e: Spread;
  runningMax: number | undefined;
  waitingMax: number | undefined;
  kvCacheUsageMax: number | undefined;
  meetsSlo: boolean;
  /** Why the level misses the SLO, one phrase a limit. */
  sloFailures: string[];
}

export function levelStats(spec: LevelSpec, run: LevelRun, scale: number, slo: Slo): LevelStats {
  const measuredMs = run.windowEnd - run.windowStart;
  const measuredS = measuredMs > 0 ? measuredMs / scale / 1000 : undefined;
  const ok = run.records.filter((record) => record.status === 'ok');
  const errors = run.records.length - ok.length;
  const tokens = ok.map((record) => record.completionTokens);
  const knownTokens = tokens.every((value) => value !== undefined) && ok.length > 0;
  const inWindow = run.samples.filter((sample) => sample.at >= run.windowStart && sample.at <= run.windowEnd);
  const max = (values: Array<number | undefined>): number | undefined => {
    const known = values.filter((value): value is number => value !== undefined);
    return known.length === 0 ? undefined : Math.max(...known);
  };
  const stats: LevelStats = {
    spec,
    measuredS,
    requests: run.records.length,
    completed: ok.length,
    errors,
    requestsPerS: measuredS === undefined ? undefined : ok.length / measuredS,
    outputTokensPerS: measuredS === undefined || !knownTokens ? undefined : tokens.reduce<number>((sum, value) => sum + value!, 0) / measuredS,
    ttft: spread(ok.flatMap((record) => (record.ttftMs === undefined ? [] : [record.ttftMs / scale]))),
    itl: spread(ok.flatMap((record) => record.gaps.map((gap) => gap / scale))),
    e2e: spread(ok.map((record) => (record.endedAt - record.startedAt) / scale)),
    runningMax: max(inWindow.map((sample) => sample.running)),
    waitingMax: max(inWindow.map((sample) => sample.waiting)),
    kvCacheUsageMax: max(inWindow.map((sample) => sample.kvCacheUsage)),
    meetsSlo: false,
    sloFailures: [],
  };
  stats.sloFailures = sloFailures(stats, slo);
  stats.meetsSlo = stats.sloFailures.length === 0;
  return stats;
}

function sloFailures(stats: LevelStats, slo: Slo): string[] {
  const failures: string[] = [];
  if (stats.completed === 0) return ['no request completed in the measured window'];
  const limit = (name: string, value: number | undefined, bound: number | undefined): void => {
    if (bound === undefined) return;
    if (value === undefined) failures.push(`${name} unknown (limit ${bound} ms)`);
    else if (value > bound) failures.push(`${name} ${Math.round(value)} ms > ${bound} ms`);
  };
  limit('p95 TTFT', stats.ttft.p95, slo.ttft_p95_ms);
  limit('p95 inter-token latency', stats.itl.p95, slo.itl_p95_ms);
  limit('p95 end-to-end', stats.e2e.p95, slo.e2e_p95_ms);
  const errorRate = stats.errors / (stats.completed + stats.errors);
  if (errorRate > slo.max_error_rate) failures.push(`error rate ${(errorRate * 100).toFixed(1)}% > ${(slo.max_error_rate * 100).toFixed(1)}%`);
  return failures;
}

/** The level of highest load that meets the SLO (levels need not be monotone); undefined when none does. */
export function maxSustainable(levels: readonly LevelStats[]): LevelStats | undefined {
  const load = (stats: LevelStats): number => (stats.spec.kind === 'concurrency' ? stats.spec.concurrency : stats.spec.rate);
  return levels.filter((stats) => stats.meetsSlo).sort((a, b) => load(b) - load(a))[0];
}

export function levelLoad(spec: LevelSpec): number {
  return spec.kind === 'concurrency' ? spec.concurrency : spec.rate;
}
