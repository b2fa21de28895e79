import { NEWEST_FIRST, RUN_JUDGMENTS_WHERE } from '../cascade/curve-sql.ts';

/** Column types for the facts query's few-valued columns: an ENUM of the run's values, or VARCHAR. */
export type FactKinds = Record<'tier' | 'policy' | 'endpoint' | 'status' | 'judgeStatus' | 'source', string>;

export const VARCHAR_KINDS: FactKinds = { tier: 'VARCHAR', policy: 'VARCHAR', endpoint: 'VARCHAR', status: 'VARCHAR', judgeStatus: 'VARCHAR', source: 'VARCHAR' };

/**
 * One row per query of run $1 (in no particular order: sorting a million wide rows did not fit the
 * gate's memory budget in DuckDB; loadRunData orders them by query id): what the gate reads of a run. The same values as
 * the analysts' `pairs` view (a test holds them equal), read without it: the view joins responses
 * three times and the judgments three times through a window over every run's judgments, which
 * at a million queries held over a gigabyte in DuckDB. Here each table of the run is read once
 * and pivoted per query by aggregation (at most one response per role: the primary key), the
 * current judgment picked by arg_min_null over the same order as `current_judgments`. Routes and
 * privacy decisions are filtered to the run before the join: joined on `run_id = q.run_id`, a file
 * holding a second run of a million queries made the query run out of the gate's 128 MB every time
 * (bench/RESULTS.md, "Gate + report memory", 2026-12-06).
 */
export function factsSql(kinds: FactKinds): string {
  const pick = (column: string, role: string): string => `arg_min_null(j.${column}, ${NEWEST_FIRST}) FILTER (WHERE j.role = '${role}')`;
  return `WITH s AS (
  SELECT
    query_id,
    bool_or(role = 'fallback') AS fallback_used,
    max(endpoint) FILTER (WHERE role = 'candidate') AS candidate_endpoint,
    max(status) FILTER (WHERE role = 'candidate') AS candidate_status,
    max(source) FILTER (WHERE role = 'baseline') AS baseline_source,
    max(status) FILTER (WHERE role = 'baseline') AS baseline_status,
    max(status) FILTER (WHERE role = 'fallback') AS fallback_status,
    max(latency_ms) FILTER (WHERE role = 'candidate') AS candidate_latency_ms,
    max(latency_ms) FILTER (WHERE role = 'fallback') AS fallback_latency_ms
  FROM responses
  WHERE run_id = $1
  GROUP BY query_id
),
j AS (
  SELECT
    j.query_id,
    ${pick('status', 'candidate')} AS candidate_judge_status,
    ${pick('score', 'candidate')} AS candidate_score,
    ${pick('status', 'baseline')} AS baseline_judge_status,
    ${pick('score', 'baseline')} AS baseline_score,
    ${pick('status', 'fallback')} AS fallback_judge_status,
    ${pick('score', 'fallback')} AS fallback_score
  FROM judgments AS j
  WHERE ${RUN_JUDGMENTS_WHERE}
  GROUP BY j.query_id
)
SELECT
  q.query_id,
  rt.tier::${kinds.tier} AS tier,
  q.label::${kinds.tier} AS label,
  rt.policy::${kinds.policy} AS route_policy,
  s.candidate_endpoint::${kinds.endpoint} AS candidate_endpoint,
  s.candidate_status::${kinds.status} AS candidate_status,
  (CASE WHEN s.fallback_used THEN j.fallback_judge_status ELSE j.candidate_judge_status END)::${kinds.judgeStatus} AS served_judge_status,
  CASE WHEN s.fallback_used THEN j.fallback_score ELSE j.candidate_score END AS served_score,
  s.baseline_source::${kinds.source} AS baseline_source,
  s.baseline_status::${kinds.status} AS baseline_status,
  j.baseline_judge_status::${kinds.judgeStatus} AS baseline_judge_status,
  j.baseline_score,
  coalesce(s.fallback_used, false) AS fallback_used,
  s.fallback_status::${kinds.status} AS fallback_status,
  s.candidate_latency_ms,
  s.fallback_latency_ms,
  rt.latency_us AS router_latency_us,
  pd.judge_withheld,
  pd.sensitive
FROM queries AS q
LEFT JOIN (SELECT query_id, tier, policy, latency_us FROM routes WHERE run_id = $1) AS rt ON rt.query_id = q.query_id
LEFT JOIN s ON s.query_id = q.query_id
LEFT JOIN j ON j.query_id = q.query_id
LEFT JOIN (SELECT query_id, judge_withheld, sensitive FROM privacy_decisions WHERE run_id = $1) AS pd ON pd.query_id = q.query_id
WHERE q.run_id = $1`;
}

