import type { Tier } from '../core/tier.ts';
import { TIERS } from '../core/tier.ts';
import { bootstrapMean, type Interval } from './bootstrap.ts';

export interface GateStore {
  all<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface TierQuality {
  tier: Tier;
  queries: number;
  candidate: Interval;
  baseline: Interval;
}

export interface RunMetrics {
  queries: number;
  rejects: number;
  candidate: Interval;
  baseline: Interval;
  /** Candidate minus baseline on queries where both were scored. */
  pairedDifference: Interval;
  byTier: TierQuality[];
  judged: { scored: number; unscored: number; errored: number };
  candidateCalls: { total: number; failed: number; okAfterRetry: number };
  baselineCalls: { total: number; failed: number };
  fallbacks: number;
  /** Queries routed to each candidate endpoint. */
  routedTo: Record<string, number>;
  latency: Array<{ endpoint: string; role: string; calls: number; p50Ms: number | undefined; p95Ms: number | undefined; ttftP50Ms: number | undefined }>;
}

interface ScoreRow {
  query_id: string;
  tier: Tier;
  role: string;
  score: number | null;
}

/**
 * Per query and role, the latest judgment of the run. Computed in SQL so the gate works on the
 * same rows an analyst sees.
 */
const LATEST_JUDGMENTS = `
  SELECT j.query_id, r.tier, j.role, j.status, j.score
  FROM judgments j JOIN routes r USING (run_id, query_id)
  WHERE j.run_id = ? AND j.kind = 'single'
  QUALIFY row_number() OVER (PARTITION BY j.query_id, j.role ORDER BY j.created_at DESC) = 1`;

export async function computeMetrics(store: GateStore, runId: string, seed = 12345): Promise<RunMetrics> {
  const [counts] = await store.all<{ queries: number; rejects: number }>(
    `SELECT (SELECT count(*) FROM queries WHERE run_id = ?) AS queries, (SELECT count(*) FROM rejects WHERE run_id = ?) AS rejects`,
    [runId, runId],
  );
  const judgments = await store.all<ScoreRow & { status: string }>(LATEST_JUDGMENTS, [runId]);
  const scored = judgments.filter((row) => row.status === 'scored' && row.score !== null);
  const scoresOf = (role: string, tier?: Tier): number[] =>
    scored.filter((row) => row.role === role && (tier === undefined || row.tier === tier)).map((row) => row.score!);

  const baselineByQuery = new Map(scored.filter((row) => row.role === 'baseline').map((row) => [row.query_id, row.score!]));
  const differences = scored
    .filter((row) => row.role === 'candidate' && baselineByQuery.has(row.query_id))
    .map((row) => row.score! - baselineByQuery.get(row.query_id)!);

  const tierCounts = await store.all<{ tier: Tier; endpoint: string; n: number }>(
    `SELECT tier, endpoint, count(*) AS n FROM routes WHERE run_id = ? GROUP BY tier, endpoint`,
    [runId],
  );
  const routedTo: Record<string, number> = {};
  for (const row of tierCounts) routedTo[row.endpoint] = (routedTo[row.endpoint] ?? 0) + Number(row.n);

  const calls = await store.all<{ role: string; status: string; n: number }>(
    `SELECT role, status, count(*) AS n FROM responses WHERE run_id = ? AND source = 'endpoint' GROUP BY role, status`,
    [runId],
  );
  const callCount = (role: string, status?: string): number =>
    calls.filter((row) => row.role === role && (status === undefined || row.status === status)).reduce((sum, row) => sum + Number(row.n), 0);

  const latency = await store.all<{ endpoint: string; role: string; calls: number; p50: number | null; p95: number | null; ttft: number | null }>(
    `SELECT endpoint, role, count(*) AS calls,
            quantile_cont(latency_ms, 0.5) AS p50, quantile_cont(latency_ms, 0.95) AS p95, quantile_cont(ttft_ms, 0.5) AS ttft
     FROM responses WHERE run_id = ? AND source = 'endpoint' AND status IN ('ok', 'ok_after_retry')
     GROUP BY endpoint, role ORDER BY endpoint, role`,
    [runId],
  );

  const interval = (values: number[], offset: number): Interval => bootstrapMean(values, { seed: seed + offset });
  return {
    queries: Number(counts?.queries ?? 0),
    rejects: Number(counts?.rejects ?? 0),
    candidate: interval(scoresOf('candidate'), 1),
    baseline: interval(scoresOf('baseline'), 2),
    pairedDifference: interval(differences, 3),
    byTier: TIERS.map((tier, index) => ({
      tier,
      queries: tierCounts.filter((row) => row.tier === tier).reduce((sum, row) => sum + Number(row.n), 0),
      candidate: interval(scoresOf('candidate', tier), 10 + index),
      baseline: interval(scoresOf('baseline', tier), 20 + index),
    })),
    judged: {
      scored: scored.length,
      unscored: judgments.filter((row) => row.status === 'unscored').length,
      errored: judgments.filter((row) => row.status === 'error').length,
    },
    candidateCalls: { total: callCount('candidate'), failed: callCount('candidate', 'failed'), okAfterRetry: callCount('candidate', 'ok_after_retry') },
    baselineCalls: { total: callCount('baseline'), failed: callCount('baseline', 'failed') },
    fallbacks: callCount('fallback'),
    routedTo,
    latency: latency.map((row) => ({
      endpoint: row.endpoint,
      role: row.role,
      calls: Number(row.calls),
      p50Ms: row.p50 ?? undefined,
      p95Ms: row.p95 ?? undefined,
      ttftP50Ms: row.ttft ?? undefined,
    })),
  };
}
