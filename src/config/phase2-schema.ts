import { z } from 'zod';

// Phase 2 (on-prem serving): the latency SLO, the load test's sweep and the capacity plan's prices.

export const sloSchema = z
  .strictObject({
    ttft_p95_ms: z.number().positive().optional().describe('p95 time to first token a level may reach, ms'),
    itl_p95_ms: z.number().positive().optional().describe('p95 inter-token latency a level may reach, ms'),
    e2e_p95_ms: z.number().positive().optional().describe('p95 end-to-end latency a level may reach, ms'),
    max_error_rate: z.number().min(0).max(1).default(0.01).describe('Share of failed requests a level may have'),
  })
  .default({ ttft_p95_ms: 1000, itl_p95_ms: 80, max_error_rate: 0.01 })
  .describe('The latency a load-test level must meet to count as sustainable (loadtest, capacity)');

export const simLoadSchema = z
  .strictObject({
    max_num_seqs: z.int().positive().optional(),
    max_num_batched_tokens: z.int().positive().optional(),
    kv_cache_tokens: z.int().positive().optional(),
    step_base_ms: z.number().nonnegative().optional(),
    step_per_seq_ms: z.number().nonnegative().optional(),
    prefill_per_token_ms: z.number().nonnegative().optional(),
    prefix_caching: z.boolean().optional(),
  })
  .default({})
  .describe("Overrides of the sim's vLLM load model under `loadtest --sim` (defaults: Llama-3-70B on 8x A100, TP8)");

export const loadtestSchema = z
  .strictObject({
    concurrency: z.array(z.int().positive()).min(1).default([1, 4, 16, 64]).describe('Concurrency levels swept when neither --concurrency nor --rate is given'),
    duration_s: z.number().positive().default(60).describe("Measured seconds per level, in the endpoint's time (under --sim, wall time is this x --sim-time-scale)"),
    warmup_s: z.number().nonnegative().optional().describe('Seconds of load before each level is measured (default: a quarter of duration_s)'),
    max_tokens: z.int().positive().default(512).describe("max_tokens for logged requests that carry none"),
    max_requests_per_level: z.int().positive().default(20_000).describe('A level stops sending after this many requests'),
    max_in_flight: z.int().positive().default(1024).describe('Rate levels: arrivals beyond this many open requests are counted as errors, not sent'),
    seed: z.int().default(1).describe('Seeds the request order and the Poisson arrivals'),
    metrics_path: z.string().default('/metrics').describe("Prometheus endpoint on the server's root (vLLM: /metrics)"),
    metrics_every_s: z.number().positive().default(2).describe("How often /metrics is sampled, in the endpoint's time"),
    sim: simLoadSchema,
  })
  .default({ concurrency: [1, 4, 16, 64], duration_s: 60, max_tokens: 512, max_requests_per_level: 20_000, max_in_flight: 1024, seed: 1, metrics_path: '/metrics', metrics_every_s: 2, sim: {} });

export const capacitySchema = z
  .strictObject({
    endpoint: z.string().optional().describe('On-prem endpoint the plan sizes (default: the on_prem endpoint of the config, when there is one)'),
    gpus_per_replica: z.int().positive().default(8),
    gpu_hour_usd: z.strictObject({
      on_demand: z.number().nonnegative().describe('USD per GPU-hour, on demand'),
      spot: z.number().nonnegative().optional().describe('USD per GPU-hour, spot / preemptible'),
      reserved: z.number().nonnegative().optional().describe('USD per GPU-hour, reserved (committed), for always-on capacity'),
    }),
    headroom: z.number().min(1).default(1.2).describe('Multiplier on the load a replica is sized for: replicas = ceil(rate / per-replica capacity x headroom)'),
    min_replicas: z.int().nonnegative().default(1).describe('Autoscaling never goes below this (0 only in the scale-to-zero policy)'),
    cold_start_minutes: z.number().nonnegative().default(10).describe('From asking for a replica to it serving (node, image, weights load)'),
    night_hours: z
      .array(z.int().min(0).max(23))
      .default([0, 1, 2, 3, 4, 5])
      .describe('UTC hours the scale-to-zero policy runs no replica (the fallback serves)'),
    spot_share: z.number().min(0).max(1).default(0.5).describe('Share of autoscaled replicas on spot capacity'),
    spot_preemptions_per_hour: z.number().min(0).default(0.05).describe('Preemptions per spot replica-hour; each loses cold_start_minutes of a replica'),
    fallback: z.string().optional().describe('Endpoint that serves on-prem traffic while no replica is up (default: routing.fallback, else baseline)'),
    policy: z
      .enum(['always_on_peak', 'always_on_reserved', 'autoscale_hourly', 'scale_to_zero_night', 'spot_mix'])
      .default('autoscale_hourly')
      .describe("The serving policy whose monthly cost the gate's cost projection and break-even use once a capacity plan is stored"),
  })
  .optional()
  .describe('GPU prices and serving policies for `hybrid-eval capacity`');
