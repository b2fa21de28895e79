import { createHash } from 'node:crypto';
import type { HumanRole } from '../store/spotcheck-tables.ts';

/**
 * Where the candidate's answer stands for a rater (1 = "Answer 1"), fixed per item: the page, a
 * reload and the CSV export show the same order, and the importer un-blinds a filled-in export
 * with it, so no key column travels in the file. Derived from the ids, not stored, so it cannot
 * drift between a sample and a later one. Changing this function would mis-read every export
 * already handed out: a test pins it.
 */
export function candidatePosition(runId: string, queryId: string): 1 | 2 {
  const digest = createHash('sha256').update(`${runId}\u0000${queryId}`).digest();
  return (digest[0]! & 1) === 0 ? 1 : 2;
}

/** The roles shown as Answer 1 and Answer 2. */
export function blindOrder(runId: string, queryId: string): [HumanRole, HumanRole] {
  return candidatePosition(runId, queryId) === 1 ? ['candidate', 'baseline'] : ['baseline', 'candidate'];
}
