import { UsageError } from '../core/errors.ts';
import type { SpotcheckTables } from '../store/spotcheck-tables.ts';
import { drawSample, stratumKey, type DrawnItem, type SampleSource } from './strata.ts';

export interface SampleResult {
  runId: string;
  seed: number;
  requestedN: number;
  /** Queries in the run. */
  population: number;
  items: DrawnItem[];
  /** Per stratum: queries in the run and items drawn. */
  strata: { stratum: string; population: number; drawn: number }[];
  /** The stored sample already was this one (same seed, size and items): nothing was written. */
  unchanged: boolean;
}

/**
 * Draws the run's spot-check sample and stores it in spotcheck_samples, replacing the run's earlier
 * sample unless it is the same one. Ratings already made are kept either way.
 */
export async function sampleRun(
  tables: SpotcheckTables,
  runId: string,
  options: { n: number; seed: number; now?: () => Date },
): Promise<SampleResult> {
  const store = tables.store;
  if ((await store.getRun(runId)) === undefined) throw new UsageError(`run not found: ${runId}`);
  const rows = await store.all<{
    query_id: string;
    tier: string | null;
    served_judge_status: string | null;
    served_score: number | null;
    baseline_judge_status: string | null;
    baseline_score: number | null;
    sensitive: boolean | null;
  }>(
    `SELECT p.query_id, p.tier, p.served_judge_status, p.served_score, p.baseline_judge_status, p.baseline_score, pd.sensitive
     FROM pairs AS p LEFT JOIN privacy_decisions AS pd ON pd.run_id = p.run_id AND pd.query_id = p.query_id
     WHERE p.run_id = $1`,
    [runId],
  );
  if (rows.length === 0) throw new UsageError(`run ${runId} has no queries to sample`);
  const sources: SampleSource[] = rows.map((row) => ({
    queryId: row.query_id,
    tier: row.tier ?? undefined,
    candidateStatus: row.served_judge_status ?? undefined,
    candidateScore: row.served_score ?? undefined,
    baselineStatus: row.baseline_judge_status ?? undefined,
    baselineScore: row.baseline_score ?? undefined,
    sensitive: row.sensitive === true,
  }));
  const items = drawSample(sources, { n: options.n, seed: options.seed, runId });

  const existing = await store.all<{ query_id: string; position: number; seed: number; requested_n: number }>(
    'SELECT query_id, position, seed, requested_n FROM spotcheck_samples WHERE run_id = $1 ORDER BY position',
    [runId],
  );
  const unchanged =
    existing.length === items.length &&
    existing.every(
      (row, index) =>
        row.query_id === items[index]!.queryId && row.position === items[index]!.position && row.seed === options.seed && row.requested_n === options.n,
    );
  if (!unchanged) {
    const sampledAt = (options.now ?? (() => new Date()))();
    await tables.replaceSample(
      runId,
      items.map((item) => ({ runId, ...item, seed: options.seed, requestedN: options.n, sampledAt })),
    );
  }

  const population = new Map<string, number>();
  for (const source of sources) {
    const key = stratumKey(source);
    population.set(key, (population.get(key) ?? 0) + 1);
  }
  const drawn = new Map<string, number>();
  for (const item of items) drawn.set(item.stratum, (drawn.get(item.stratum) ?? 0) + 1);
  const strata = [...population.entries()]
    .map(([stratum, count]) => ({ stratum, population: count, drawn: drawn.get(stratum) ?? 0 }))
    .sort((a, b) => (a.stratum < b.stratum ? -1 : a.stratum > b.stratum ? 1 : 0));
  return { runId, seed: options.seed, requestedN: options.n, population: sources.length, items, strata, unchanged };
}

/** Plain-text summary for the CLI. */
export function formatSample(result: SampleResult): string {
  const lines = [
    result.unchanged
      ? `sample of run ${result.runId} unchanged (seed ${result.seed}, --n ${result.requestedN}): ${result.items.length} items`
      : `sampled ${result.items.length} of ${result.population} queries of run ${result.runId} (seed ${result.seed})`,
    `  ${'stratum (tier/band)'.padEnd(24)} ${'queries'.padStart(8)} ${'sampled'.padStart(8)}`,
    ...result.strata.map((row) => `  ${row.stratum.padEnd(24)} ${String(row.population).padStart(8)} ${String(row.drawn).padStart(8)}`),
    `rate them with: hybrid-eval spotcheck serve --run ${result.runId}`,
  ];
  return `${lines.join('\n')}\n`;
}
