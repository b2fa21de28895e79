import type { Migration } from './migration.ts';

// Human replies (issue 15, item 7). A log may hold a human agent's reply rather than the production
// model's (dataset.answer_source: human). It is stored as role 'human' beside the models' answers,
// judged like them, and never counted as GPT-4: the baseline is called live for that query.
//
// Why rows in `responses` (and `judgments`) and not a table of their own: a human reply is one more
// answer to the same query, keyed the same way (run, query, role). In the same table the appender,
// resume, shard merge (INSERT ... SELECT *), Parquet export, the viewer's answer list and re-judging
// all carry it with no second code path, while every baseline and cost figure already selects its
// rows by role = 'baseline' (pairs, quality_by_tier, the gate) or by source = 'endpoint' (cost_by_tier,
// the gate's cost and latency): a human row, role 'human' and source 'log', falls in neither.
// A separate table would have needed its own writer, merge, export and resume handling.
//
// DuckDB cannot alter a CHECK constraint, so both tables are rebuilt with the same columns in the
// same order (the appenders in ../table-layouts.ts fill them by position; every column added since
// 001 is here) and the wider role CHECK, as migration 8 did. No index is defined on either table,
// and views name the tables rather than their storage, so they keep working. Rows are copied as
// they are: an older database has no human rows.
//
// The new CHECK on responses: a human reply comes from the log and is never priced (its cost is not
// a token price; no figure may mistake it for a model call). endpoint holds 'human agent', a name no
// configured endpoint can take (endpoint names have no spaces).
//
// human_replies: each human reply beside the served and baseline answers of its query. `pairs` is left
// as it was: the gate reads it for every query of a run (a million rows), and two more joins there
// would slow every gate for a column most runs never fill.
export const humanReplies: Migration = {
  version: 17,
  name: 'human-replies',
  sql: ({ longText }) => `
CREATE TABLE responses_v17 (
  run_id            VARCHAR NOT NULL,
  query_id          VARCHAR NOT NULL,
  role              VARCHAR NOT NULL CHECK (role IN ('candidate', 'baseline', 'fallback', 'human')),
  endpoint          VARCHAR NOT NULL,
  model             VARCHAR NOT NULL,
  source            VARCHAR NOT NULL CHECK (source IN ('endpoint', 'log')),
  status            VARCHAR NOT NULL CHECK (status IN ('ok', 'ok_after_retry', 'failed', 'interrupted', 'withheld')),
  attempts          INTEGER NOT NULL,
  error             VARCHAR,
  output            VARCHAR${longText},
  prompt_tokens     INTEGER,
  completion_tokens INTEGER,
  ttft_ms           DOUBLE,
  latency_ms        DOUBLE,
  cost_usd          DOUBLE,
  started_at        TIMESTAMPTZ NOT NULL,
  tool_calls_json   VARCHAR,
  tool_calls_key    VARCHAR,
  dropped_params    JSON,
  -- A withheld call was never made: nothing came back and nothing was paid.
  CHECK (status <> 'withheld' OR (attempts = 0 AND output IS NULL AND cost_usd IS NULL)),
  -- A human reply is logged, never a call, and never priced.
  CHECK (role <> 'human' OR (source = 'log' AND cost_usd IS NULL)),
  PRIMARY KEY (run_id, query_id, role)
);
INSERT INTO responses_v17 SELECT * FROM responses;
DROP TABLE responses;
ALTER TABLE responses_v17 RENAME TO responses;

CREATE TABLE judgments_v17 (
  run_id         VARCHAR NOT NULL,
  query_id       VARCHAR NOT NULL,
  role           VARCHAR NOT NULL CHECK (role IN ('candidate', 'baseline', 'fallback', 'human')),
  kind           VARCHAR NOT NULL CHECK (kind IN ('single', 'pairwise')),
  judge_name     VARCHAR NOT NULL,
  rubric         VARCHAR NOT NULL,
  rubric_version VARCHAR NOT NULL,
  prompt_hash    VARCHAR NOT NULL,
  judge_model    VARCHAR NOT NULL,
  judge_settings JSON,
  status         VARCHAR NOT NULL CHECK (status IN ('scored', 'unscored', 'error')),
  score          DOUBLE,
  reason         VARCHAR,
  latency_ms     DOUBLE,
  created_at     TIMESTAMPTZ NOT NULL,
  -- Unscored and errored are never a number.
  CHECK ((status = 'scored') = (score IS NOT NULL)),
  PRIMARY KEY (run_id, query_id, role, judge_name, kind)
);
INSERT INTO judgments_v17 SELECT * FROM judgments;
DROP TABLE judgments;
ALTER TABLE judgments_v17 RENAME TO judgments;

-- One row per human reply: beside it, the served answer and the baseline's (score and who answered),
-- so an analyst compares the human with the models on the same queries. human_minus_baseline and
-- human_minus_served are over pairs where both sides were scored.
CREATE VIEW human_replies AS
SELECT
  p.run_id,
  p.query_id,
  p.tier,
  p.label,
  p.query_text,
  h.output AS human_output,
  h.status AS human_status,
  hj.status AS human_judge_status,
  hj.score AS human_score,
  CASE WHEN p.fallback_used THEN p.fallback_endpoint ELSE p.candidate_endpoint END AS served_endpoint,
  p.served_judge_status,
  p.served_score,
  p.baseline_endpoint,
  p.baseline_source,
  p.baseline_status,
  p.baseline_judge_status,
  p.baseline_score,
  hj.score - p.baseline_score AS human_minus_baseline,
  hj.score - p.served_score AS human_minus_served
FROM responses AS h
JOIN pairs AS p ON p.run_id = h.run_id AND p.query_id = h.query_id
LEFT JOIN current_judgments AS hj ON hj.run_id = h.run_id AND hj.query_id = h.query_id AND hj.role = 'human'
WHERE h.role = 'human';
`,
};
