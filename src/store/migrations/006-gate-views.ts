import type { Migration } from './migration.ts';

// Views for the gate and for analysts: each call's cost by routed tier (the cost model's input),
// and every stored gate check as a row (the history of decisions, per metric).
export const gateViews: Migration = {
  version: 6,
  name: 'gate-views',
  sql: `
-- Successful endpoint calls per run, routed tier, endpoint and role: what one call costs and how
-- many tokens it takes. Unknown costs stay unknown: cost_per_call_usd is over known_cost_calls.
CREATE VIEW cost_by_tier AS
SELECT
  s.run_id,
  rt.tier,
  s.endpoint,
  s.role,
  count(*) AS calls,
  count(s.cost_usd) AS known_cost_calls,
  avg(s.cost_usd) AS cost_per_call_usd,
  avg(s.prompt_tokens) FILTER (WHERE s.completion_tokens IS NOT NULL) AS mean_prompt_tokens,
  avg(s.completion_tokens) FILTER (WHERE s.prompt_tokens IS NOT NULL) AS mean_completion_tokens
FROM responses AS s
JOIN routes AS rt ON rt.run_id = s.run_id AND rt.query_id = s.query_id
WHERE s.source = 'endpoint' AND s.status IN ('ok', 'ok_after_retry')
GROUP BY s.run_id, rt.tier, s.endpoint, s.role;

-- One row per check of every stored gate decision (reasons_json unnested): outcome is pass, fail,
-- hold or skip (not evaluated); ci_lower / ci_upper are the 95% interval when the check has one.
CREATE VIEW gate_checks AS
SELECT
  g.run_id,
  g.plan,
  g.step,
  g.decision,
  g.decided_at,
  CAST(c.key AS INTEGER) AS position,
  c.value ->> 'metric' AS metric,
  c.value ->> 'outcome' AS outcome,
  TRY_CAST(c.value ->> 'value' AS DOUBLE) AS value,
  TRY_CAST(c.value -> 'interval' ->> 'lower' AS DOUBLE) AS ci_lower,
  TRY_CAST(c.value -> 'interval' ->> 'upper' AS DOUBLE) AS ci_upper,
  c.value ->> 'threshold' AS threshold,
  TRY_CAST(c.value ->> 'n' AS BIGINT) AS n,
  c.value ->> 'detail' AS detail
FROM gate_decisions AS g, json_each(g.reasons_json) AS c;
`,
};
