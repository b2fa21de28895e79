import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveApiKeys } from '../config/endpoints-in-use.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import { scrubUrl } from '../core/secrets.ts';
import { createEndpointClient } from '../endpoints/endpoint-client.ts';
import type { EndpointClient, EndpointSettings } from '../endpoints/types.ts';
import { renderChartPage } from '../report/chart-page.ts';
import { endpointSettings } from '../replay/endpoint-settings.ts';
import { mergeFieldMappings } from '../replay/mapping.ts';
import type { LoadModelParams } from '../sim/load-model.ts';
import { startSim, type SimServer } from '../sim/server.ts';
import { latencyThroughputSpec } from './chart.ts';
import { levelLoad, levelStats, maxSustainable, type LevelStats, type Slo } from './level-stats.ts';
import { probeOpenAiCompatible } from './probe.ts';
import { readSchedulerGauges } from './prometheus.ts';
import { runLevel, type LevelSpec } from './run-level.ts';
import { loadtestRows } from './store-rows.ts';
import { readWorkload } from './workload.ts';
import { writePhase2Rows } from '../store/phase2-tables.ts';

export interface LoadtestOptions {
  config: string;
  endpoint: string;
  dataset?: string;
  fields?: string[];
  concurrency?: number[];
  rate?: number[];
  /** Measured seconds per level, endpoint time. */
  duration?: number;
  warmup?: number;
  sim?: boolean;
  simTimeScale?: number;
  db?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** One line per level goes here (stderr in the CLI). */
  progress?: NodeJS.WritableStream;
}

export interface LoadtestResult {
  loadtestId: string;
  endpoint: string;
  model: string;
  sim: boolean;
  timeScale: number;
  slo: Slo;
  levels: LevelStats[];
  maxSustainable: LevelStats | undefined;
  status: 'complete' | 'interrupted';
  database: string;
  chart: string;
  notes: string[];
}

export function newLoadtestId(now: Date = new Date()): string {
  return `lt-${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}-${randomBytes(2).toString('hex')}`;
}

const PROBE_MESSAGES = [{ role: 'user' as const, content: 'What are your opening hours?' }];

/**
 * The load test: everything that can fail on input (config, endpoint, levels, log, the endpoint
 * not speaking the OpenAI chat protocol) fails before the first level; then each level in turn,
 * /metrics sampled alongside; then all rows in one transaction and the chart page.
 */
