import type { Migration } from './migration.ts';

// Column order is part of the contract with the appenders in ../table-layouts.ts:
// a later migration may only add columns at the end (ALTER TABLE ... ADD COLUMN).
export const initial: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE runs (
  run_id        VARCHAR PRIMARY KEY,
  created_at    TIMESTAMPTZ NOT NULL,
  finished_at   TIMESTAMPTZ,
  status        VARCHAR NOT NULL CHECK (status IN ('running', 'complete', 'interrupted', 'failed')),
  mode          VARCHAR NOT NULL,
  dataset       VARCHAR NOT NULL,
  policy        VARCHAR NOT NULL,
  config_json   JSON NOT NULL,
  notes         VARCHAR,
  query_count   INTEGER,
  reject_count  INTEGER,
  default_judge VARCHAR
);

CREATE TABLE queries (
  run_id          VARCHAR NOT NULL,
  query_id        VARCHAR NOT NULL,
  text            VARCHAR NOT NULL,
  timestamp       VARCHAR,
  conversation_id VARCHAR,
  channel         VARCHAR,
  label           VARCHAR CHECK (label IN ('simple', 'medium', 'complex')),
  reference       VARCHAR,
  source_file     VARCHAR NOT NULL,
  source_line     BIGINT NOT NULL,
  PRIMARY KEY (run_id, query_id)
);

CREATE TABLE routes (
  run_id         VARCHAR NOT NULL,
  query_id       VARCHAR NOT NULL,
  policy         VARCHAR NOT NULL,
  tier           VARCHAR NOT NULL CHECK (tier IN ('simple', 'medium', 'complex')),
  endpoint       VARCHAR NOT NULL,
  label          VARCHAR CHECK (label IN ('simple', 'medium', 'complex')),
  prob_simple    DOUBLE,
  prob_medium    DOUBLE,
  prob_complex   DOUBLE,
  latency_us     DOUBLE,
  router_version VARCHAR,
  PRIMARY KEY (run_id, query_id)
);

CREATE TABLE responses (
  run_id            VARCHAR NOT NULL,
  query_id          VARCHAR NOT NULL,
  role              VARCHAR NOT NULL CHECK (role IN ('candidate', 'baseline', 'fallback')),
  endpoint          VARCHAR NOT NULL,
  model             VARCHAR NOT NULL,
  source            VARCHAR NOT NULL CHECK (source IN ('endpoint', 'log')),
  status            VARCHAR NOT NULL CHECK (status IN ('ok', 'ok_after_retry', 'failed', 'interrupted')),
  attempts          INTEGER NOT NULL,
  error             VARCHAR,
  output            VARCHAR,
  prompt_tokens     INTEGER,
  completion_tokens INTEGER,
  ttft_ms           DOUBLE,
  latency_ms        DOUBLE,
  cost_usd          DOUBLE,
  started_at        TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (run_id, query_id, role)
);

CREATE TABLE judgments (
  run_id         VARCHAR NOT NULL,
  query_id       VARCHAR NOT NULL,
  role           VARCHAR NOT NULL CHECK (role IN ('candidate', 'baseline', 'fallback')),
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

CREATE TABLE rejects (
  run_id VARCHAR NOT NULL,
  file   VARCHAR NOT NULL,
  line   BIGINT NOT NULL,
  reason VARCHAR NOT NULL,
  raw    VARCHAR,
  PRIMARY KEY (run_id, file, line)
);

-- Append-only history: a plan may be re-gated many times.
CREATE TABLE gate_decisions (
  run_id       VARCHAR NOT NULL,
  plan         VARCHAR NOT NULL,
  step         VARCHAR NOT NULL,
  decision     VARCHAR NOT NULL CHECK (decision IN ('go', 'no-go', 'hold')),
  reasons_json JSON,
  metrics_json JSON,
  decided_at   TIMESTAMPTZ NOT NULL
);
`,
};
