import type { Migration } from './migration.ts';

// The validator cascade (issue 18): the validator's verdict on each candidate answer, and the
// offline cascade curve computed from a shadow run. Validations get a table of their own rather
// than rows in `judgments`: a validator is reference-free and production-facing, its cost and
// latency are part of what the cascade serves, and its P(acceptable) is not a 1-5 judge score.
export const cascade: Migration = {
  version: 14,
  name: 'cascade',
  sql: `
-- One row per run, query and validator: the validator's P(acceptable) for the candidate's answer,
-- with what the call cost and how long it took (the cascade pays both on every validated query).
-- p_acceptable is NULL unless scored; tokens, cost and latency are NULL when unknown (never 0).
CREATE TABLE validations (
  run_id            VARCHAR NOT NULL,
  query_id          VARCHAR NOT NULL,
  role              VARCHAR NOT NULL CHECK (role IN ('candidate')),
  validator_name    VARCHAR NOT NULL,
  rubric            VARCHAR NOT NULL,
  rubric_version    VARCHAR NOT NULL,
  prompt_hash       VARCHAR NOT NULL,
  validator_model   VARCHAR NOT NULL,
  endpoint          VARCHAR NOT NULL,
  escalate_to       VARCHAR NOT NULL,
  status            VARCHAR NOT NULL CHECK (status IN ('scored', 'unscored', 'error')),
  p_acceptable      DOUBLE CHECK (p_acceptable BETWEEN 0 AND 1),
  reason            VARCHAR,
  prompt_tokens     INTEGER,
  completion_tokens INTEGER,
  cost_usd          DOUBLE,
  latency_ms        DOUBLE,
  calls             INTEGER NOT NULL,
  cached            BOOLEAN NOT NULL,
  created_at        TIMESTAMPTZ NOT NULL,
  CHECK ((status = 'scored') = (p_acceptable IS NOT NULL)),
  PRIMARY KEY (run_id, query_id, validator_name)
);

-- The stored cascade curve of a run and validator: one row per threshold, plus the two references
-- (kind 'routing_only': no validator; 'all_baseline': every query on the baseline). Every number is
-- recomputable from the stored rows with the query in src/cascade/README.md.
CREATE TABLE cascade_curves (
  run_id             VARCHAR NOT NULL,
  validator_name     VARCHAR NOT NULL,
  kind               VARCHAR NOT NULL CHECK (kind IN ('threshold', 'routing_only', 'all_baseline')),
  threshold          DOUBLE,
  n                  BIGINT NOT NULL,
  n_scored           BIGINT NOT NULL,
  quality_mean       DOUBLE,
  quality_ci_low     DOUBLE,
  quality_ci_high    DOUBLE,
  n_costed           BIGINT NOT NULL,
  cost_per_query_usd DOUBLE,
  monthly_cost_usd   DOUBLE,
  escalations        BIGINT,
  escalation_rate    DOUBLE,
  latency_p50_ms     DOUBLE,
  latency_p95_ms     DOUBLE,
  bad_caught         BIGINT,
  bad_passed         BIGINT,
  good_escalated     BIGINT,
  good_passed        BIGINT,
  bad_precision      DOUBLE,
  bad_recall         DOUBLE,
  computed_at        TIMESTAMPTZ NOT NULL
);

-- One row per run and validator: the validator's power (AUROC of P(acceptable) against judge
-- score >= 4, over candidate answers both scored), the quality bar and the chosen threshold.
CREATE TABLE cascade_summaries (
  run_id           VARCHAR NOT NULL,
  validator_name   VARCHAR NOT NULL,
  auroc            DOUBLE,
  n                BIGINT NOT NULL,
  n_bad            BIGINT NOT NULL,
  quality_bar      DOUBLE,
  chosen_threshold DOUBLE,
  monthly_queries  BIGINT,
  computed_at      TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (run_id, validator_name)
);
`,
};
