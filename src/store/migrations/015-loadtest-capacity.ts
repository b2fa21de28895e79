import type { Migration } from './migration.ts';

// Phase 2: load tests of an on-prem endpoint (one row per level, per request and per /metrics
// sample) and capacity plans (the arrival profile per hour of the week, replicas, and the monthly
// cost of each serving policy). Latencies and rates are in the endpoint's own time: under the sim
// the wall-clock figures divided by time_scale (rates multiplied by it). Unknown figures are NULL.
export const loadtestCapacity: Migration = {
  version: 15,
  name: 'loadtest-capacity',
  sql: `
CREATE TABLE loadtests (
  loadtest_id VARCHAR PRIMARY KEY,
  created_at TIMESTAMPTZ NOT NULL,
  endpoint VARCHAR NOT NULL,
  base_url VARCHAR NOT NULL,
  model VARCHAR NOT NULL,
  dataset VARCHAR NOT NULL,
  mode VARCHAR NOT NULL CHECK (mode IN ('concurrency', 'rate')),
  duration_s DOUBLE NOT NULL,
  warmup_s DOUBLE NOT NULL,
  time_scale DOUBLE NOT NULL,
  sim BOOLEAN NOT NULL,
  seed INTEGER NOT NULL,
  slo JSON NOT NULL,
  max_sustainable_level DOUBLE,
  max_sustainable_rps DOUBLE,
  status VARCHAR NOT NULL CHECK (status IN ('complete', 'interrupted')),
  notes VARCHAR
);

CREATE TABLE loadtest_levels (
  loadtest_id VARCHAR NOT NULL,
  level_index INTEGER NOT NULL,
  concurrency INTEGER,
  rate DOUBLE,
  measured_s DOUBLE,
  requests INTEGER NOT NULL,
  completed INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  requests_per_s DOUBLE,
  output_tokens_per_s DOUBLE,
  ttft_p50_ms DOUBLE, ttft_p95_ms DOUBLE, ttft_p99_ms DOUBLE,
  itl_p50_ms DOUBLE, itl_p95_ms DOUBLE, itl_p99_ms DOUBLE,
  e2e_p50_ms DOUBLE, e2e_p95_ms DOUBLE, e2e_p99_ms DOUBLE,
  running_max DOUBLE, waiting_max DOUBLE, kv_cache_usage_max DOUBLE,
  meets_slo BOOLEAN NOT NULL,
  slo_failures VARCHAR,
  PRIMARY KEY (loadtest_id, level_index)
);

CREATE TABLE loadtest_requests (
  loadtest_id VARCHAR NOT NULL,
  level_index INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  query_id VARCHAR,
  status VARCHAR NOT NULL,
  error VARCHAR,
  started_s DOUBLE NOT NULL,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  ttft_ms DOUBLE,
  e2e_ms DOUBLE,
  itl_mean_ms DOUBLE,
  PRIMARY KEY (loadtest_id, level_index, seq)
);

CREATE TABLE loadtest_metrics (
  loadtest_id VARCHAR NOT NULL,
  level_index INTEGER NOT NULL,
  sample_index INTEGER NOT NULL,
  t_s DOUBLE NOT NULL,
  running DOUBLE,
  waiting DOUBLE,
  kv_cache_usage DOUBLE,
  PRIMARY KEY (loadtest_id, level_index, sample_index)
);

CREATE TABLE capacity_plans (
  plan_id VARCHAR PRIMARY KEY,
  created_at TIMESTAMPTZ NOT NULL,
  endpoint VARCHAR NOT NULL,
  loadtest_id VARCHAR NOT NULL,
  run_id VARCHAR,
  dataset VARCHAR,
  profile VARCHAR NOT NULL CHECK (profile IN ('log', 'flat')),
  monthly_queries DOUBLE NOT NULL,
  growth DOUBLE NOT NULL,
  months INTEGER NOT NULL,
  planned_monthly_queries DOUBLE NOT NULL,
  onprem_share DOUBLE NOT NULL,
  onprem_share_source VARCHAR NOT NULL,
  per_replica_rps DOUBLE NOT NULL,
  headroom DOUBLE NOT NULL,
  gpus_per_replica INTEGER NOT NULL,
  peak_day_of_week INTEGER NOT NULL,
  peak_hour INTEGER NOT NULL,
  peak_onprem_rps DOUBLE NOT NULL,
  peak_replicas INTEGER NOT NULL,
  settings JSON NOT NULL
);

CREATE TABLE capacity_hours (
  plan_id VARCHAR NOT NULL,
  day_of_week INTEGER NOT NULL,
  hour INTEGER NOT NULL,
  traffic_share DOUBLE NOT NULL,
  onprem_rps DOUBLE NOT NULL,
  replicas INTEGER NOT NULL,
  PRIMARY KEY (plan_id, day_of_week, hour)
);

CREATE TABLE capacity_policies (
  plan_id VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  replica_hours_per_month DOUBLE NOT NULL,
  gpu_hours_per_month DOUBLE NOT NULL,
  gpu_usd DOUBLE NOT NULL,
  fallback_queries_per_month DOUBLE NOT NULL,
  fallback_usd DOUBLE,
  monthly_usd DOUBLE,
  detail VARCHAR NOT NULL,
  PRIMARY KEY (plan_id, name)
);

CREATE VIEW loadtest_curve AS
SELECT
  t.loadtest_id, t.created_at, t.endpoint, t.model, t.sim, t.time_scale, t.mode,
  l.level_index, l.concurrency, l.rate, l.requests, l.completed, l.errors,
  l.requests_per_s, l.output_tokens_per_s,
  l.ttft_p50_ms, l.ttft_p95_ms, l.ttft_p99_ms,
  l.itl_p50_ms, l.itl_p95_ms, l.itl_p99_ms,
  l.e2e_p50_ms, l.e2e_p95_ms, l.e2e_p99_ms,
  l.running_max, l.waiting_max, l.kv_cache_usage_max,
  l.meets_slo, l.slo_failures,
  coalesce(l.concurrency, l.rate) = t.max_sustainable_level AS is_max_sustainable
FROM loadtests AS t
JOIN loadtest_levels AS l USING (loadtest_id);

-- Replicas per hour recomputed from the stored rows: it must equal the stored replicas.
CREATE VIEW capacity_check AS
SELECT
  p.plan_id, h.day_of_week, h.hour, h.onprem_rps, p.per_replica_rps, p.headroom,
  h.replicas AS stored_replicas,
  CAST(ceil(h.onprem_rps / p.per_replica_rps * p.headroom - 1e-9) AS INTEGER) AS recomputed_replicas
FROM capacity_plans AS p
JOIN capacity_hours AS h USING (plan_id);
`,
};
