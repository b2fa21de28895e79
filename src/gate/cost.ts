import type { Config } from '../config/schema.ts';
import type { GateStore } from './metrics.ts';

export interface CostProjection {
  monthlyQueries: number;
  /** Monthly bill of the routed mix: variable cost at the measured per-query cost plus on-prem fixed cost. */
  routedMonthlyUsd: number | undefined;
  /** The same volume all on the baseline (GPT-4). undefined when the baseline cost is unknown (logged answers). */
  baselineMonthlyUsd: number | undefined;
  /** 1 - routed / baseline. */
  reduction: number | undefined;
  fixedMonthlyUsd: number;
  /** Variable cost per query of the routed mix, fallback calls included. */
  variablePerQueryUsd: number | undefined;
  fallbackMonthlyUsd: number | undefined;
  /** Queries whose candidate cost is known / all queries; the projection rests on the known ones. */
  costCoverage: { known: number; total: number };
}

interface CostRow {
  role: string;
  calls: number;
  known: number;
  total_cost: number | null;
}

export async function projectCost(store: GateStore, runId: string, config: Config): Promise<CostProjection> {
  const volume = config.volume.monthly_queries;
  const rows = await store.all<CostRow>(
    `SELECT role, count(*) AS calls, count(cost_usd) AS known, sum(cost_usd) AS total_cost
     FROM responses WHERE run_id = ? AND source = 'endpoint' GROUP BY role`,
    [runId],
  );
  const [queryRow] = await store.all<{ n: number }>(`SELECT count(*) AS n FROM queries WHERE run_id = ?`, [runId]);
  const queries = Number(queryRow?.n ?? 0);
  const byRole = new Map(rows.map((row) => [row.role, row]));
  const perCall = (role: string): number | undefined => {
    const row = byRole.get(role);
    return row === undefined || Number(row.known) === 0 ? undefined : Number(row.total_cost) / Number(row.known);
  };

  const routedEndpoints = await store.all<{ endpoint: string }>(`SELECT DISTINCT endpoint FROM routes WHERE run_id = ?`, [runId]);
  const fallbackUsed = byRole.has('fallback') && config.routing.fallback !== undefined ? [config.routing.fallback] : [];
  const fixedMonthlyUsd = [...new Set([...routedEndpoints.map((row) => row.endpoint), ...fallbackUsed])]
    .map((name) => config.endpoints[name]?.pricing)
    .reduce((sum, pricing) => sum + (pricing !== undefined && 'fixed_monthly_usd' in pricing ? pricing.fixed_monthly_usd : 0), 0);

  const candidatePerCall = perCall('candidate');
  const fallbackRow = byRole.get('fallback');
  const fallbackPerQuery =
    fallbackRow === undefined ? 0 : perCall('fallback') === undefined ? undefined : (perCall('fallback')! * Number(fallbackRow.calls)) / Math.max(queries, 1);
  const variablePerQueryUsd = candidatePerCall === undefined || fallbackPerQuery === undefined ? undefined : candidatePerCall + fallbackPerQuery;
  const routedMonthlyUsd = variablePerQueryUsd === undefined ? undefined : volume * variablePerQueryUsd + fixedMonthlyUsd;
  const baselinePerCall = perCall('baseline');
  const baselineMonthlyUsd = baselinePerCall === undefined ? undefined : volume * baselinePerCall;
  const candidateRow = byRole.get('candidate');
  return {
    monthlyQueries: volume,
    routedMonthlyUsd,
    baselineMonthlyUsd,
    reduction: routedMonthlyUsd === undefined || baselineMonthlyUsd === undefined || baselineMonthlyUsd === 0 ? undefined : 1 - routedMonthlyUsd / baselineMonthlyUsd,
    fixedMonthlyUsd,
    variablePerQueryUsd,
    fallbackMonthlyUsd: fallbackPerQuery === undefined ? undefined : fallbackPerQuery * volume,
    costCoverage: { known: Number(candidateRow?.known ?? 0), total: queries },
  };
}