export async function runLoadtest(options: LoadtestOptions): Promise<LoadtestResult> {
  const env = options.env ?? process.env;
  const signal = options.signal ?? new AbortController().signal;
  const config = loadConfig(options.config, { env });
  const endpoint = config.endpoints[options.endpoint];
  if (endpoint === undefined) throw new UsageError(`--endpoint ${options.endpoint}: no such endpoint in ${options.config} (defined: ${Object.keys(config.endpoints).join(', ')})`);
  const specs = levelSpecs(options, config);
  const sim = options.sim ?? false;
  const timeScale = sim ? (options.simTimeScale ?? 1) : 1;
  if (sim && !(timeScale > 0)) throw new UsageError('--sim-time-scale must be > 0 for a load test: the sim\'s load model is a model of time');
  const durationS = options.duration ?? config.loadtest.duration_s;
  if (!(durationS > 0)) throw new UsageError(`--duration must be > 0, got ${durationS}`);
  const warmupS = options.warmup ?? config.loadtest.warmup_s ?? durationS / 4;
  const datasetPath = options.dataset ?? config.dataset.path;
  const { requests, rejects } = await readWorkload(
    { path: datasetPath, format: config.dataset.format, table: config.dataset.table, sql: config.dataset.sql, mapping: mergeFieldMappings(config.dataset.fields, options.fields ?? []) },
    config.system_prompt,
    config.loadtest.max_tokens,
    config.loadtest.seed,
  );
  const notes: string[] = [];
  if (rejects > 0) notes.push(`${rejects} log lines rejected`);
  const key = sim ? undefined : resolveApiKeys(config, [options.endpoint], env).get(options.endpoint);

  let server: SimServer | undefined;
  let client: EndpointClient | undefined;
  try {
    if (sim) server = await startSim({ port: 0, timeScale, seed: config.loadtest.seed, loadModel: simOverrides(config) });
    const base = endpointSettings(config, options.endpoint, key, server);
    const open = Math.max(...specs.map((spec) => (spec.kind === 'concurrency' ? spec.concurrency : config.loadtest.max_in_flight)));
    // No retries (a retry is a second request the level did not ask for); streamed for TTFT; the
    // timeout is the endpoint's, in its own time.
    const settings: EndpointSettings = { ...base, retries: 0, stream: true, maxConcurrency: open, timeoutMs: Math.max(1, Math.round(base.timeoutMs * timeScale)) };
    await probeOpenAiCompatible(settings, PROBE_MESSAGES);
    const now = (): number => performance.now();
    client = createEndpointClient(settings, { now });
    const metricsUrl = metricsUrlOf(settings.baseUrl, config.loadtest.metrics_path);
    let metricsWork = true;
    const sampleMetrics = async () => {
      if (!metricsWork) return undefined;
      const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) });
      const text = await response.text();
      if (response.status !== 200) {
        metricsWork = false;
        notes.push(`no Prometheus metrics at ${scrubUrl(metricsUrl)} (HTTP ${response.status}): running/waiting/KV columns are NULL`);
        return undefined;
      }
      return readSchedulerGauges(text, settings.model);
    };

    const loadtestId = newLoadtestId();
    const levels: LevelStats[] = [];
    const runs = [];
    const cursor = { next: 0 };
    for (const [index, spec] of specs.entries()) {
      if (signal.aborted) break;
      const run = await runLevel(spec, {
        client,
        requests,
        cursor,
        scale: timeScale,
        warmupS,
        durationS,
        maxRequests: config.loadtest.max_requests_per_level,
        maxInFlight: config.loadtest.max_in_flight,
        seed: config.loadtest.seed + index,
        now,
        sampleMetrics,
        metricsEveryS: config.loadtest.metrics_every_s,
        signal,
      });
      if (signal.aborted) break;
      const stats = levelStats(spec, run, timeScale, config.slo);
      levels.push(stats);
      runs.push(run);
      options.progress?.write(`${describeLevel(stats)}\n`);
    }
    const status = signal.aborted ? 'interrupted' : 'complete';
    const best = maxSustainable(levels);
    if (best === undefined && levels.length > 0) notes.push(`no level meets the SLO (${sloText(config.slo)})`);
    const database = options.db ?? config.database;
    const createdAt = new Date();
    await writePhase2Rows(
      database,
      loadtestRows({
        loadtestId,
        createdAt,
        endpoint: options.endpoint,
        // Stored and shown without a gateway key in its user part or query string (issue 16 #4).
        baseUrl: scrubUrl(settings.baseUrl),
        model: settings.model,
        dataset: datasetPath,
        mode: specs[0]!.kind,
        durationS,
        warmupS,
        timeScale,
        sim,
        seed: config.loadtest.seed,
        slo: config.slo,
        levels,
        runs,
        best,
        status,
        notes,
      }),
    );
    mkdirSync(config.results_dir, { recursive: true });
    const chart = join(config.results_dir, `${loadtestId}.html`);
    const intro = `Endpoint ${options.endpoint} (${settings.model}${sim ? `, simulated: load model at time scale ${timeScale}` : `, ${scrubUrl(settings.baseUrl)}`}), ${levels.length} levels, ${durationS} s measured each after ${warmupS} s of warm-up. SLO: ${sloText(config.slo)}. Max sustainable: ${best === undefined ? 'none' : describeLevel(best)}.`;
    writeFileSync(
      chart,
      await renderChartPage(`Load test ${loadtestId}`, intro, [
        { id: 'chart-latency-throughput', title: 'Latency vs throughput', caption: 'p95 latencies against completed requests per second, one point a level in load order; dashed lines are the SLO limits (log scale).', spec: latencyThroughputSpec(levels, config.slo) },
      ]),
    );
    return { loadtestId, endpoint: options.endpoint, model: settings.model, sim, timeScale, slo: config.slo, levels, maxSustainable: best, status, database, chart, notes };
  } finally {
    client?.close?.();
    await server?.close();
  }
}

