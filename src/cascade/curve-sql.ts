/**
 * The newest single-answer judgment first, as the `current_judgments` view ranks them (created_at
 * DESC, then judge name): a key for arg_min_null, so that picking the current judgment is one
 * aggregation per query instead of a window that sorts every judgment of the run. Unique per
 * (query, role): the judgments' primary key is (run, query, role, judge, kind). A HUGEINT (minus
 * the microseconds, then the judge name's rank among the run's judges) rather than
 * create_sort_key's BLOB: a fixed-size key DuckDB can spill, where the BLOB's per-query states
 * ran out of a 256 MB memory limit at a million queries.
 */
export const NEWEST_FIRST = `(CAST(-epoch_us(j.created_at) AS HUGEINT) * 4294967296 + list_position((SELECT list(DISTINCT judge_name ORDER BY judge_name) FROM judgments WHERE run_id = $1), j.judge_name))`;

/** The run's judgments the `current_judgments` view chooses from: single-answer, by the run's default judge when it names one. */
export const RUN_JUDGMENTS_WHERE = `j.run_id = $1 AND j.kind = 'single'
        AND ((SELECT default_judge FROM runs WHERE run_id = $1) IS NULL OR j.judge_name = (SELECT default_judge FROM runs WHERE run_id = $1))`;

/**
 * One row per query of run $1 with what the cascade needs, validations by validator $2 (shared by
 * the curve and the gate). The same facts as the `pairs` view (served = the fallback's answer when
 * the fallback was called, else the candidate's), read with one pass over each table of the run;
 * each role's score is its current judgment's (NULL when that judgment is unscored).
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
      j.query_id,
      arg_min_null(j.score, ${NEWEST_FIRST}) FILTER (WHERE j.role = 'candidate') AS candidate_score,
      arg_min_null(j.score, ${NEWEST_FIRST}) FILTER (WHERE j.role = 'baseline') AS baseline_score,
      arg_min_null(j.score, ${NEWEST_FIRST}) FILTER (WHERE j.role = 'fallback') AS fallback_score
    FROM judgments AS j
    WHERE ${RUN_JUDGMENTS_WHERE}
    GROUP BY j.query_id
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
 *
 * In O(queries), not one row per query and threshold (21 million at a million queries): a
 * validated query passes every threshold up to the highest one its P(acceptable) reaches (`top`;
 * -1 when it passes none: not scored) and escalates above it. So a threshold's counts and sums
 * are those of the queries whose top is at or above it, passed, plus those whose top is below it,
 * escalated: sums per top, then 21 x 22 rows. Mean and standard deviation come from the count,
 * sum and sum of squares. The latency quantiles are exact, quantile_cont's interpolation between
 * the ranks floor and ceil of (n - 1) q: every latency some threshold serves is sorted once with
 * the thresholds that serve it (a passed one 0..top, an escalated one top+1..20, a not-validated
 * one all); counts per block of 2,048 sorted latencies and threshold find the block holding each
 * wanted rank, and only those blocks are ranked again per threshold.
 */
