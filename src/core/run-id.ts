import { UsageError } from './errors.ts';

/**
 * A run id names a report folder (results/<run id>/), a line of the `runs` listing and a key in every
 * table, so it is kept to one safe alphabet: 1 to 64 of A-Z a-z 0-9 . _ -, not starting with '.' or '-'
 * (no hidden folder, nothing a shell or a CLI reads as a flag). The generated ids
 * (run-YYYYMMDD-HHMMSS-xxxx) and promptfoo imports (pf-...) are in it.
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;

export const RUN_ID_RULE = "1-64 characters from A-Z a-z 0-9 . _ -, not starting with '.' or '-'";

/** A new run's id, or a UsageError in one line (the id shown as JSON, so a newline in it stays visible). */
export function checkRunId(id: string, what = 'run id'): string {
  if (!RUN_ID_PATTERN.test(id)) throw new UsageError(`${what} ${JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id)} is not a valid run id: ${RUN_ID_RULE}`);
  return id;
}
