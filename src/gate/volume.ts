import type { GateStore } from './metrics.ts';

export interface MonthlyVolume {
  monthlyQueries: number | undefined;
  source: 'config' | 'timestamps' | 'unknown';
  detail: string;
}

const DAY_SECONDS = 86_400;

/**
 * Monthly query volume for the cost projection: the config's `volume.monthly_queries`, else the
 * log's own rate (timestamped queries per day over the span they cover, times 30). The second
 * assumes the replayed log holds all traffic of its span; a sample of it understates the volume.
 */
export async function monthlyVolume(store: GateStore, runId: string, configured: number | undefined): Promise<MonthlyVolume> {
  if (configured !== undefined) return { monthlyQueries: configured, source: 'config', detail: `${configured.toLocaleString('en-US')} queries/month (config volume.monthly_queries)` };
  const [row] = await store.all<{ n: number; first: number | null; last: number | null }>(
    `SELECT count(ts) AS n, epoch(min(ts)) AS first, epoch(max(ts)) AS last
     FROM (SELECT try_cast(timestamp AS TIMESTAMPTZ) AS ts FROM queries WHERE run_id = ?)`,
    [runId],
  );
  const n = Number(row?.n ?? 0);
  const spanSeconds = row?.first == null || row.last == null ? 0 : Number(row.last) - Number(row.first);
  if (n < 2 || spanSeconds <= 0) {
    return { monthlyQueries: undefined, source: 'unknown', detail: `volume unknown: set volume.monthly_queries in the config (the log has ${n} parseable timestamp${n === 1 ? '' : 's'})` };
  }
  const perDay = ((n - 1) / spanSeconds) * DAY_SECONDS;
  const monthly = Math.round(perDay * 30);
  return {
    monthlyQueries: monthly,
    source: 'timestamps',
    detail: `${monthly.toLocaleString('en-US')} queries/month from the log: ${n.toLocaleString('en-US')} timestamped queries over ${(spanSeconds / DAY_SECONDS).toFixed(1)} days (${perDay.toFixed(1)}/day x 30; assumes the log holds all traffic of its span)`,
  };
}
