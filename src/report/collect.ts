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
    // One pass over the pairs view (each reference to it is the whole join again).
    `SELECT side, score, count(*) AS n FROM (
       SELECT unnest(['candidate', 'baseline']) AS side, unnest([round(served_score), round(baseline_score)]) AS score
       FROM pairs WHERE run_id = ?
     ) WHERE score IS NOT NULL GROUP BY ALL ORDER BY side, score`,
    [runId],
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
    // Ranked on the narrow columns first; the texts are fetched for the few rows kept (sorting a
    // million rows with their answers attached took seconds).
    `WITH ranked AS (
       SELECT run_id, query_id, tier, served_judge_status, served_score, baseline_score, fallback_used,
              row_number() OVER (
                PARTITION BY tier
                ORDER BY CASE WHEN served_judge_status = 'scored' THEN 1 ELSE 0 END, served_score, score_diff, query_id
              ) AS position
       FROM pairs WHERE run_id = ?
       QUALIFY position <= ${WORST_PER_TIER}
     )
     SELECT r.tier, r.query_id, q.text AS query_text, s.endpoint, r.served_judge_status, r.served_score, r.baseline_score,
            r.fallback_used, left(s.output, 600) AS answer, left(j.reason, 400) AS reason, r.position
     FROM ranked AS r
     JOIN queries AS q ON q.run_id = r.run_id AND q.query_id = r.query_id
     LEFT JOIN responses AS s
       ON s.run_id = r.run_id AND s.query_id = r.query_id AND s.role = CASE WHEN r.fallback_used THEN 'fallback' ELSE 'candidate' END
     LEFT JOIN current_judgments AS j
       ON j.run_id = r.run_id AND j.query_id = r.query_id AND j.role = CASE WHEN r.fallback_used THEN 'fallback' ELSE 'candidate' END
     ORDER BY r.tier, r.position`,
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
