import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/**
 * The benchmark's stack: examples/sim.yaml with every endpoint pointed at a sim in another process
 * (not --sim), and one concurrency figure for queries in flight and every endpoint limiter.
 */
export interface StackOptions {
  simUrl: string;
  database: string;
  concurrency: number;
  stream?: boolean;
  /** The judge's own limiter (judge.max_concurrency); default `concurrency`. */
  judgeConcurrency?: number;
  /** Queries in flight (replay.max_in_flight); default `concurrency`. */
  maxInFlight?: number;
  /** Also compare the served answer with the baseline in both orders (judge.pairwise_rubric). */
  pairwise?: boolean;
}

export function writeStackConfig(path: string, options: StackOptions): void {
  const endpoint = (model: string, pricing: object, extra: object = {}) => ({
    base_url: options.simUrl,
    model,
    pricing,
    max_concurrency: options.concurrency,
    timeout_ms: 60_000,
    retries: 2,
    stream: options.stream ?? true,
    ...extra,
  });
  const config = {
    version: 1,
    project: 'bench',
    system_prompt_file: 'prompts/northwind-support.md',
    endpoints: {
      llama: endpoint('meta-llama/Meta-Llama-3-70B-Instruct', { fixed_monthly_usd: 11000, per_query_usd: 0.0004 }, { on_prem: true }),
      gpt35: endpoint('gpt-3.5-turbo', { input_per_million: 0.5, output_per_million: 1.5 }),
      gpt4: endpoint('gpt-4', { input_per_million: 30, output_per_million: 60 }),
    },
    routing: { policy: 'router', tiers: { simple: 'llama', medium: 'gpt35', complex: 'gpt4' }, fallback: 'gpt4' },
    baseline: 'gpt4',
    judge: {
      endpoint: 'gpt4',
      rubric: 'judges/support-single.yaml',
      max_concurrency: options.judgeConcurrency ?? options.concurrency,
      ...(options.pairwise ? { pairwise_rubric: 'judges/support-pairwise.yaml' } : {}),
    },
    dataset: { path: 'datasets/sample.jsonl' },
    database: options.database,
    volume: { monthly_queries: 1_000_000 },
    replay: { max_in_flight: options.maxInFlight ?? options.concurrency, batch_size: 200 },
  };
  writeFileSync(path, stringify(config));
}
