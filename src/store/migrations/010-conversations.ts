import type { Migration } from './migration.ts';

// Multi-turn replay (issue 14). Columns are added at the end (the appenders in ../table-layouts.ts
// fill them by position); older rows read NULL, which every view below treats as single-turn.
//
// queries.turn_index: 0-based position of the answered assistant turn in its conversation.
// queries.request_json: the whole logged request as replayed (messages with roles, tool calls and
//   tool results, tools, parameters), stored like queries.text: as logged, unredacted (the database
//   stays on the premises; exports redact it with the other free-text columns).
// responses.tool_calls_json: the function calls an answer made, [{id, name, arguments}], arguments
//   as the model wrote them. responses.tool_calls_key: the same calls compared as the gate compares
//   them (names, arguments parsed as JSON with key order ignored, calls sorted): two answers made
//   the same tool calls exactly when their keys are equal.
// responses.dropped_params: logged parameters the endpoint could not take, left out of the request.
// request_json and tool_calls_json hold JSON text in VARCHAR columns (DuckDB's JSON functions read
// them as they are): they are free text an export redacts, and a redacted export keeps each
// column's type, which a JSON column would not.
export const conversations: Migration = {
  version: 10,
  name: 'conversations',
  sql: ({ longText }) => `
ALTER TABLE queries ADD COLUMN turn_index INTEGER;
ALTER TABLE queries ADD COLUMN request_json VARCHAR${longText};
ALTER TABLE responses ADD COLUMN tool_calls_json VARCHAR;
ALTER TABLE responses ADD COLUMN tool_calls_key VARCHAR;
ALTER TABLE responses ADD COLUMN dropped_params JSON;

-- One row per replayed turn: where it sits in its conversation, what it was sent, the tool calls
-- of the served answer (the fallback's when it was called) and of the baseline, and whether they agree.
-- tool_call_agreement is NULL when neither side called a tool or either side has no answer.
CREATE VIEW conversation_turns AS
SELECT
  p.run_id,
  p.query_id,
  q.conversation_id,
  q.turn_index,
  CAST(json_array_length(q.request_json -> 'messages') AS INTEGER) AS n_messages,
  p.tier,
  p.served_score,
  p.baseline_score,
  CASE WHEN p.fallback_used THEN f.tool_calls_json ELSE c.tool_calls_json END AS served_tool_calls_json,
  b.tool_calls_json AS baseline_tool_calls_json,
  CASE
    WHEN (CASE WHEN p.fallback_used THEN f.status ELSE c.status END) NOT IN ('ok', 'ok_after_retry')
      OR b.status NOT IN ('ok', 'ok_after_retry') THEN NULL
    WHEN (CASE WHEN p.fallback_used THEN f.tool_calls_key ELSE c.tool_calls_key END) IS NULL AND b.tool_calls_key IS NULL THEN NULL
    ELSE coalesce((CASE WHEN p.fallback_used THEN f.tool_calls_key ELSE c.tool_calls_key END) = b.tool_calls_key, false)
  END AS tool_call_agreement,
  c.dropped_params AS candidate_dropped_params
FROM pairs AS p
JOIN queries AS q ON q.run_id = p.run_id AND q.query_id = p.query_id
LEFT JOIN responses AS c ON c.run_id = p.run_id AND c.query_id = p.query_id AND c.role = 'candidate'
LEFT JOIN responses AS b ON b.run_id = p.run_id AND b.query_id = p.query_id AND b.role = 'baseline'
LEFT JOIN responses AS f ON f.run_id = p.run_id AND f.query_id = p.query_id AND f.role = 'fallback';

-- One row per conversation of a run: how many of its turns were replayed, the tiers they were
-- routed to, mean quality (served and baseline, scored answers only), and tool-call agreement over
-- the turns where either side called a tool. A query without a conversation id is its own conversation.
CREATE VIEW conversations AS
SELECT
  run_id,
  coalesce(conversation_id, query_id) AS conversation_id,
  count(*) AS turns_replayed,
  min(turn_index) AS first_turn_index,
  max(turn_index) AS last_turn_index,
  max(n_messages) AS max_messages,
  string_agg(DISTINCT tier, ',' ORDER BY tier) AS tiers,
  avg(served_score) AS mean_served_score,
  avg(baseline_score) AS mean_baseline_score,
  count(tool_call_agreement) AS tool_call_turns,
  count(*) FILTER (WHERE tool_call_agreement) AS tool_call_agreements,
  avg(CASE WHEN tool_call_agreement THEN 1.0 WHEN NOT tool_call_agreement THEN 0.0 END) AS tool_call_agreement_rate
FROM conversation_turns
GROUP BY run_id, coalesce(conversation_id, query_id);

-- Tool-call agreement per run and routed tier (the gate's min_tool_call_agreement reads this).
CREATE VIEW tool_calls_by_tier AS
SELECT
  run_id,
  tier,
  count(tool_call_agreement) AS tool_call_turns,
  count(*) FILTER (WHERE tool_call_agreement) AS tool_call_agreements,
  avg(CASE WHEN tool_call_agreement THEN 1.0 WHEN NOT tool_call_agreement THEN 0.0 END) AS tool_call_agreement_rate
FROM conversation_turns
GROUP BY run_id, tier;
`,
};
