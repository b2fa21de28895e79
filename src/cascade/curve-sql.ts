/**
 * The run's current single-answer judgment per query and role, as the `current_judgments` view
 * picks it (the run's default judge, else any; the newest), filtered to run $1 before ranking:
 * the view ranks every run's judgments first.
 */
const CURRENT_JUDGMENTS_SQL = `SELECT j.query_id, j.role, j.status, j.score
      FROM judgments AS j
      WHERE j.run_id = $1 AND j.kind = 'single'
        AND ((SELECT default_judge FROM runs WHERE run_id = $1) IS NULL OR j.judge_name = (SELECT default_judge FROM runs WHERE run_id = $1))
      QUALIFY row_number() OVER (PARTITION BY j.query_id, j.role ORDER BY j.created_at DESC, j.judge_name) = 1`;

/**
 * One row per query of run $1 with what the cascade needs, validations by validator $2 (shared by
 * the curve and the gate). The same facts as the `pairs` view (served = the fallback's answer when
 * the fallback was called, else the candidate's), read with one pass over each table of the run.
 */
export const PER_QUERY_SQL = `  SELECT
    q.query_id,
    rt.tier,
    v.query_id IS NOT NULL AS validated,
    v.status = 'scored' AS validator_scored,
    v.p_acceptable,
    j.candidate_score,
    CASE WHEN s.fallback_used THEN j.fallback_score ELSE j.candidate_score END AS served_score,
    j.baseline_score,
    s.candidate_cost,
    v.cost_usd AS validator_cost,
    s.baseline_cost,
    CASE WHEN s.fallback_used THEN s.candidate_cost + s.fallback_cost ELSE s.candidate_cost END AS routed_cost,
    CASE WHEN s.fallback_used THEN (CASE WHEN s.fallback_ok THEN s.candidate_latency + s.fallback_latency END)
         WHEN s.candidate_ok THEN s.candidate_latency END AS routed_latency,
    s.candidate_latency,
    v.latency_ms AS validator_latency,
    CASE WHEN s.baseline_ok THEN s.baseline_latency END AS baseline_latency
  FROM queries AS q
  LEFT JOIN routes AS rt ON rt.run_id = q.run_id AND rt.query_id = q.query_id
  LEFT JOIN (
    SELECT
      query_id,
      bool_or(role = 'fallback') AS fallback_used,
      bool_or(role = 'candidate' AND status IN ('ok', 'ok_after_retry')) AS candidate_ok,
      bool_or(role = 'baseline' AND status IN ('ok', 'ok_after_retry')) AS baseline_ok,
      bool_or(role = 'fallback' AND status IN ('ok', 'ok_after_retry')) AS fallback_ok,
      max(cost_usd) FILTER (WHERE role = 'candidate') AS candidate_cost,
      max(cost_usd) FILTER (WHERE role = 'baseline') AS baseline_cost,
      max(cost_usd) FILTER (WHERE role = 'fallback') AS fallback_cost,
      max(latency_ms) FILTER (WHERE role = 'candidate') AS candidate_latency,
      max(latency_ms) FILTER (WHERE role = 'baseline') AS baseline_latency,
      max(latency_ms) FILTER (WHERE role = 'fallback') AS fallback_latency
    FROM responses
    WHERE run_id = $1
    GROUP BY query_id
  ) AS s ON s.query_id = q.query_id
  LEFT JOIN (
    SELECT
      query_id,
      max(score) FILTER (WHERE role = 'candidate') AS candidate_score,
      max(score) FILTER (WHERE role = 'baseline') AS baseline_score,
      max(score) FILTER (WHERE role = 'fallback') AS fallback_score
    FROM (${CURRENT_JUDGMENTS_SQL})
    GROUP BY query_id
  ) AS j ON j.query_id = q.query_id
  LEFT JOIN validations AS v ON v.run_id = q.run_id AND v.query_id = q.query_id AND v.validator_name = $2
  WHERE q.run_id = $1
`;

