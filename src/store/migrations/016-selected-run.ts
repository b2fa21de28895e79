import type { Migration } from './migration.ts';

// The run a notebook cell or an analyst's query is about. Cells used to filter on
// getvariable('run_id'), which is NULL in a fresh DuckDB session: a cell pasted into a client
// returned 0 rows, silently. selected_run() is an error that says how to set the run instead, and
// 'latest' names the newest complete run (the cell that shows the run says which one it was).
export const selectedRun: Migration = {
  version: 16,
  name: 'selected-run',
  sql: `
CREATE MACRO selected_run() AS (
  CASE
    WHEN getvariable('run_id') IS NULL THEN error(
      'no run selected: run SET VARIABLE run_id = ''<run id>''; first (or = ''latest'' for the newest complete run; '
      || 'the runs: SELECT run_id, created_at, status FROM runs ORDER BY created_at). With hybrid-eval: sql --run ID, notebooks --run ID')
    WHEN getvariable('run_id') = 'latest' THEN coalesce(
      (SELECT run_id FROM runs WHERE status = 'complete' ORDER BY created_at DESC, rowid DESC LIMIT 1),
      error('run_id = ''latest'': this database has no complete run'))
    WHEN NOT EXISTS (SELECT 1 FROM runs WHERE run_id = getvariable('run_id')) THEN error(
      'run_id = ''' || getvariable('run_id') || ''' is not a run in this database (SELECT run_id FROM runs lists them)')
    ELSE CAST(getvariable('run_id') AS VARCHAR)
  END
);
`,
};