export const CURVE_SQL = `
WITH per_query AS MATERIALIZED (
${PER_QUERY_SQL}),
thresholds AS (
  SELECT i, round(i * 0.05, 2) AS threshold FROM range(0, 21) AS t(i)
),
validated AS MATERIALIZED (
  -- top: the highest threshold i with p_acceptable >= round(i * 0.05, 2), compared as the thresholds are;
  -- floor(p * 20) is that i or one off it in floating point, so its neighbours are checked.
  SELECT
    * EXCLUDE (guess),
    CASE WHEN p_acceptable IS NULL THEN -1
         WHEN guess < 20 AND p_acceptable >= round((guess + 1) * 0.05, 2) THEN guess + 1
         WHEN p_acceptable >= round(guess * 0.05, 2) THEN guess
         ELSE guess - 1 END AS top
  FROM (SELECT *, least(20, CAST(floor(p_acceptable * 20) AS INTEGER)) AS guess FROM per_query WHERE validated)
),
not_validated AS (
  SELECT
    count(*) AS n,
    count(served_score) AS n_scored,
    coalesce(sum(served_score), 0) AS score_sum,
    coalesce(sum(served_score * served_score), 0) AS score_squares,
    count(routed_cost) AS n_costed,
    coalesce(sum(routed_cost), 0) AS cost_sum
  FROM per_query
  WHERE NOT validated
),
by_top AS (
  SELECT
    top,
    count(*) AS n,
    count(candidate_score) AS pass_n_scored,
    coalesce(sum(candidate_score), 0) AS pass_score_sum,
    coalesce(sum(candidate_score * candidate_score), 0) AS pass_score_squares,
    count(candidate_cost + validator_cost) AS pass_n_costed,
    coalesce(sum(candidate_cost + validator_cost), 0) AS pass_cost_sum,
    count(baseline_score) AS escalated_n_scored,
    coalesce(sum(baseline_score), 0) AS escalated_score_sum,
    coalesce(sum(baseline_score * baseline_score), 0) AS escalated_score_squares,
    count(candidate_cost + validator_cost + baseline_cost) AS escalated_n_costed,
    coalesce(sum(candidate_cost + validator_cost + baseline_cost), 0) AS escalated_cost_sum,
    count(*) FILTER (WHERE candidate_score < 4) AS bad,
    count(*) FILTER (WHERE candidate_score >= 4) AS good
  FROM validated
  GROUP BY top
),
per_threshold AS (
  SELECT
    t.i,
    t.threshold,
    n.n + coalesce(sum(b.n), 0) AS n,
    coalesce(sum(b.n) FILTER (WHERE b.top < t.i), 0) AS escalations,
    n.n_scored + coalesce(sum(CASE WHEN b.top >= t.i THEN b.pass_n_scored ELSE b.escalated_n_scored END), 0) AS n_scored,
    n.score_sum + coalesce(sum(CASE WHEN b.top >= t.i THEN b.pass_score_sum ELSE b.escalated_score_sum END), 0) AS score_sum,
    n.score_squares + coalesce(sum(CASE WHEN b.top >= t.i THEN b.pass_score_squares ELSE b.escalated_score_squares END), 0) AS score_squares,
    n.n_costed + coalesce(sum(CASE WHEN b.top >= t.i THEN b.pass_n_costed ELSE b.escalated_n_costed END), 0) AS n_costed,
    n.cost_sum + coalesce(sum(CASE WHEN b.top >= t.i THEN b.pass_cost_sum ELSE b.escalated_cost_sum END), 0) AS cost_sum,
    coalesce(sum(b.bad) FILTER (WHERE b.top < t.i), 0) AS bad_caught,
    coalesce(sum(b.bad) FILTER (WHERE b.top >= t.i), 0) AS bad_passed,
    coalesce(sum(b.good) FILTER (WHERE b.top < t.i), 0) AS good_escalated,
    coalesce(sum(b.good) FILTER (WHERE b.top >= t.i), 0) AS good_passed,
    coalesce(sum(b.pass_n_scored) FILTER (WHERE b.top < t.i), 0) AS escalated_judged
  FROM thresholds AS t
  CROSS JOIN not_validated AS n
  LEFT JOIN by_top AS b ON TRUE
  GROUP BY t.i, t.threshold, n.n, n.n_scored, n.score_sum, n.score_squares, n.n_costed, n.cost_sum
),
served_latencies AS (
  SELECT routed_latency AS latency, 0 AS first, 20 AS last FROM per_query WHERE NOT validated AND routed_latency IS NOT NULL
  UNION ALL
  SELECT candidate_latency + validator_latency, 0, top FROM validated WHERE top >= 0 AND candidate_latency + validator_latency IS NOT NULL
  UNION ALL
  SELECT candidate_latency + validator_latency + baseline_latency, top + 1, 20 FROM validated WHERE top < 20 AND candidate_latency + validator_latency + baseline_latency IS NOT NULL
),
sorted_latencies AS MATERIALIZED (
  SELECT latency, first, last, (row_number() OVER (ORDER BY latency) - 1) // 2048 AS block FROM served_latencies
),
block_counts AS (
  SELECT t.i, c.block, sum(c.n) AS n
  FROM (SELECT block, first, last, count(*) AS n FROM sorted_latencies GROUP BY block, first, last) AS c
  JOIN thresholds AS t ON t.i BETWEEN c.first AND c.last
  GROUP BY t.i, c.block
),
blocks_before AS (
  SELECT i, block, n, sum(n) OVER (PARTITION BY i ORDER BY block) - n AS before, sum(n) OVER (PARTITION BY i) AS total
  FROM block_counts
),
quantile_positions AS (
  -- As quantile_cont computes it: position (n - 1) q in DOUBLE, interpolated between its floor and ceiling ranks.
  SELECT DISTINCT b.i, q.q, CAST(b.total - 1 AS DOUBLE) * q.q AS position
  FROM blocks_before AS b, (VALUES (0.5::DOUBLE), (0.95::DOUBLE)) AS q(q)
),
wanted_ranks AS (
  SELECT i, q, position, floor(position) AS rank FROM quantile_positions
  UNION
  SELECT i, q, position, ceil(position) FROM quantile_positions
),
wanted_blocks AS (
  SELECT DISTINCT w.i, b.block, b.before
  FROM wanted_ranks AS w JOIN blocks_before AS b ON b.i = w.i AND w.rank >= b.before AND w.rank < b.before + b.n
),
ranked AS (
  SELECT w.i, w.before + row_number() OVER (PARTITION BY w.i, w.block ORDER BY s.latency) - 1 AS rank, s.latency
  FROM wanted_blocks AS w JOIN sorted_latencies AS s ON s.block = w.block AND w.i BETWEEN s.first AND s.last
),
latency_quantiles AS (
  SELECT
    w.i,
    w.q,
    min(r.latency) FILTER (WHERE r.rank = floor(w.position)) AS below,
    min(r.latency) FILTER (WHERE r.rank = ceil(w.position)) AS above,
    below + (w.position - floor(w.position)) * (above - below) AS latency
  FROM wanted_ranks AS w JOIN ranked AS r ON r.i = w.i AND r.rank = w.rank
  GROUP BY w.i, w.q, w.position
),
reference_points AS (
  SELECT 'routing_only' AS kind, served_score AS score, routed_cost AS cost, routed_latency AS latency FROM per_query
  UNION ALL
  SELECT 'all_baseline', baseline_score, baseline_cost, baseline_latency FROM per_query
)
SELECT * FROM (
SELECT
  'threshold' AS kind,
  p.threshold,
  CAST(p.n AS BIGINT) AS n,
  CAST(p.n_scored AS BIGINT) AS n_scored,
  p.score_sum / nullif(p.n_scored, 0) AS quality_mean,
  quality_mean - 1.959964 * p.score_sd / sqrt(p.n_scored) AS quality_ci_low,
  quality_mean + 1.959964 * p.score_sd / sqrt(p.n_scored) AS quality_ci_high,
  CAST(p.n_costed AS BIGINT) AS n_costed,
  p.cost_sum / nullif(p.n_costed, 0) AS cost_per_query_usd,
  cost_per_query_usd * CAST($3 AS DOUBLE) AS monthly_cost_usd,
  CAST(p.escalations AS BIGINT) AS escalations,
  p.escalations / p.n AS escalation_rate,
  l50.latency AS latency_p50_ms,
  l95.latency AS latency_p95_ms,
  CAST(p.bad_caught AS BIGINT) AS bad_caught,
  CAST(p.bad_passed AS BIGINT) AS bad_passed,
  CAST(p.good_escalated AS BIGINT) AS good_escalated,
  CAST(p.good_passed AS BIGINT) AS good_passed,
  p.bad_caught / nullif(p.escalated_judged, 0) AS bad_precision,
  p.bad_caught / nullif(p.bad_caught + p.bad_passed, 0) AS bad_recall
FROM (
  SELECT *, CASE WHEN n_scored > 1 THEN sqrt(greatest(0, (score_squares - score_sum * score_sum / n_scored) / (n_scored - 1))) END AS score_sd
  FROM per_threshold
) AS p
LEFT JOIN latency_quantiles AS l50 ON l50.i = p.i AND l50.q = 0.5
LEFT JOIN latency_quantiles AS l95 ON l95.i = p.i AND l95.q = 0.95
UNION ALL
SELECT
  kind,
  NULL,
  count(*),
  count(score),
  avg(score),
  avg(score) - 1.959964 * stddev_samp(score) / sqrt(count(score)),
  avg(score) + 1.959964 * stddev_samp(score) / sqrt(count(score)),
  count(cost),
  avg(cost),
  avg(cost) * CAST($3 AS DOUBLE),
  NULL,
  NULL,
  quantile_cont(latency, 0.5),
  quantile_cont(latency, 0.95),
  NULL,
  NULL,
  NULL,
  NULL,
  NULL,
  NULL
FROM reference_points
GROUP BY kind
)
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
  JOIN (SELECT j.query_id, arg_min_null(j.status, ${NEWEST_FIRST}) AS status, arg_min_null(j.score, ${NEWEST_FIRST}) AS score
      FROM judgments AS j
      WHERE ${RUN_JUDGMENTS_WHERE} AND j.role = 'candidate'
      GROUP BY j.query_id) AS cj ON cj.query_id = v.query_id
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
 * bootstrap, in no particular order (src/gate/cascade-evidence.ts makes its figures independent of
 * the order). The routed_* columns are the same query without the cascade.
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
  q.routed_latency
FROM per_query AS q
WHERE list_contains(string_split($4, ','), q.tier)
`;
