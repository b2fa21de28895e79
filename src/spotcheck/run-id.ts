import { UsageError } from '../core/errors.ts';
import type { Store } from '../store/types.ts';

/** A run id as given, or the newest run for 'latest'. */
export async function resolveRunId(store: Store, given: string): Promise<string> {
  if (given !== 'latest') return given;
  const run = await store.latestRun();
  if (run === undefined) throw new UsageError(`no runs in ${store.path}`);
  return run.run_id;
}
