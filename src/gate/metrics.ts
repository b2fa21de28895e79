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
  /** Served (candidate or fallback) minus baseline on queries where both were scored. */
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

interface PairRow {
  query_id: string;
  tier: Tier;
  served_judge_status: string | null;
  served_score: number | null;
  baseline_judge_status: string | null;
  baseline_score: number | null;
}

/**
 * Reads the analysts' `pairs` view, so the gate and an analyst's query see the same numbers.
 * "Candidate" quality is the served answer's: the fallback's when the on-prem call failed.
 */
export async function computeMetrics(store: GateStore, runId: string, seed = 12345): Promise<RunMetrics> {
  const [counts] = await store.all<{ queries: number; rejects: number }>(
    `SELECT (SELECT count(*) FROM queries WHERE run_id = ?) AS queries, (SELECT count(*) FROM rejects WHERE run_id = ?) AS rejects`,
    [runId, runId],
  );
  const pairs = await store.all<PairRow>(
    `SELECT query_id, tier, served_judge_status, served_score, baseline_judge_status, baseline_score FROM pairs WHERE run_id = ?`,
    [runId],
  );
  const candidateScores = (tier?: Tier): number[] =>
    pairs.filter((row) => row.served_score !== null && (tier === undefined || row.tier === tier)).map((row) => row.served_score!);
  const baselineScores = (tier?: Tier): number[] =>
    pairs.filter((row) => row.baseline_score !== null && (tier === undefined || row.tier === tier)).map((row) => row.baseline_score!);
  const differences = pairs
    .filter((row) => row.served_score !== null && row.baseline_score !== null)
    .map((row) => row.served_score! - row.baseline_score!);
  const statuses = pairs.flatMap((row) => [row.served_judge_status, row.baseline_judge_status]);

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
    candidate: interval(candidateScores(), 1),
    baseline: interval(baselineScores(), 2),
    pairedDifference: interval(differences, 3),
    byTier: TIERS.map((tier, index) => ({
      tier,
      queries: tierCounts.filter((row) => row.tier === tier).reduce((sum, row) => sum + Number(row.n), 0),
      candidate: interval(candidateScores(tier), 10 + index),
      baseline: interval(baselineScores(tier), 20 + index),
    })),
    judged: {
      scored: statuses.filter((status) => status === 'scored').length,
      unscored: statuses.filter((status) => status === 'unscored').length,
      errored: statuses.filter((status) => status === 'error').length,
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
