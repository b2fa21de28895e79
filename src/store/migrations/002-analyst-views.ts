import type { Migration } from './migration.ts';

// Analysts read these views and never join raw tables. Later changes use CREATE OR REPLACE VIEW
// in a new migration.
export const analystViews: Migration = {
  version: 2,
  name: 'analyst-views',
  sql: `
-- The verdict the views show per (run, query, role): the most recent single-answer judgment by the
-- run's default judge, or by any judge when the run names none (so a re-judge shows up by itself).
CREATE VIEW current_judgments AS
SELECT j.*
FROM judgments AS j
LEFT JOIN runs AS r ON r.run_id = j.run_id
WHERE j.kind = 'single'
  AND (r.default_judge IS NULL OR j.judge_name = r.default_judge)
QUALIFY row_number() OVER (
  PARTITION BY j.run_id, j.query_id, j.role
  ORDER BY j.created_at DESC, j.judge_name
) = 1;

-- One row per run and query. "served" is what the hybrid stack answered with: the fallback's
-- answer when the fallback was called, else the candidate's.
CREATE VIEW pairs AS
WITH joined AS (
  SELECT
    q.run_id,
    q.query_id,
    rt.tier,
    q.label,
    rt.policy AS route_policy,
    q.text AS query_text,
    c.endpoint AS candidate_endpoint,
    c.model AS candidate_model,
    c.output AS candidate_output,
    c.status AS candidate_status,
    cj.status AS candidate_judge_status,
    cj.score AS candidate_score,
    b.endpoint AS baseline_endpoint,
    b.model AS baseline_model,
    b.source AS baseline_source,
    b.output AS baseline_output,
    b.status AS baseline_status,
    bj.status AS baseline_judge_status,
    bj.score AS baseline_score,
    f.query_id IS NOT NULL AS fallback_used,
    f.endpoint AS fallback_endpoint,
    f.status AS fallback_status,
    fj.status AS fallback_judge_status,
    fj.score AS fallback_score,
    CASE WHEN f.query_id IS NOT NULL THEN fj.status ELSE cj.status END AS served_judge_status,
    CASE WHEN f.query_id IS NOT NULL THEN fj.score ELSE cj.score END AS served_score
  FROM queries AS q
  LEFT JOIN routes AS rt ON rt.run_id = q.run_id AND rt.query_id = q.query_id
  LEFT JOIN responses AS c ON c.run_id = q.run_id AND c.query_id = q.query_id AND c.role = 'candidate'
  LEFT JOIN responses AS b ON b.run_id = q.run_id AND b.query_id = q.query_id AND b.role = 'baseline'
  LEFT JOIN responses AS f ON f.run_id = q.run_id AND f.query_id = q.query_id AND f.role = 'fallback'
  LEFT JOIN current_judgments AS cj ON cj.run_id = q.run_id AND cj.query_id = q.query_id AND cj.role = 'candidate'
  LEFT JOIN current_judgments AS bj ON bj.run_id = q.run_id AND bj.query_id = q.query_id AND bj.role = 'baseline'
  LEFT JOIN current_judgments AS fj ON fj.run_id = q.run_id AND fj.query_id = q.query_id AND fj.role = 'fallback'
)
SELECT *, served_score - baseline_score AS score_diff
FROM joined;

-- Candidate means are over served scores; mean_diff is over pairs where both sides were scored
-- (n_paired), so it need not equal candidate_mean_score - baseline_mean_score.
CREATE VIEW quality_by_tier AS
SELECT
  run_id,
  tier,
  count(*) AS n,
  count(*) FILTER (WHERE served_judge_status = 'scored') AS n_scored,
  count(*) FILTER (WHERE served_judge_status = 'unscored') AS n_unscored,
  count(*) FILTER (WHERE served_judge_status = 'error') AS n_judge_error,
  count(*) FILTER (WHERE served_judge_status IS NULL) AS n_unjudged,
  count(*) FILTER (WHERE fallback_used) AS n_fallback,
  count(score_diff) AS n_paired,
  avg(served_score) AS candidate_mean_score,
  avg(baseline_score) AS baseline_mean_score,
  avg(score_diff) AS mean_diff
FROM pairs
GROUP BY run_id, tier;

-- Unknown usage and cost stay unknown: sums skip NULLs, and the known_* counts say how many calls
-- the sums cover.
CREATE VIEW cost_by_endpoint AS
SELECT
  run_id,
  endpoint,
  role,
  source,
  count(*) AS calls,
  count(*) FILTER (WHERE prompt_tokens IS NOT NULL AND completion_tokens IS NOT NULL) AS known_usage_calls,
  sum(prompt_tokens) AS prompt_tokens,
  sum(completion_tokens) AS completion_tokens,
  count(cost_usd) AS known_cost_calls,
  sum(cost_usd) AS total_cost_usd,
  sum(cost_usd) / nullif(count(cost_usd), 0) AS cost_per_call_usd
FROM responses
GROUP BY run_id, endpoint, role, source;

-- Percentiles are over successful calls (a refused connection's 1 ms is not a latency);
-- error_rate is failed / (calls - interrupted), since a shutdown is not the endpoint's fault.
CREATE VIEW latency_by_endpoint AS
SELECT
  run_id,
  endpoint,
  role,
  source,
  count(*) AS calls,
  count(*) FILTER (WHERE status IN ('ok', 'ok_after_retry')) AS ok_calls,
  count(*) FILTER (WHERE status = 'ok_after_retry') AS retried_calls,
  count(*) FILTER (WHERE status = 'failed') AS failed_calls,
  count(*) FILTER (WHERE status = 'interrupted') AS interrupted_calls,
  quantile_cont(latency_ms, 0.50) FILTER (WHERE status IN ('ok', 'ok_after_retry')) AS latency_p50_ms,
  quantile_cont(latency_ms, 0.95) FILTER (WHERE status IN ('ok', 'ok_after_retry')) AS latency_p95_ms,
  quantile_cont(latency_ms, 0.99) FILTER (WHERE status IN ('ok', 'ok_after_retry')) AS latency_p99_ms,
  quantile_cont(ttft_ms, 0.50) FILTER (WHERE status IN ('ok', 'ok_after_retry')) AS ttft_p50_ms,
  quantile_cont(ttft_ms, 0.95) FILTER (WHERE status IN ('ok', 'ok_after_retry')) AS ttft_p95_ms,
  quantile_cont(ttft_ms, 0.99) FILTER (WHERE status IN ('ok', 'ok_after_retry')) AS ttft_p99_ms,
  (count(*) FILTER (WHERE status = 'failed'))::DOUBLE
    / nullif(count(*) FILTER (WHERE status <> 'interrupted'), 0) AS error_rate
FROM responses
GROUP BY run_id, endpoint, role, source;
`,
};