/**
 * vLLM serves Prometheus metrics at the server's root, beside /v1; the base URL's query string (a
 * gateway's api-version or key) is kept, as for the API paths.
 */
export function metricsUrlOf(baseUrl: string, metricsPath: string): string {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}${metricsPath}`;
  return url.href;
}

function levelSpecs(options: LoadtestOptions, config: Config): LevelSpec[] {
  if (options.concurrency !== undefined && options.rate !== undefined) throw new UsageError('give --concurrency or --rate, not both');
  if (options.rate !== undefined) return options.rate.map((rate) => ({ kind: 'rate', rate }));
  return (options.concurrency ?? config.loadtest.concurrency).map((concurrency) => ({ kind: 'concurrency', concurrency }));
}

function simOverrides(config: Config): Partial<LoadModelParams> {
  const sim = config.loadtest.sim;
  const overrides: Partial<LoadModelParams> = {};
  if (sim.max_num_seqs !== undefined) overrides.maxNumSeqs = sim.max_num_seqs;
  if (sim.max_num_batched_tokens !== undefined) overrides.maxNumBatchedTokens = sim.max_num_batched_tokens;
  if (sim.kv_cache_tokens !== undefined) overrides.kvCacheTokens = sim.kv_cache_tokens;
  if (sim.step_base_ms !== undefined) overrides.stepBaseMs = sim.step_base_ms;
  if (sim.step_per_seq_ms !== undefined) overrides.stepPerSeqMs = sim.step_per_seq_ms;
  if (sim.prefill_per_token_ms !== undefined) overrides.prefillPerTokenMs = sim.prefill_per_token_ms;
  if (sim.prefix_caching !== undefined) overrides.prefixCaching = sim.prefix_caching;
  return overrides;
}

export function sloText(slo: Slo): string {
  const parts = [
    slo.ttft_p95_ms === undefined ? undefined : `p95 TTFT <= ${slo.ttft_p95_ms} ms`,
    slo.itl_p95_ms === undefined ? undefined : `p95 inter-token <= ${slo.itl_p95_ms} ms`,
    slo.e2e_p95_ms === undefined ? undefined : `p95 end-to-end <= ${slo.e2e_p95_ms} ms`,
    `errors <= ${(slo.max_error_rate * 100).toFixed(1)}%`,
  ];
  return parts.filter((part) => part !== undefined).join(', ');
}

const ms = (value: number | undefined): string => (value === undefined ? 'n/a' : `${Math.round(value)} ms`);

export function describeLevel(stats: LevelStats): string {
  const load = stats.spec.kind === 'concurrency' ? `concurrency ${stats.spec.concurrency}` : `rate ${levelLoad(stats.spec)}/s`;
  return (
    `${load}: ${stats.requestsPerS === undefined ? 'n/a' : stats.requestsPerS.toFixed(2)} req/s, ` +
    `${stats.outputTokensPerS === undefined ? 'n/a' : Math.round(stats.outputTokensPerS)} tok/s, p95 TTFT ${ms(stats.ttft.p95)}, ` +
    `p95 ITL ${ms(stats.itl.p95)}, p95 e2e ${ms(stats.e2e.p95)}, ${stats.errors} errors` +
    `${stats.meetsSlo ? ', meets SLO' : `, misses SLO (${stats.sloFailures.join('; ')})`}`
  );
}
