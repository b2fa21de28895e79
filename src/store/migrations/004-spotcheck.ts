import type { Migration } from './migration.ts';

// Human spot-checks (src/spotcheck): the sample shown to raters, their ratings, and the agreement
// figures computed from them. Written through src/store/spotcheck-tables.ts.
export const spotcheck: Migration = {
  version: 4,
  name: 'spotcheck',
  sql: `
-- The items a run's raters see, in the order the page shows them (position). One sample per run:
-- sampling again with the same seed and size reproduces it; another seed or size replaces it.
CREATE TABLE spotcheck_samples (
  run_id      VARCHAR NOT NULL,
  query_id    VARCHAR NOT NULL,
  position    INTEGER NOT NULL,
  tier        VARCHAR NOT NULL,
  band        VARCHAR NOT NULL CHECK (band IN ('unscored', 'disagree', 'low', 'mid', 'high')),
  stratum     VARCHAR NOT NULL,
  reason      VARCHAR NOT NULL,
  seed        BIGINT NOT NULL,
  requested_n INTEGER NOT NULL,
  sampled_at  TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (run_id, query_id)
);

-- One row per rater and answer. 'candidate' is the answer the hybrid stack served (the fallback's
-- when the fallback answered). The preference is the rater's for the pair, repeated on both rows.
CREATE TABLE human_ratings (
  run_id     VARCHAR NOT NULL,
  query_id   VARCHAR NOT NULL,
  rater      VARCHAR NOT NULL CHECK (length(trim(rater)) > 0),
  role       VARCHAR NOT NULL CHECK (role IN ('candidate', 'baseline')),
  score      INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
  preference VARCHAR CHECK (preference IN ('candidate', 'baseline', 'tie')),
  rated_at   TIMESTAMPTZ NOT NULL,
  source     VARCHAR NOT NULL CHECK (source IN ('page', 'import')),
  PRIMARY KEY (run_id, query_id, rater, role)
);

-- The latest figures of 'hybrid-eval spotcheck agreement', one row per metric and role
-- (candidate, baseline, overall). value is NULL when the figure is undefined (too few items, or no
-- variation to measure); note says why. n is the number of observations it rests on.
CREATE TABLE spotcheck_agreement (
  run_id      VARCHAR NOT NULL,
  metric      VARCHAR NOT NULL,
  role        VARCHAR NOT NULL CHECK (role IN ('candidate', 'baseline', 'overall')),
  value       DOUBLE,
  n           INTEGER NOT NULL,
  raters      INTEGER NOT NULL,
  note        VARCHAR,
  computed_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (run_id, metric, role)
);

-- One row per human rating beside the judge's current verdict on the same answer: for 'candidate',
-- the fallback's judgment when the fallback served.
CREATE VIEW judge_human_ratings AS
SELECT
  h.run_id,
  h.query_id,
  rt.tier,
  h.rater,
  h.role,
  CASE WHEN h.role = 'candidate' AND f.query_id IS NOT NULL THEN 'fallback' ELSE h.role END AS judged_role,
  h.score AS human_score,
  h.preference,
  h.source,
  h.rated_at,
  j.judge_name,
  j.status AS judge_status,
  j.score AS judge_score,
  h.score - j.score AS score_diff
FROM human_ratings AS h
LEFT JOIN routes AS rt ON rt.run_id = h.run_id AND rt.query_id = h.query_id
LEFT JOIN responses AS f ON f.run_id = h.run_id AND f.query_id = h.query_id AND f.role = 'fallback'
LEFT JOIN current_judgments AS j
  ON j.run_id = h.run_id AND j.query_id = h.query_id
  AND j.role = CASE WHEN h.role = 'candidate' AND f.query_id IS NOT NULL THEN 'fallback' ELSE h.role END;

-- Per run and role (and 'overall'): live counts and simple agreement rates over the ratings, beside
-- the stored kappa and Spearman figures. figures_stale: a rating came in after they were computed.
CREATE VIEW judge_human_agreement AS
WITH per_role AS (
  SELECT
    run_id,
    coalesce(role, 'overall') AS role,
    count(*) AS n_ratings,
    count(DISTINCT query_id) AS n_items,
    count(DISTINCT rater) AS n_raters,
    count(*) FILTER (WHERE judge_status = 'scored') AS n_judge_scored,
    avg(CASE WHEN human_score = round(judge_score) THEN 1.0 ELSE 0.0 END) FILTER (WHERE judge_status = 'scored') AS exact_agreement,
    avg(CASE WHEN abs(human_score - judge_score) <= 1 THEN 1.0 ELSE 0.0 END) FILTER (WHERE judge_status = 'scored') AS within_one_agreement,
    avg(human_score) AS mean_human_score,
    avg(judge_score) FILTER (WHERE judge_status = 'scored') AS mean_judge_score,
    avg(score_diff) AS mean_human_minus_judge,
    max(rated_at) AS last_rated_at
  FROM judge_human_ratings
  GROUP BY GROUPING SETS ((run_id, role), (run_id))
)
SELECT
  p.*,
  wk.value AS weighted_kappa,
  wk.n AS weighted_kappa_n,
  sp.value AS spearman,
  sp.n AS spearman_n,
  wk.computed_at,
  wk.computed_at IS NULL OR p.last_rated_at > wk.computed_at AS figures_stale
FROM per_role AS p
LEFT JOIN spotcheck_agreement AS wk ON wk.run_id = p.run_id AND wk.role = p.role AND wk.metric = 'judge_human_weighted_kappa'
LEFT JOIN spotcheck_agreement AS sp ON sp.run_id = p.run_id AND sp.role = p.role AND sp.metric = 'judge_human_spearman';
`,
};
