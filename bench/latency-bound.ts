/**
 * The replay at realistic latency (issue 21): the sim at time scale 1 (its latency profiles at
 * real-world pace, fixed seeds), a replay with single and pairwise judging, and how close the whole
 * run comes to the bound its own config sets.
 *
 *   npx node bench/latency-bound.ts [--n 1500] [--concurrency 64] [--judge-concurrency 128] [--in-flight 1024]
 *
 * At real latency the harness cannot go faster than its limiters let calls through. By Little's
 * law a limiter of C slots whose calls take a mean of L seconds completes at most C / L calls a
 * second; a run that makes k of its calls per query through it completes at most C / (L x k)
 * queries a second. The bound is the smallest of these over every limiter of the run: each
 * endpoint's client (max_concurrency) and the judge's (judge.max_concurrency, single and pairwise
 * calls alike). L and k are measured, not assumed: from the run's own rows (each response's
 * latency, each verdict's latency; a comparison is two calls), so L is what the sim actually took
 * to answer, as the client saw it. The sim's own /metrics (mean e2e latency per model) is printed
 * beside it as a check. ratio_e2e_vs_bound = (N / wall-clock of the replay process, start-up and
 * the last query's drain included) / bound.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeDataset } from '../src/datasets/write-dataset.ts';
import { openStore } from '../src/store/store.ts';
import { measure } from './lib/child.ts';
import { describeMachine } from './lib/machine.ts';
import { startSimProcess } from './lib/sim-process.ts';
import { writeStackConfig } from './lib/stack-config.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/hybrid-eval.js');
const DATASET_SEED = 8;
const SIM_SEED = 21;

export interface LatencyBoundOptions {
  n: number;
  /** Every endpoint's max_concurrency. */
  concurrency: number;
  judgeConcurrency: number;
  /** replay.max_in_flight: high enough that it is not what binds (the bound is over the limiters). */
  maxInFlight: number;
  log: (line: string) => void;
}

/** One limiter of the run: what the config allows and what the run measured through it. */
export interface Limiter {
  name: string;
  maxConcurrency: number;
  calls: number;
  /** Seconds of call time through this limiter, all calls together. */
  busySeconds: number;
  meanLatencySeconds: number;
  callsPerQuery: number;
  /** maxConcurrency / (meanLatencySeconds x callsPerQuery), queries per second. */
  boundQps: number;
}

export interface LatencyBoundResult {
  n: number;
  wallSeconds: number;
  loopSeconds: number;
  e2eQps: number;
  limiters: Limiter[];
  binding: Limiter;
  boundQps: number;
  ratio: number;
  comparisons: number;
  /** The sim's own mean e2e latency per model (its /metrics), seconds. */
  simMeanLatency: Record<string, number>;
}

/** C / (L x k) per limiter; the bound is the least of them. */
export function limiterBound(name: string, maxConcurrency: number, calls: number, busySeconds: number, queries: number): Limiter {
  const meanLatencySeconds = busySeconds / calls;
  const callsPerQuery = calls / queries;
  return { name, maxConcurrency, calls, busySeconds, meanLatencySeconds, callsPerQuery, boundQps: maxConcurrency / (meanLatencySeconds * callsPerQuery) };
}

async function simMeanLatency(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url.replace(/\/v1$/, '')}/metrics`)).text();
  const figure = (kind: 'sum' | 'count'): Map<string, number> =>
    new Map(
      [...text.matchAll(new RegExp(`^vllm:e2e_request_latency_seconds_${kind}\\{[^}]*model_name="([^"]+)"[^}]*\\} (\\S+)$`, 'gm'))].map((match) => [match[1]!, Number(match[2])]),
    );
  const sums = figure('sum');
  const counts = figure('count');
  return Object.fromEntries([...sums].filter(([model]) => (counts.get(model) ?? 0) > 0).map(([model, sum]) => [model, sum / counts.get(model)!]));
}

async function measuredLimiters(database: string, options: LatencyBoundOptions, n: number): Promise<{ limiters: Limiter[]; comparisons: number }> {
  const store = await openStore(database, { readOnly: true, mustExist: true });
  try {
    // Generation: one client (one limiter) per endpoint; a call that was answered has its latency.
    const endpoints = await store.all<{ endpoint: string; calls: number; busy_ms: number }>(
      `SELECT endpoint, count(latency_ms)::INTEGER AS calls, sum(latency_ms) AS busy_ms
       FROM responses WHERE source = 'endpoint' AND latency_ms IS NOT NULL GROUP BY endpoint ORDER BY endpoint`,
    );
    // The judge's client: every single verdict is one call (the sim needs no repairs), every comparison two.
    const [single] = await store.all<{ calls: number; busy_ms: number }>(
      `SELECT count(latency_ms)::INTEGER AS calls, coalesce(sum(latency_ms), 0) AS busy_ms FROM judgments WHERE kind = 'single' AND judge_model = 'gpt-4'`,
    );
    const [pairwise] = await store.all<{ comparisons: number; busy_ms: number }>(
      `SELECT count(latency_ms)::INTEGER AS comparisons, coalesce(sum(latency_ms), 0) AS busy_ms FROM pairwise_judgments`,
    );
    const limiters = endpoints.map((row) => limiterBound(`endpoint ${row.endpoint}`, options.concurrency, row.calls, row.busy_ms / 1000, n));
    limiters.push(limiterBound('judge (single + pairwise)', options.judgeConcurrency, single!.calls + 2 * pairwise!.comparisons, (single!.busy_ms + pairwise!.busy_ms) / 1000, n));
    return { limiters, comparisons: pairwise!.comparisons };
  } finally {
    await store.close();
  }
}