/**
 * The cascade curve as one SQL query over the stored rows (copied verbatim into
 * src/cascade/README.md; a test runs the README's copy and compares it with the stored curve).
 *
 * Parameters: $1 run id, $2 validator name, $3 monthly queries (NULL: monthly cost unknown).
 * One row per threshold t in 0.00, 0.05, ..., 1.00 (kind 'threshold'), plus 'routing_only' (no
 * validator) and 'all_baseline' (every query on the baseline). Per query:
 * - not validated (its tier has no cascade, the candidate did not answer, a sensitive query kept
 *   from an external validator): served as routed (the candidate, or the fallback after a failure);
 * - validated: escalated when the validator did not score it or P(acceptable) < t; an escalated
 *   query serves the baseline's stored answer (escalate_to is the baseline endpoint: checked
 *   before this runs), costs candidate + validator + baseline and waits for all three in turn;
 *   a passed one costs candidate + validator and waits for both.
 * Quality is the judge's score of the served answer (the current judgment, as `current_judgments` picks it), with a
 * normal-approximation 95% interval; an unknown cost or latency makes that query's figure unknown
 * (left out of the mean, counted in n_costed), never 0. bad = candidate judge score < 4: the
 * validator's catch is an escalated bad answer.
 */
export const CURVE_SQL = `
WITH per_query AS MATERIALIZED (
${PER_QUERY_SQL}),
thresholds AS (
  SELECT round(i * 0.05, 2) AS threshold FROM range(0, 21) AS t(i)
),
served AS (
  SELECT
    'threshold' AS kind,
    t.threshold,
    q.validated,
    q.validated AND NOT (q.validator_scored AND q.p_acceptable >= t.threshold) AS escalated,
    q.candidate_score,
    CASE WHEN NOT q.validated THEN q.served_score
         WHEN q.validator_scored AND q.p_acceptable >= t.threshold THEN q.candidate_score
         ELSE q.baseline_score END AS score,
    CASE WHEN NOT q.validated THEN q.routed_cost
         WHEN q.validator_scored AND q.p_acceptable >= t.threshold THEN q.candidate_cost + q.validator_cost
         ELSE q.candidate_cost + q.validator_cost + q.baseline_cost END AS cost,
    CASE WHEN NOT q.validated THEN q.routed_latency
         WHEN q.validator_scored AND q.p_acceptable >= t.threshold THEN q.candidate_latency + q.validator_latency
         ELSE q.candidate_latency + q.validator_latency + q.baseline_latency END AS latency
  FROM per_query AS q CROSS JOIN thresholds AS t
  UNION ALL
  SELECT 'routing_only', NULL, FALSE, NULL, NULL, q.served_score, q.routed_cost, q.routed_latency FROM per_query AS q
  UNION ALL
  SELECT 'all_baseline', NULL, FALSE, NULL, NULL, q.baseline_score, q.baseline_cost, q.baseline_latency FROM per_query AS q
)
SELECT
  kind,
  threshold,
  count(*) AS n,
  count(score) AS n_scored,
  avg(score) AS quality_mean,
  avg(score) - 1.959964 * stddev_samp(score) / sqrt(count(score)) AS quality_ci_low,
  avg(score) + 1.959964 * stddev_samp(score) / sqrt(count(score)) AS quality_ci_high,
  count(cost) AS n_costed,
  avg(cost) AS cost_per_query_usd,
  avg(cost) * CAST($3 AS DOUBLE) AS monthly_cost_usd,
  CASE WHEN kind = 'threshold' THEN count(*) FILTER (WHERE escalated) END AS escalations,
  CASE WHEN kind = 'threshold' THEN count(*) FILTER (WHERE escalated) / count(*) END AS escalation_rate,
  quantile_cont(latency, 0.5) AS latency_p50_ms,
  quantile_cont(latency, 0.95) AS latency_p95_ms,
  CASE WHEN kind = 'threshold' THEN count(*) FILTER (WHERE escalated AND candidate_score < 4) END AS bad_caught,
  CASE WHEN kind = 'threshold' THEN count(*) FILTER (WHERE validated AND NOT escalated AND candidate_score < 4) END AS bad_passed,
  CASE WHEN kind = 'threshold' THEN count(*) FILTER (WHERE escalated AND candidate_score >= 4) END AS good_escalated,
  CASE WHEN kind = 'threshold' THEN count(*) FILTER (WHERE validated AND NOT escalated AND candidate_score >= 4) END AS good_passed,
  count(*) FILTER (WHERE escalated AND candidate_score < 4) / nullif(count(*) FILTER (WHERE escalated AND candidate_score IS NOT NULL), 0) AS bad_precision,
  count(*) FILTER (WHERE escalated AND candidate_score < 4) / nullif(count(*) FILTER (WHERE validated AND candidate_score < 4), 0) AS bad_recall
FROM served
GROUP BY kind, threshold
ORDER BY kind = 'threshold' DESC, kind, threshold
`;

