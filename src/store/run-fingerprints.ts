import type { Store } from './types.ts';

/**
 * The run_fingerprints and run_forced_resumes tables (migration 012). Single statements through the
 * store's SQL, as merge.ts does: each is atomic, and a run without a fingerprint (made before 012, or
 * killed between creating the run and this write) simply has none to compare.
 */
export async function readRunFingerprint(store: Store, runId: string): Promise<Record<string, string> | undefined> {
  const [row] = await store.all<{ fingerprint: string }>('SELECT CAST(fingerprint AS VARCHAR) AS fingerprint FROM run_fingerprints WHERE run_id = ?', [runId]);
  return row === undefined ? undefined : (JSON.parse(row.fingerprint) as Record<string, string>);
}

export async function saveRunFingerprint(store: Store, runId: string, fingerprint: Record<string, string>, at: Date): Promise<void> {
  await store.all('INSERT OR REPLACE INTO run_fingerprints (run_id, fingerprint, updated_at) VALUES (?, ?, ?)', [runId, JSON.stringify(fingerprint), at.toISOString()]);
}

/** A resume that went ahead with a different config (--force-resume): what differed, before and after; noted on the run too. */
export async function recordForcedResume(
  store: Store,
  runId: string,
  change: { differences: string[]; before: Record<string, string>; after: Record<string, string>; at: Date },
): Promise<void> {
  await store.all('INSERT INTO run_forced_resumes (run_id, resumed_at, differences, old_fingerprint, new_fingerprint) VALUES (?, ?, ?, ?, ?)', [
    runId,
    change.at.toISOString(),
    JSON.stringify(change.differences),
    JSON.stringify(change.before),
    JSON.stringify(change.after),
  ]);
  const note = `force-resumed ${change.at.toISOString()} with a different ${change.differences.map((difference) => difference.replace(/ \((was .*|changed)\)$/, '')).join(', ')}`;
  await store.all(`UPDATE runs SET notes = CASE WHEN notes IS NULL OR notes = '' THEN ? ELSE notes || '; ' || ? END WHERE run_id = ?`, [note, note, runId]);
  await saveRunFingerprint(store, runId, change.after, change.at);
}