export async function runLatencyBoundBench(options: LatencyBoundOptions): Promise<LatencyBoundResult> {
  const work = mkdtempSync(join(tmpdir(), 'hybrid-eval-latency-'));
  const dataset = join(work, 'queries.jsonl');
  await writeDataset(dataset, { n: options.n, seed: DATASET_SEED });
  const sim = await startSimProcess({ referenceFiles: [dataset], timeScale: 1, seed: SIM_SEED });
  try {
    const database = join(work, 'replay.duckdb');
    const config = join(work, 'stack.yaml');
    writeStackConfig(config, {
      simUrl: sim.url,
      database,
      concurrency: options.concurrency,
      judgeConcurrency: options.judgeConcurrency,
      maxInFlight: options.maxInFlight,
      pairwise: true,
    });
    const run = await measure(BIN, ['replay', '-c', config, '--dataset', dataset, '--limit', String(options.n)], { cwd: ROOT, echo: /^replay: / });
    const summary = /complete; (\d+) queries replayed, \d+ rejected lines, (\d+) failed calls, (\d+) fallbacks in ([\d.]+) s/.exec(run.stdout);
    if (run.code !== 0 || !summary || Number(summary[1]) !== options.n) {
      throw new Error(`replay of ${options.n} at time scale 1 failed (exit ${run.code}): ${run.stdout}\n${run.stderr.slice(-2000)}`);
    }
    const { limiters, comparisons } = await measuredLimiters(database, options, options.n);
    const binding = limiters.reduce((least, limiter) => (limiter.boundQps < least.boundQps ? limiter : least));
    const wallSeconds = run.wallMs / 1000;
    const e2eQps = options.n / wallSeconds;
    return {
      n: options.n,
      wallSeconds,
      loopSeconds: Number(summary[4]),
      e2eQps,
      limiters,
      binding,
      boundQps: binding.boundQps,
      ratio: e2eQps / binding.boundQps,
      comparisons,
      simMeanLatency: await simMeanLatency(sim.url),
    };
  } finally {
    await sim.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

export function describeLatencyBound(result: LatencyBoundResult, log: (line: string) => void): void {
  for (const limiter of result.limiters) {
    log(
      `  limiter ${limiter.name}: max_concurrency ${limiter.maxConcurrency}, ${limiter.calls} calls (${limiter.callsPerQuery.toFixed(2)}/query), ` +
        `mean latency ${limiter.meanLatencySeconds.toFixed(3)} s -> ${limiter.boundQps.toFixed(2)} queries/s`,
    );
  }
  log(`  the sim's own mean e2e latency (/metrics): ${Object.entries(result.simMeanLatency).map(([model, seconds]) => `${model} ${seconds.toFixed(3)} s`).join(', ')}`);
  log(
    `replay ${result.n} queries at sim time scale 1 with single + pairwise judging (${result.comparisons} comparisons): ` +
      `${result.e2eQps.toFixed(2)} queries/s end to end (wall ${result.wallSeconds.toFixed(1)} s, replay loop ${result.loopSeconds.toFixed(1)} s); ` +
      `bound ${result.boundQps.toFixed(2)} queries/s (${result.binding.name}) -> e2e vs bound ${result.ratio.toFixed(2)}`,
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '1500' },
      concurrency: { type: 'string', default: '64' },
      'judge-concurrency': { type: 'string', default: '128' },
      'in-flight': { type: 'string', default: '1024' },
    },
  });
  const log = (line: string): void => console.log(line);
  log(`machine: ${describeMachine()}`);
  const result = await runLatencyBoundBench({
    n: Number(values.n),
    concurrency: Number(values.concurrency),
    judgeConcurrency: Number(values['judge-concurrency']),
    maxInFlight: Number(values['in-flight']),
    log,
  });
  describeLatencyBound(result, log);
  log(`ratio_e2e_vs_bound=${result.ratio.toFixed(2)}`);
}