/**
 * The validator's power: AUROC of P(acceptable) for telling acceptable answers (judge score >= 4)
 * from bad ones, over validated candidate answers that both the validator and the judge scored;
 * Mann-Whitney with average ranks for ties. NULL when either class is empty.
 * Parameters: $1 run id, $2 validator name.
 */
export const AUROC_SQL = `
WITH scored AS (
  SELECT v.p_acceptable AS p, cj.score >= 4 AS good
  FROM validations AS v
  JOIN (${CURRENT_JUDGMENTS_SQL}) AS cj ON cj.query_id = v.query_id AND cj.role = 'candidate'
  WHERE v.run_id = $1 AND v.validator_name = $2 AND v.status = 'scored' AND cj.status = 'scored'
),
ranked AS (
  SELECT good, (rank() OVER (ORDER BY p) + count(*) OVER (PARTITION BY p) - 1 + rank() OVER (ORDER BY p)) / 2.0 AS average_rank
  FROM scored
)
SELECT
  count(*) AS n,
  count(*) FILTER (WHERE NOT good) AS n_bad,
  (sum(average_rank) FILTER (WHERE good) - count(*) FILTER (WHERE good) * (count(*) FILTER (WHERE good) + 1) / 2.0)
    / nullif(count(*) FILTER (WHERE good) * count(*) FILTER (WHERE NOT good), 0) AS auroc
FROM ranked
`;

/**
 * What the cascade serves each query of run $1 at threshold $3 on the routed tiers in $4 (tier
 * names joined by commas), by validator $2: the same rule as CURVE_SQL, per query, for the gate's
 * bootstrap. The routed_* columns are the same query without the cascade.
 */
export const SERVED_AT_SQL = `
WITH per_query AS (
${PER_QUERY_SQL})
SELECT
  q.tier,
  q.validated,
  q.validated AND NOT (q.validator_scored AND q.p_acceptable >= $3) AS escalated,
  CASE WHEN NOT q.validated THEN q.served_score
       WHEN q.validator_scored AND q.p_acceptable >= $3 THEN q.candidate_score
       ELSE q.baseline_score END AS score,
  q.baseline_score,
  CASE WHEN NOT q.validated THEN q.routed_cost
       WHEN q.validator_scored AND q.p_acceptable >= $3 THEN q.candidate_cost + q.validator_cost
       ELSE q.candidate_cost + q.validator_cost + q.baseline_cost END AS cost,
  q.routed_cost,
  CASE WHEN NOT q.validated THEN q.routed_latency
       WHEN q.validator_scored AND q.p_acceptable >= $3 THEN q.candidate_latency + q.validator_latency
       ELSE q.candidate_latency + q.validator_latency + q.baseline_latency END AS latency,
  q.routed_latency,
  q.served_score AS routed_score,
  q.baseline_cost
FROM per_query AS q
WHERE list_contains(string_split($4, ','), q.tier)
ORDER BY q.query_id
`;
