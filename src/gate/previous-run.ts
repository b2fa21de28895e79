import type { GateStore } from './metrics.ts';

/**
 * The run to compare a nightly run with: the newest complete run created before it whose config
 * is the same apart from the dataset (each night replays new logs through the same stack).
 */
export async function previousComparableRun(store: GateStore, runId: string): Promise<string | undefined> {
  const [run] = await store.all<{ created_at: string; config_json: string }>(`SELECT created_at, config_json FROM runs WHERE run_id = ?`, [runId]);
  if (run === undefined) return undefined;
  const fingerprint = configFingerprint(run.config_json);
  const earlier = await store.all<{ run_id: string; config_json: string }>(
    `SELECT run_id, config_json FROM runs WHERE status = 'complete' AND run_id <> ? AND created_at <= ? ORDER BY created_at DESC, run_id DESC`,
    [runId, run.created_at],
  );
  return earlier.find((row) => configFingerprint(row.config_json) === fingerprint)?.run_id;
}

function configFingerprint(configJson: string): string {
  const config = JSON.parse(configJson) as Record<string, unknown> | null;
  if (config === null || typeof config !== 'object') return 'null';
  const { dataset: _dataset, ...rest } = config;
  return canonical(rest);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
