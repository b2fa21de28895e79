import { createRandom } from '../datasets/random.ts';
import type { EndpointClient } from '../endpoints/types.ts';
import type { SchedulerGauges } from './prometheus.ts';
import type { LoadRequest } from './workload.ts';

export type LevelSpec = { kind: 'concurrency'; concurrency: number } | { kind: 'rate'; rate: number };

export interface LevelOptions {
  client: EndpointClient;
  requests: readonly LoadRequest[];
  /** Shared across levels, so each level continues through the shuffled log. */
  cursor: { next: number };
  /** Endpoint seconds per wall second: under the sim its timeScale, else 1. */
  scale: number;
  warmupS: number;
  durationS: number;
  maxRequests: number;
  maxInFlight: number;
  seed: number;
  /** Wall-clock milliseconds; the same clock the endpoint client uses. */
  now: () => number;
  sampleMetrics: (() => Promise<SchedulerGauges | undefined>) | undefined;
  metricsEveryS: number;
  signal: AbortSignal;
}

/** One request, wall-clock milliseconds. */
export interface RequestRecord {
  seq: number;
  queryId: string;
  status: 'ok' | 'failed' | 'dropped';
  error: string | undefined;
  startedAt: number;
  endedAt: number;
  ttftMs: number | undefined;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  /** Gaps between consecutive content deltas. */
  gaps: number[];
}

export interface MetricsSample extends SchedulerGauges {
  at: number;
}

export interface LevelRun {
  /** Requests that ended inside the measured window (in flight at its end: not counted, cancelled). */
  records: RequestRecord[];
  samples: MetricsSample[];
  windowStart: number;
  /** The window's end, or when the level ran out of requests (max_requests_per_level) before it. */
  windowEnd: number;
  sent: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Holds one load level for warm-up + duration (endpoint time, so wall time x scale): a closed loop
 * of N clients each sending the next logged request when its last one ends, or Poisson arrivals at
 * a rate whatever the answers do. Requests still open at the end are cancelled, so the next level
 * starts on an idle server.
 */
export async function runLevel(spec: LevelSpec, options: LevelOptions): Promise<LevelRun> {
  const { client, now, scale } = options;
  const stop = new AbortController();
  const onOuterAbort = (): void => stop.abort();
  options.signal.addEventListener('abort', onOuterAbort, { once: true });
  const start = now();
  const windowStart = start + options.warmupS * scale * 1000;
  const windowEnd = windowStart + options.durationS * scale * 1000;
  const records: RequestRecord[] = [];
  const samples: MetricsSample[] = [];
  let sent = 0;
  let inFlight = 0;
  const endTimer = setTimeout(() => stop.abort(), windowEnd - start);
  const keep = (record: RequestRecord): void => {
    if (record.endedAt >= windowStart && record.endedAt <= windowEnd) records.push(record);
  };

  async function send(): Promise<void> {
    const request = options.requests[options.cursor.next++ % options.requests.length]!;
    const seq = sent++;
    const gaps: number[] = [];
    let last: number | undefined;
    inFlight++;
    const startedAt = now();
    try {
      const result = await client.chat(request.messages, {
        maxTokens: request.maxTokens,
        signal: stop.signal,
        onContent: (at) => {
          if (last !== undefined) gaps.push(at - last);
          last = at;
        },
      });
      if (result.status === 'interrupted') return;
      const ok = result.status === 'ok' || result.status === 'ok_after_retry';
      keep({
        seq,
        queryId: request.queryId,
        status: ok ? 'ok' : 'failed',
        error: result.error,
        startedAt,
        endedAt: now(),
        ttftMs: ok ? result.ttftMs : undefined,
        promptTokens: result.promptTokens,
        completionTokens: result.completionTokens,
        gaps: ok ? gaps : [],
      });
    } finally {
      inFlight--;
    }
  }

  const sampler = (async () => {
    if (options.sampleMetrics === undefined) return;
    while (!stop.signal.aborted) {
      const gauges = await options.sampleMetrics().catch(() => undefined);
      if (gauges !== undefined) samples.push({ at: now(), ...gauges });
      await Promise.race([sleep(options.metricsEveryS * scale * 1000), new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }))]);
    }
  })();

  const open = (): boolean => !stop.signal.aborted && now() < windowEnd && sent < options.maxRequests;
  if (spec.kind === 'concurrency') {
    await Promise.all(
      Array.from({ length: spec.concurrency }, async () => {
        while (open()) await send();
      }),
    );
  } else {
    const random = createRandom(options.seed);
    const pending = new Set<Promise<void>>();
    const wallRatePerMs = spec.rate / scale / 1000;
    let next = start;
    for (;;) {
      next += -Math.log(1 - random.next()) / wallRatePerMs;
      if (next >= windowEnd) break;
      const wait = next - now();
      if (wait > 1) await sleep(wait);
      if (!open()) break;
      if (inFlight >= options.maxInFlight) {
        const at = now();
        sent++;
        keep({ seq: sent - 1, queryId: '', status: 'dropped', error: `not sent: ${options.maxInFlight} requests already open (loadtest.max_in_flight)`, startedAt: at, endedAt: at, ttftMs: undefined, promptTokens: undefined, completionTokens: undefined, gaps: [] });
        continue;
      }
      const promise = send().finally(() => pending.delete(promise));
      pending.add(promise);
    }
    if (!stop.signal.aborted) await Promise.race([sleep(windowEnd - now()), new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }))]);
    stop.abort();
    await Promise.all(pending);
  }
  const finishedAt = now();
  stop.abort();
  clearTimeout(endTimer);
  await sampler;
  options.signal.removeEventListener('abort', onOuterAbort);
  return { records, samples, windowStart, windowEnd: Math.min(windowEnd, finishedAt), sent };
}
