import type { SimModel } from './models.ts';
import { SIM_MODELS } from './models.ts';

// vLLM's Prometheus names and buckets (vllm/v1/metrics/loggers.py), labelled model_name and engine,
// so dashboards and scrapers written for vLLM read the sim unchanged.

const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];
const TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
const LATENCY_BUCKETS = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];
const TOKEN_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 8192];

/** Requests beyond this are reported as waiting, like vLLM's max_num_seqs. */
const MAX_NUM_SEQS = 256;
/** KV-cache capacity in tokens, for the usage gauge. */
const KV_CACHE_TOKENS = 262_144;

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  readonly buckets: readonly number[];
  constructor(buckets: readonly number[]) {
    this.buckets = buckets;
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count++;
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) this.counts[index] = (this.counts[index] ?? 0) + 1;
  }
}

interface ModelStats {
  running: number;
  tokensInFlight: number;
  promptTokens: number;
  generationTokens: number;
  success: Record<'stop' | 'length', number>;
  ttft: Histogram;
  tpot: Histogram;
  e2e: Histogram;
  promptTokensPerRequest: Histogram;
  generationTokensPerRequest: Histogram;
}

export interface FinishedRequest {
  ttftSeconds: number;
  e2eSeconds: number;
  promptTokens: number;
  completionTokens: number;
  finishReason: 'stop' | 'length';
}

/** A model's live scheduler figures, when the sim runs a load model for it (batch-engine.ts). */
export type LiveGauges = (model: SimModel) => { running: number; waiting: number; kvUsage: number } | undefined;

export interface SimMetrics {
  /** Returns a function that marks the request as no longer in flight (idempotent). */
  started(model: SimModel, tokens: number): () => void;
  finished(model: SimModel, request: FinishedRequest): void;
  render(): string;
}

function newStats(): ModelStats {
  return {
    running: 0,
    tokensInFlight: 0,
    promptTokens: 0,
    generationTokens: 0,
    success: { stop: 0, length: 0 },
    ttft: new Histogram(TTFT_BUCKETS),
    tpot: new Histogram(TPOT_BUCKETS),
    e2e: new Histogram(LATENCY_BUCKETS),
    promptTokensPerRequest: new Histogram(TOKEN_BUCKETS),
    generationTokensPerRequest: new Histogram(TOKEN_BUCKETS),
  };
}

function float(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

export function createMetrics(live: LiveGauges = () => undefined): SimMetrics {
  const stats = Object.fromEntries(SIM_MODELS.map((model) => [model, newStats()])) as Record<SimModel, ModelStats>;
  const labels = (model: SimModel, extra = ''): string => `{engine="0",model_name="${model}"${extra}}`;

  function gauge(lines: string[], name: string, help: string, value: (entry: ModelStats, model: SimModel) => number): void {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const model of SIM_MODELS) lines.push(`${name}${labels(model)} ${float(value(stats[model], model))}`);
  }
  function counter(lines: string[], name: string, help: string, value: (model: ModelStats) => number): void {
    lines.push(`# HELP ${name}_total ${help}`, `# TYPE ${name}_total counter`);
    for (const model of SIM_MODELS) lines.push(`${name}_total${labels(model)} ${float(value(stats[model]))}`);
  }
  function histogram(lines: string[], name: string, help: string, pick: (model: ModelStats) => Histogram): void {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    for (const model of SIM_MODELS) {
      const data = pick(stats[model]);
      let cumulative = 0;
      data.buckets.forEach((bound, index) => {
        cumulative += data.counts[index] ?? 0;
        lines.push(`${name}_bucket${labels(model, `,le="${float(bound)}"`)} ${float(cumulative)}`);
      });
      lines.push(`${name}_bucket${labels(model, ',le="+Inf"')} ${float(data.count)}`);
      lines.push(`${name}_count${labels(model)} ${float(data.count)}`);
      lines.push(`${name}_sum${labels(model)} ${float(data.sum)}`);
    }
  }

  return {
    started(model, tokens) {
      const entry = stats[model];
      entry.running++;
      entry.tokensInFlight += tokens;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        entry.running--;
        entry.tokensInFlight -= tokens;
      };
    },
    finished(model, request) {
      const entry = stats[model];
      entry.promptTokens += request.promptTokens;
      entry.generationTokens += request.completionTokens;
      entry.success[request.finishReason]++;
      entry.ttft.observe(request.ttftSeconds);
      entry.e2e.observe(request.e2eSeconds);
      if (request.completionTokens > 1) entry.tpot.observe((request.e2eSeconds - request.ttftSeconds) / (request.completionTokens - 1));
      entry.promptTokensPerRequest.observe(request.promptTokens);
      entry.generationTokensPerRequest.observe(request.completionTokens);
    },
    render() {
      const lines: string[] = [];
      // Under a load model the scheduler's own queue and cache; otherwise requests in flight against fixed limits.
      const kv = (entry: ModelStats, model: SimModel): number => live(model)?.kvUsage ?? Math.min(1, entry.tokensInFlight / KV_CACHE_TOKENS);
      gauge(lines, 'vllm:num_requests_running', 'Number of requests in model execution batches.', (entry, model) => live(model)?.running ?? Math.min(entry.running, MAX_NUM_SEQS));
      gauge(lines, 'vllm:num_requests_waiting', 'Number of requests waiting to be processed.', (entry, model) => live(model)?.waiting ?? Math.max(0, entry.running - MAX_NUM_SEQS));
      gauge(lines, 'vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', kv);
      gauge(lines, 'vllm:gpu_cache_usage_perc', 'GPU KV-cache usage. 1 means 100 percent usage.DEPRECATED: Use vllm:kv_cache_usage_perc instead.', kv);
      counter(lines, 'vllm:prompt_tokens', 'Number of prefill tokens processed.', (entry) => entry.promptTokens);
      counter(lines, 'vllm:generation_tokens', 'Number of generation tokens processed.', (entry) => entry.generationTokens);
      lines.push('# HELP vllm:request_success_total Count of successfully processed requests.', '# TYPE vllm:request_success_total counter');
      for (const model of SIM_MODELS) {
        for (const reason of ['stop', 'length', 'abort'] as const) {
          const value = reason === 'abort' ? 0 : stats[model].success[reason];
          lines.push(`vllm:request_success_total${labels(model, `,finished_reason="${reason}"`)} ${float(value)}`);
        }
      }
      histogram(lines, 'vllm:request_prompt_tokens', 'Number of prefill tokens processed.', (entry) => entry.promptTokensPerRequest);
      histogram(lines, 'vllm:request_generation_tokens', 'Number of generation tokens processed.', (entry) => entry.generationTokensPerRequest);
      histogram(lines, 'vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', (entry) => entry.ttft);
      histogram(lines, 'vllm:time_per_output_token_seconds', 'Histogram of time per output token in seconds.', (entry) => entry.tpot);
      histogram(lines, 'vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', (entry) => entry.e2e);
      return `${lines.join('\n')}\n`;
    },
  };
}
