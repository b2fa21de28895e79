import { UsageError } from '../core/errors.ts';
import { readRunFingerprint, recordForcedResume, saveRunFingerprint } from '../store/run-fingerprints.ts';
import type { Store } from '../store/types.ts';
import { fingerprintDifferences, type RunFingerprint } from './run-fingerprint.ts';

/**
 * Before a run is resumed: the config must define the same run as the one it was made with. A
 * difference is one line naming each part that differs (exit 2, nothing written); `force` goes on
 * with the new config and records the change on the run. A run with no stored fingerprint (made
 * before they were kept) takes the current one.
 */
export async function checkResumeFingerprint(store: Store, runId: string, current: RunFingerprint, force: boolean, now: Date): Promise<void> {
  const stored = await readRunFingerprint(store, runId);
  if (stored === undefined) {
    await saveRunFingerprint(store, runId, current, now);
    return;
  }
  const differences = fingerprintDifferences(stored, current);
  if (differences.length === 0) return;
  if (!force) {
    throw new UsageError(
      `run ${runId} was made with a different config: ${differences.join('; ')}. Resume with the config it was made with, or pass --force-resume to continue with this one (recorded on the run)`,
    );
  }
  await recordForcedResume(store, runId, { differences, before: stored, after: current, at: now });
}

/** A new run's fingerprint, stored right after the run is created. */
export async function saveNewRunFingerprint(store: Store, runId: string, fingerprint: RunFingerprint, now: Date): Promise<void> {
  await saveRunFingerprint(store, runId, fingerprint, now);
}
