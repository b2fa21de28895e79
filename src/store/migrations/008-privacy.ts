import type { Migration } from './migration.ts';

// Privacy (issue 7). A call that policy forbids (a sensitive query's external baseline) is stored
// with status 'withheld', so it is accounted for without pretending it was sent and failed.
// DuckDB cannot alter a CHECK constraint, so `responses` is rebuilt with the same columns in the
// same order (the appender in ../table-layouts.ts fills them by position) and the wider CHECK;
// views name it, not its storage, so they keep working.
//
// privacy_decisions: one row per query, what the privacy policy decided and why. Counts only:
// never a PII value.
export const privacy: Migration = {
  version: 8,
  name: 'privacy',
  sql: `
CREATE TABLE responses_v8 (
  run_id            VARCHAR NOT NULL,
  query_id          VARCHAR NOT NULL,
  role              VARCHAR NOT NULL CHECK (role IN ('candidate', 'baseline', 'fallback')),
  endpoint          VARCHAR NOT NULL,
  model             VARCHAR NOT NULL,
  source            VARCHAR NOT NULL CHECK (source IN ('endpoint', 'log')),
  status            VARCHAR NOT NULL CHECK (status IN ('ok', 'ok_after_retry', 'failed', 'interrupted', 'withheld')),
  attempts          INTEGER NOT NULL,
  error             VARCHAR,
  output            VARCHAR,
  prompt_tokens     INTEGER,
  completion_tokens INTEGER,
  ttft_ms           DOUBLE,
  latency_ms        DOUBLE,
  cost_usd          DOUBLE,
  started_at        TIMESTAMPTZ NOT NULL,
  -- A withheld call was never made: nothing came back and nothing was paid.
  CHECK (status <> 'withheld' OR (attempts = 0 AND output IS NULL AND cost_usd IS NULL)),
  PRIMARY KEY (run_id, query_id, role)
);
INSERT INTO responses_v8 SELECT * FROM responses;
DROP TABLE responses;
ALTER TABLE responses_v8 RENAME TO responses;

CREATE TABLE privacy_decisions (
  run_id             VARCHAR NOT NULL,
  query_id           VARCHAR NOT NULL,
  sensitive          BOOLEAN NOT NULL,
  -- e.g. ["tagged: channel \\"legal\\"", "detected: card number"]
  reasons_json       JSON NOT NULL,
  -- The routing policy's endpoint, and where the candidate call went (NULL: withheld).
  routed_endpoint    VARCHAR NOT NULL,
  candidate_endpoint VARCHAR,
  reroute_reason     VARCHAR,
  baseline_withheld  BOOLEAN NOT NULL,
  judge_withheld     BOOLEAN NOT NULL,
  -- PII found in the query text, counts by type: {"EMAIL": 1, "CARD": 1}
  pii_found_json     JSON NOT NULL,
  PRIMARY KEY (run_id, query_id)
);

CREATE VIEW privacy_by_run AS
SELECT
  run_id,
  count(*) AS n,
  count(*) FILTER (WHERE sensitive) AS n_sensitive,
  count(*) FILTER (WHERE reroute_reason IS NOT NULL) AS n_rerouted,
  count(*) FILTER (WHERE candidate_endpoint IS NULL) AS n_candidate_withheld,
  count(*) FILTER (WHERE baseline_withheld) AS n_baseline_withheld,
  count(*) FILTER (WHERE judge_withheld) AS n_judge_withheld,
  count(*) FILTER (WHERE pii_found_json <> '{}') AS n_with_pii,
  coalesce(sum(CAST(pii_found_json->>'EMAIL' AS INTEGER)), 0) AS pii_email,
  coalesce(sum(CAST(pii_found_json->>'PHONE' AS INTEGER)), 0) AS pii_phone,
  coalesce(sum(CAST(pii_found_json->>'CARD' AS INTEGER)), 0) AS pii_card,
  coalesce(sum(CAST(pii_found_json->>'IBAN' AS INTEGER)), 0) AS pii_iban,
  coalesce(sum(CAST(pii_found_json->>'ORDER' AS INTEGER)), 0) AS pii_order,
  coalesce(sum(CAST(pii_found_json->>'ACCOUNT' AS INTEGER)), 0) AS pii_account,
  coalesce(sum(CAST(pii_found_json->>'ADDRESS' AS INTEGER)), 0) AS pii_address,
  coalesce(sum(CAST(pii_found_json->>'NAME' AS INTEGER)), 0) AS pii_name
FROM privacy_decisions
GROUP BY run_id;
`,
};
