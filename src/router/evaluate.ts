import type { Tier } from '../core/tier.ts';
import { domainProfile, type DomainProfile } from './domain-shift.ts';
import type { Router } from './load-router.ts';
import { classificationMetrics, DEFAULT_MISROUTE_COST, percentile, type ClassificationMetrics, type MisrouteCostMatrix } from './metrics.ts';
import type { RouterThresholds } from './thresholds.ts';
import { misroutes, type Misroute } from './misroutes.ts';

export interface LabelledText {
  text: string;
  label: Tier;
}

export interface RouterEvaluation extends ClassificationMetrics {
  router_version: string;
  thresholds: RouterThresholds;
  /** Wall time of single, sequential classify calls (no concurrency), in microseconds. */
  latency_us: { p50: number; p99: number; samples: number };
  /** The whole set through classifyBatch (sorted by length, one ONNX run per batch_size queries). */
  throughput: { batch_size: number; queries_per_second: number; us_per_query: number };
  /** Queries longer than the model's max length (classified on their first tokens). */
  truncated: number;
  /** Every query routed to another tier than its label, worst first (misroutes.ts). */
  misrouted: Misroute[];
  /** How sure the router was on this set (compared with its training data by domain-shift.ts). */
  domain: DomainProfile;
}

export interface EvaluateOptions {
  /** Single-query calls timed for the latency percentiles (spread over the set). Default 500. */
  latencySamples?: number;
  cost?: MisrouteCostMatrix;
}

const WARMUP_CALLS = 20;

export async function evaluateRouter(
  router: Router,
  items: readonly LabelledText[],
  options: EvaluateOptions = {},
): Promise<RouterEvaluation> {
  if (items.length === 0) throw new RangeError('no labelled queries to evaluate');
  const texts = items.map((item) => item.text);

  const started = process.hrtime.bigint();
  const results = await router.classifyBatch(texts);
  const batchSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  const sampleCount = Math.min(items.length, options.latencySamples ?? 500);
  for (let i = 0; i < Math.min(WARMUP_CALLS, items.length); i += 1) await router.classify(texts[i] as string);
  const latencies: number[] = [];
  for (let k = 0; k < sampleCount; k += 1) {
    const index = Math.floor((k * items.length) / sampleCount);
    const result = await router.classify(texts[index] as string);
    latencies.push(result.latencyUs);
  }

  return {
    ...classificationMetrics(
      items.map((item) => item.label),
      results,
      options.cost ?? DEFAULT_MISROUTE_COST,
    ),
    router_version: router.version,
    thresholds: router.thresholds,
    latency_us: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length },
    throughput: {
      batch_size: router.maxBatch,
      queries_per_second: items.length / batchSeconds,
      us_per_query: (batchSeconds * 1e6) / items.length,
    },
    truncated: results.filter((result) => result.truncated).length,
    misrouted: misroutes(items, results, options.cost ?? DEFAULT_MISROUTE_COST),
    domain: domainProfile(results),
  };
}
