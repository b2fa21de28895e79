import { TIERS, isTier, type Tier } from '../core/tier.ts';
import { pct, type Check } from './decide.ts';
import { wilsonInterval } from './intervals.ts';
import type { GateStore } from './metrics.ts';
import { viewExists, type Absent } from './optional-evidence.ts';

// Tool-call agreement (issue 14): on the turns where the baseline or the served answer called a
// tool, the share where both made the same calls (same tool, arguments equal as JSON). Read from
// the analysts' `tool_calls_by_tier` view (migration 10); a database or a run without tool turns
// is a reason, never a zero.

export interface ToolAgreementByTier {
  tier: Tier;
  /** Turns where either side called a tool (and both answered). */
  turns: number;
  agreements: number;
  /** agreements / turns; undefined without tool turns. */
  rate: number | undefined;
}

/**
 * The `tool_calls_by_tier` view's figures for run $1, read without the view: it goes through
 * `conversation_turns` and `pairs` (responses and judgments joined three times each, the request
 * JSON parsed per turn), which at a million queries took over a gigabyte in DuckDB. The same rule
 * on the run's responses pivoted per query (at most one per role: the primary key); a test holds
 * the two equal.
 */
export const TOOL_CALLS_BY_TIER_SQL = `SELECT
  rt.tier,
  count(a.agreement) AS tool_call_turns,
  count(*) FILTER (WHERE a.agreement) AS tool_call_agreements
FROM queries AS q
LEFT JOIN routes AS rt ON rt.run_id = q.run_id AND rt.query_id = q.query_id
LEFT JOIN (
  SELECT
    query_id,
    CASE
      WHEN (CASE WHEN fallback_used THEN fallback_status ELSE candidate_status END) NOT IN ('ok', 'ok_after_retry')
        OR baseline_status NOT IN ('ok', 'ok_after_retry') THEN NULL
      WHEN (CASE WHEN fallback_used THEN fallback_key ELSE candidate_key END) IS NULL AND baseline_key IS NULL THEN NULL
      ELSE coalesce((CASE WHEN fallback_used THEN fallback_key ELSE candidate_key END) = baseline_key, false)
    END AS agreement
  FROM (
    SELECT
      query_id,
      bool_or(role = 'fallback') AS fallback_used,
      max(status) FILTER (WHERE role = 'candidate') AS candidate_status,
      max(status) FILTER (WHERE role = 'fallback') AS fallback_status,
      max(status) FILTER (WHERE role = 'baseline') AS baseline_status,
      max(tool_calls_key) FILTER (WHERE role = 'candidate') AS candidate_key,
      max(tool_calls_key) FILTER (WHERE role = 'fallback') AS fallback_key,
      max(tool_calls_key) FILTER (WHERE role = 'baseline') AS baseline_key
    FROM responses
    WHERE run_id = $1
    GROUP BY query_id
  )
) AS a ON a.query_id = q.query_id
WHERE q.run_id = $1
GROUP BY rt.tier
ORDER BY rt.tier`;

export async function readToolAgreement(store: GateStore, runId: string): Promise<ToolAgreementByTier[] | Absent> {
  if (!(await viewExists(store, 'tool_calls_by_tier'))) return { absent: 'this database has no tool-call columns (it predates multi-turn replay)' };
  const rows = await store.all<{ tier: string | null; tool_call_turns: number; tool_call_agreements: number }>(TOOL_CALLS_BY_TIER_SQL, [runId]);
  const byTier: ToolAgreementByTier[] = [];
  for (const row of rows) {
    if (!isTier(row.tier)) continue;
    const turns = Number(row.tool_call_turns);
    const agreements = Number(row.tool_call_agreements);
    byTier.push({ tier: row.tier, turns, agreements, rate: turns === 0 ? undefined : agreements / turns });
  }
  return byTier.sort((a, b) => TIERS.indexOf(a.tier) - TIERS.indexOf(b.tier));
}

/**
 * min_tool_call_agreement over the tiers a step serves from the candidate. Like the other rates:
 * pass when the share reaches the bar, fail when the whole 95% interval is below it, else hold;
 * no tool turns at all is a hold (nothing measured), not a pass.
 */
export function toolAgreementCheck(agreement: ToolAgreementByTier[] | Absent, tiers: readonly Tier[], bar: number): Check {
  const threshold = `>= ${pct(bar)}`;
  if (!Array.isArray(agreement)) return { metric: 'tool_call_agreement', outcome: 'skip', value: undefined, interval: undefined, threshold, n: 0, detail: agreement.absent };
  const rows = agreement.filter((row) => tiers.includes(row.tier));
  const turns = rows.reduce((sum, row) => sum + row.turns, 0);
  const agreements = rows.reduce((sum, row) => sum + row.agreements, 0);
  if (turns === 0) {
    return { metric: 'tool_call_agreement', outcome: 'hold', value: undefined, interval: undefined, threshold, n: 0, detail: `no turn on ${tiers.join('/')} where either side called a tool` };
  }
  const interval = wilsonInterval(agreements, turns);
  const mean = interval.mean!;
  const outcome = mean >= bar ? 'pass' : interval.upper !== undefined && interval.upper < bar ? 'fail' : 'hold';
  const perTier = rows.filter((row) => row.turns > 0).map((row) => `${row.tier} ${pct(row.rate)} of ${row.turns}`).join(', ');
  return {
    metric: 'tool_call_agreement',
    outcome,
    value: mean,
    interval: { lower: interval.lower, upper: interval.upper },
    threshold,
    n: turns,
    detail:
      `${agreements} of ${turns} tool-call turns made the same calls as the baseline (same tool, arguments equal as JSON): ${pct(mean)} ` +
      `[95% CI ${pct(interval.lower)}, ${pct(interval.upper)}]; by tier: ${perTier}${outcome === 'hold' ? `; within noise of ${pct(bar)}, more samples needed` : ''}`,
  };
}
