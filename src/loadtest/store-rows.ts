import type { TableRows } from '../store/phase2-tables.ts';
import { levelLoad, type LevelStats, type Slo } from './level-stats.ts';
import type { LevelRun, LevelSpec } from './run-level.ts';

export interface LoadtestRecord {
  loadtestId: string;
  createdAt: Date;
  endpoint: string;
  baseUrl: string;
  model: string;
  dataset: string;
  mode: LevelSpec['kind'];
  durationS: number;
  warmupS: number;
  timeScale: number;
  sim: boolean;
  seed: number;
  slo: Slo;
  levels: readonly LevelStats[];
  runs: readonly LevelRun[];
  best: LevelStats | undefined;
  status: 'complete' | 'interrupted';
  notes: readonly string[];
}

/** The rows of migration 015's load-test tables; times in the endpoint's own time (divided by the time scale). */
export function loadtestRows(record: LoadtestRecord): TableRows[] {
  const scale = record.timeScale;
  const mean = (values: readonly number[]): number | undefined => (values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0) / values.length);
  return [
    {
      table: 'loadtests',
      columns: ['loadtest_id', 'created_at', 'endpoint', 'base_url', 'model', 'dataset', 'mode', 'duration_s', 'warmup_s', 'time_scale', 'sim', 'seed', 'slo', 'max_sustainable_level', 'max_sustainable_rps', 'status', 'notes'],
      rows: [[
        record.loadtestId, record.createdAt, record.endpoint, record.baseUrl, record.model, record.dataset, record.mode, record.durationS, record.warmupS, scale, record.sim, record.seed,
        JSON.stringify(record.slo), record.best === undefined ? undefined : levelLoad(record.best.spec), record.best?.requestsPerS, record.status,
        record.notes.length === 0 ? undefined : record.notes.join('; '),
      ]],
    },
    {
      table: 'loadtest_levels',
      columns: [
        'loadtest_id', 'level_index', 'concurrency', 'rate', 'measured_s', 'requests', 'completed', 'errors', 'requests_per_s', 'output_tokens_per_s',
        'ttft_p50_ms', 'ttft_p95_ms', 'ttft_p99_ms', 'itl_p50_ms', 'itl_p95_ms', 'itl_p99_ms', 'e2e_p50_ms', 'e2e_p95_ms', 'e2e_p99_ms',
        'running_max', 'waiting_max', 'kv_cache_usage_max', 'meets_slo', 'slo_failures',
      ],
      rows: record.levels.map((level, index) => [
        record.loadtestId, index, level.spec.kind === 'concurrency' ? level.spec.concurrency : undefined, level.spec.kind === 'rate' ? level.spec.rate : undefined,
        level.measuredS, level.requests, level.completed, level.errors, level.requestsPerS, level.outputTokensPerS,
        level.ttft.p50, level.ttft.p95, level.ttft.p99, level.itl.p50, level.itl.p95, level.itl.p99, level.e2e.p50, level.e2e.p95, level.e2e.p99,
        level.runningMax, level.waitingMax, level.kvCacheUsageMax, level.meetsSlo, level.sloFailures.length === 0 ? undefined : level.sloFailures.join('; '),
      ]),
    },
    {
      table: 'loadtest_requests',
      columns: ['loadtest_id', 'level_index', 'seq', 'query_id', 'status', 'error', 'started_s', 'prompt_tokens', 'completion_tokens', 'ttft_ms', 'e2e_ms', 'itl_mean_ms'],
      rows: record.runs.flatMap((run, index) =>
        run.records.map((request) => [
          record.loadtestId, index, request.seq, request.queryId === '' ? undefined : request.queryId, request.status, request.error,
          (request.startedAt - run.windowStart) / scale / 1000, request.promptTokens, request.completionTokens,
          request.ttftMs === undefined ? undefined : request.ttftMs / scale,
          request.status === 'ok' ? (request.endedAt - request.startedAt) / scale : undefined,
          request.gaps.length === 0 ? undefined : mean(request.gaps)! / scale,
        ]),
      ),
    },
    {
      table: 'loadtest_metrics',
      columns: ['loadtest_id', 'level_index', 'sample_index', 't_s', 'running', 'waiting', 'kv_cache_usage'],
      rows: record.runs.flatMap((run, index) =>
        run.samples.map((sample, sampleIndex) => [record.loadtestId, index, sampleIndex, (sample.at - run.windowStart) / scale / 1000, sample.running, sample.waiting, sample.kvCacheUsage]),
      ),
    },
  ];
}
