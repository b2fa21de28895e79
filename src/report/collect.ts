import type { Tier } from '../core/tier.ts';
import { isTier, TIERS } from '../core/tier.ts';
import type { GateStore } from '../gate/metrics.ts';

/** What the charts and tables need beyond the gate's own figures: distributions and examples. */
export interface ReportData {
  scoreCounts: Array<{ side: 'candidate' | 'baseline'; score: number; n: number }>;
  /** Successful call latencies per endpoint and role (at most `LATENCY_SAMPLE` each, evenly spaced). */
  latencies: Array<{ series: string; ms: number }>;
  /** The lowest-scored served answers of each tier, unscored and judge errors first. */
  worstAnswers: WorstAnswer[];
}

export interface WorstAnswer {
  tier: Tier;
  queryId: string;
  query: string;
  endpoint: string | undefined;
  servedStatus: string | undefined;
  servedScore: number | undefined;
  baselineScore: number | undefined;
  fallbackUsed: boolean;
  answer: string | undefined;
  judgeReason: string | undefined;
}

const LATENCY_SAMPLE = 2000;
export const WORST_PER_TIER = 5;

export async function collectReportData(store: GateStore, runId: string): Promise<ReportData> {
  const scores = await store.all<{ side: 'candidate' | 'baseline'; score: number; n: number }>(
    `SELECT side, score, count(*) AS n FROM (
       SELECT 'candidate' AS side, round(served_score) AS score FROM pairs WHERE run_id = ? AND served_score IS NOT NULL
       UNION ALL
       SELECT 'baseline', round(baseline_score) FROM pairs WHERE run_id = ? AND baseline_score IS NOT NULL
     ) GROUP BY ALL ORDER BY side, score`,
    [runId, runId],
  );
  const latencies = await store.all<{ series: string; ms: number }>(
    `SELECT series, ms FROM (
       SELECT endpoint || ' (' || role || ')' AS series, latency_ms AS ms,
              row_number() OVER (PARTITION BY endpoint, role ORDER BY latency_ms) AS position,
              count(*) OVER (PARTITION BY endpoint, role) AS total
       FROM responses
       WHERE run_id = ? AND source = 'endpoint' AND status IN ('ok', 'ok_after_retry') AND latency_ms IS NOT NULL
     ) WHERE total <= ${LATENCY_SAMPLE} OR (position - 1) % ceil(total / ${LATENCY_SAMPLE}) = 0
     ORDER BY series, ms`,
    [runId],
  );
  const worst = await store.all<{
    tier: string;
    query_id: string;
    query_text: string;
    endpoint: string | null;
    served_judge_status: string | null;
    served_score: number | null;
    baseline_score: number | null;
    fallback_used: boolean;
    answer: string | null;
    reason: string | null;
  }>(
    `SELECT * FROM (
       SELECT p.tier, p.query_id, p.query_text,
              CASE WHEN p.fallback_used THEN p.fallback_endpoint ELSE p.candidate_endpoint END AS endpoint,
              p.served_judge_status, p.served_score, p.baseline_score, p.fallback_used,
              left(CASE WHEN p.fallback_used THEN f.output ELSE p.candidate_output END, 600) AS answer,
              left(j.reason, 400) AS reason,
              row_number() OVER (
                PARTITION BY p.tier
                ORDER BY CASE WHEN p.served_judge_status = 'scored' THEN 1 ELSE 0 END, p.served_score, p.score_diff, p.query_id
              ) AS position
       FROM pairs AS p
       LEFT JOIN responses AS f ON f.run_id = p.run_id AND f.query_id = p.query_id AND f.role = 'fallback'
       LEFT JOIN current_judgments AS j
         ON j.run_id = p.run_id AND j.query_id = p.query_id AND j.role = CASE WHEN p.fallback_used THEN 'fallback' ELSE 'candidate' END
       WHERE p.run_id = ?
     ) WHERE position <= ${WORST_PER_TIER}
     ORDER BY tier, position`,
    [runId],
  );
  const order = (tier: string): number => (isTier(tier) ? TIERS.indexOf(tier) : TIERS.length);
  return {
    scoreCounts: scores.map((row) => ({ side: row.side, score: Number(row.score), n: Number(row.n) })),
    latencies: latencies.map((row) => ({ series: row.series, ms: Number(row.ms) })),
    worstAnswers: worst
      .filter((row) => isTier(row.tier))
      .sort((a, b) => order(a.tier) - order(b.tier))
      .map((row) => ({
        tier: row.tier as Tier,
        queryId: row.query_id,
        query: row.query_text,
        endpoint: row.endpoint ?? undefined,
        servedStatus: row.served_judge_status ?? undefined,
        servedScore: row.served_score ?? undefined,
        baselineScore: row.baseline_score ?? undefined,
        fallbackUsed: Boolean(row.fallback_used),
        answer: row.answer ?? undefined,
        judgeReason: row.reason ?? undefined,
      })),
  };
}
