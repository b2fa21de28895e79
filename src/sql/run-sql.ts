import { UsageError } from '../core/errors.ts';
import { openReadOnlySql } from '../store/read-only-sql.ts';
import { SQL_FORMATS, writeRows, type SqlFormat } from './format-rows.ts';

export interface SqlCommandOptions {
  databasePath: string;
  sql: string;
  /** Sets selected_run() (and getvariable('run_id')); 'latest' is the newest complete run. */
  run?: string;
  format: string;
  write: (text: string) => void;
  /** Where the selected run is stated (stderr, so csv and json output stay clean). */
  note: (text: string) => void;
}

/** `hybrid-eval sql`: one read-only statement over the results database and its views. */
export async function runSqlCommand(options: SqlCommandOptions): Promise<number> {
  if (!(SQL_FORMATS as readonly string[]).includes(options.format)) {
    throw new UsageError(`--format must be one of ${SQL_FORMATS.join(', ')}, got "${options.format}"`);
  }
  const session = await openReadOnlySql(options.databasePath);
  try {
    if (options.run !== undefined) {
      const runId = await session.selectRun(options.run);
      options.note(`run ${runId}${options.run === 'latest' ? ' (the latest complete run)' : ''}\n`);
    }
    const result = await session.query(options.sql);
    await writeRows(options.format as SqlFormat, result.columns, result.batches, options.write);
    return 0;
  } finally {
    await session.close();
  }
}
