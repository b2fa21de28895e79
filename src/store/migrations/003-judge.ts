import type { Migration } from './migration.ts';

// The judge's own tables: the verdict cache, Batch API jobs (for resume), and pairwise comparisons.
// Pairwise verdicts get a table of their own rather than rows in `judgments`: a preference is not a
// 1-5 score, and analysts should not have to decode one from the other.
export const judge: Migration = {
  version: 3,
  name: 'judge',
  sql: `
-- One row per judge request ever answered: a rerun with the same judge spec and inputs reads the verdict
-- here instead of calling the judge. Errors are never cached.
CREATE TABLE judge_cache (
  cache_key    VARCHAR PRIMARY KEY,
  kind         VARCHAR NOT NULL CHECK (kind IN ('single', 'pairwise')),
  judge_model  VARCHAR NOT NULL,
  prompt_hash  VARCHAR NOT NULL,
  status       VARCHAR NOT NULL CHECK (status IN ('scored', 'unscored')),
  verdict_json JSON NOT NULL,
  latency_ms   DOUBLE,
  created_at   TIMESTAMPTZ NOT NULL
);

-- OpenAI Batch API jobs. Recorded right after submission and before polling, so a rerun of the same
-- judge command finds an unjoined batch and polls it instead of paying for a second one.
CREATE TABLE judge_batches (
  batch_id       VARCHAR PRIMARY KEY,
  run_id         VARCHAR NOT NULL,
  kind           VARCHAR NOT NULL CHECK (kind IN ('single', 'pairwise')),
  judge_name     VARCHAR NOT NULL,
  prompt_hash    VARCHAR NOT NULL,
  judge_model    VARCHAR NOT NULL,
  input_file_id  VARCHAR NOT NULL,
  request_count  INTEGER NOT NULL,
  status         VARCHAR NOT NULL,
  output_file_id VARCHAR,
  error_file_id  VARCHAR,
  submitted_at   TIMESTAMPTZ NOT NULL,
  updated_at     TIMESTAMPTZ NOT NULL,
  joined_at      TIMESTAMPTZ
);

-- One row per run, query and pairwise judge: the served answer (candidate, or the fallback when it served)
-- against the baseline, asked in both orders. winner is NULL unless scored; when the two orders disagree
-- it is 'tie' and consistent is false.
CREATE TABLE pairwise_judgments (
  run_id                  VARCHAR NOT NULL,
  query_id                VARCHAR NOT NULL,
  judge_name              VARCHAR NOT NULL,
  rubric                  VARCHAR NOT NULL,
  rubric_version          VARCHAR NOT NULL,
  prompt_hash             VARCHAR NOT NULL,
  judge_model             VARCHAR NOT NULL,
  judge_settings          JSON,
  candidate_role          VARCHAR NOT NULL CHECK (candidate_role IN ('candidate', 'fallback')),
  status                  VARCHAR NOT NULL CHECK (status IN ('scored', 'unscored', 'error')),
  winner                  VARCHAR CHECK (winner IN ('candidate', 'baseline', 'tie')),
  winner_candidate_first  VARCHAR CHECK (winner_candidate_first IN ('candidate', 'baseline', 'tie')),
  winner_candidate_second VARCHAR CHECK (winner_candidate_second IN ('candidate', 'baseline', 'tie')),
  consistent              BOOLEAN,
  reason                  VARCHAR,
  latency_ms              DOUBLE,
  created_at              TIMESTAMPTZ NOT NULL,
  CHECK ((status = 'scored') = (winner IS NOT NULL)),
  PRIMARY KEY (run_id, query_id, judge_name)
);

-- Pairwise verdicts with the query's tier and text, and candidate_points (1 win, 0.5 tie, 0 loss).
CREATE VIEW pairwise_results AS
SELECT
  p.run_id,
  p.query_id,
  rt.tier,
  q.label,
  q.text AS query_text,
  p.judge_name,
  p.judge_model,
  p.prompt_hash,
  p.candidate_role,
  p.status,
  p.winner,
  p.winner_candidate_first,
  p.winner_candidate_second,
  p.consistent,
  CASE p.winner WHEN 'candidate' THEN 1.0 WHEN 'tie' THEN 0.5 WHEN 'baseline' THEN 0.0 END AS candidate_points,
  p.reason,
  p.latency_ms,
  p.created_at
FROM pairwise_judgments AS p
LEFT JOIN queries AS q ON q.run_id = p.run_id AND q.query_id = p.query_id
LEFT JOIN routes AS rt ON rt.run_id = p.run_id AND rt.query_id = p.query_id;

-- Per run and judge, overall (tier = 'all') and per tier. position_consistency is over comparisons
-- where both orders were scored (n_both_orders); win rates are over scored comparisons.
CREATE VIEW pairwise_summary AS
SELECT
  run_id,
  judge_name,
  CASE WHEN grouping(tier) = 1 THEN 'all' ELSE tier END AS tier,
  count(*) AS n,
  count(*) FILTER (WHERE status = 'scored') AS n_scored,
  count(*) FILTER (WHERE status = 'unscored') AS n_unscored,
  count(*) FILTER (WHERE status = 'error') AS n_judge_error,
  count(*) FILTER (WHERE winner = 'candidate') AS candidate_wins,
  count(*) FILTER (WHERE winner = 'baseline') AS baseline_wins,
  count(*) FILTER (WHERE winner = 'tie') AS ties,
  avg(candidate_points) AS candidate_points_mean,
  count(consistent) AS n_both_orders,
  avg(CASE WHEN consistent THEN 1.0 WHEN NOT consistent THEN 0.0 END) AS position_consistency
FROM pairwise_results
GROUP BY GROUPING SETS ((run_id, judge_name), (run_id, judge_name, tier));
`,
};
