import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { spreadsheetSafe } from '../core/csv-cell.ts';
import { InputError, UsageError } from '../core/errors.ts';
import type { SpotcheckTables } from '../store/spotcheck-tables.ts';
import type { Store } from '../store/types.ts';
import { blindOrder } from './blind-order.ts';
import { parseRatingsCsv } from './import-csv.ts';
import { loadItems } from './items.ts';

/** The blind export's columns; a rater fills in the last four. */
export const EXPORT_COLUMNS = ['run_id', 'query_id', 'position', 'query', 'answer_1', 'answer_2', 'rater', 'score_1', 'score_2', 'preference'] as const;

/**
 * Writes the run's sample as a blind CSV for raters who work in a spreadsheet: the redacted query
 * and the two answers as answer_1 / answer_2, in the same fixed order as the rating page, and no
 * role or key column (the importer un-blinds from the ids).
 */
export async function exportSample(store: Store, runId: string, file: string): Promise<{ file: string; items: number }> {
  const items = await loadItems(store, runId);
  const rows = items.map((item) => [
    runId,
    item.queryId,
    item.position,
    // The project's one CSV rule (core/csv-cell.ts), on the free-text columns, which the importer never reads back.
    spreadsheetSafe(item.query),
    spreadsheetSafe(item.answers[0]),
    spreadsheetSafe(item.answers[1]),
    '',
    '',
    '',
    '',
  ]);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, stringify(rows, { header: true, columns: [...EXPORT_COLUMNS], record_delimiter: 'unix' }));
  } catch (error) {
    throw new UsageError(`${file}: cannot write the export: ${(error as Error).message}`, { cause: error });
  }
  return { file, items: items.length };
}


export interface ImportResult {
  file: string;
  format: 'long' | 'blind';
  imported: number;
  inserted: number;
  updated: number;
  skipped: number;
  runs: string[];
}

/**
 * Reads a ratings CSV and upserts it into human_ratings. Every row is checked first (layout,
 * values, runs and query ids in the database, duplicates, contradicting preferences), and the
 * first bad one is an InputError naming the file, line and field, before anything is written;
 * then all rows go in one transaction. Re-importing a file replaces its rows, never duplicates.
 */
export async function importRatings(
  tables: SpotcheckTables,
  file: string,
  options: { runId?: string; rater?: string; now?: () => Date } = {},
): Promise<ImportResult> {
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read: ${(error as Error).message}`, { cause: error });
  }
  const parsed = parseRatingsCsv(file, text, {
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    ...(options.rater === undefined ? {} : { rater: options.rater }),
    now: (options.now ?? (() => new Date()))(),
    order: blindOrder,
  });
  const store = tables.store;
  const runs = [...new Set(parsed.ratings.map((rating) => rating.runId))];
  if (options.runId !== undefined && (await store.getRun(options.runId)) === undefined) throw new UsageError(`run not found: ${options.runId}`);
  for (const runId of runs) {
    const firstLine = parsed.lines[parsed.ratings.findIndex((rating) => rating.runId === runId)]!;
    if ((await store.getRun(runId)) === undefined) throw new InputError(`no run "${runId}" in ${store.path}`, { file, line: firstLine, field: 'run_id' });
    const known = new Set(
      (await store.all<{ query_id: string }>('SELECT query_id FROM queries WHERE run_id = $1', [runId])).map((row) => row.query_id),
    );
    parsed.ratings.forEach((rating, index) => {
      if (rating.runId === runId && !known.has(rating.queryId)) {
        throw new InputError(`no query "${rating.queryId}" in run ${runId}`, { file, line: parsed.lines[index]!, field: 'query_id' });
      }
    });
  }
  const { inserted, updated } = parsed.ratings.length === 0 ? { inserted: 0, updated: 0 } : await tables.upsertRatings(parsed.ratings);
  return { file, format: parsed.format, imported: parsed.ratings.length, inserted, updated, skipped: parsed.skipped, runs };
}
