import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { InputError, UsageError } from '../core/errors.ts';
import { isTier, type Tier } from '../core/tier.ts';
import { spreadsheetSafe } from '../core/csv-cell.ts';
import type { Adjudication, LabelRating, LabelTables, RatingLabel } from '../store/label-tables.ts';
import type { Store } from '../store/types.ts';

export const SHEET_COLUMNS = ['item_id', 'split', 'round', 'query', 'rater', 'label'] as const;
export const LABELLED_COLUMNS = ['query_id', 'query', 'tier', 'split', 'status'] as const;

export interface ExportOptions {
  out: string;
  round?: number;
  split?: 'test' | 'train';
  /** Final labels (adjudicated, else unanimous) instead of a blank rater sheet. */
  labelled: boolean;
}

/**
 * Two exports, both with the redacted text only (the original never leaves the database):
 * - a rater sheet: item_id, split, round, query, and blank rater and label columns to fill in
 *   (then `label import`);
 * - `--labelled`: the final labels, in the columns `router train` and `router eval` read by default
 *   (query_id, query, tier), plus split and how the label was reached.
 * Free text that a spreadsheet would run as a formula gets a leading apostrophe.
 */
export async function exportLabels(store: Store, options: ExportOptions): Promise<{ file: string; rows: number }> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (options.round !== undefined) {
    params.push(options.round);
    conditions.push(`round = $${params.length}`);
  }
  if (options.split !== undefined) {
    params.push(options.split);
    conditions.push(`split = $${params.length}`);
  }
  let records: unknown[][];
  let columns: readonly string[];
  if (options.labelled) {
    conditions.push('label IS NOT NULL');
    const rows = await store.all<{ item_id: string; display_text: string; label: string; split: string; status: string }>(
      `SELECT item_id, display_text, label, split, status FROM label_final WHERE ${conditions.join(' AND ')} ORDER BY split, round, item_id`,
      params,
    );
    records = rows.map((row) => [row.item_id, spreadsheetSafe(row.display_text), row.label, row.split, row.status]);
    columns = LABELLED_COLUMNS;
  } else {
    const rows = await store.all<{ item_id: string; split: string; round: number; display_text: string }>(
      `SELECT item_id, split, round, display_text FROM label_items ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''} ORDER BY split, round, item_id`,
      params,
    );
    records = rows.map((row) => [row.item_id, row.split, row.round, spreadsheetSafe(row.display_text), '', '']);
    columns = SHEET_COLUMNS;
  }
  try {
    mkdirSync(dirname(options.out), { recursive: true });
    writeFileSync(options.out, stringify(records, { header: true, columns: [...columns], record_delimiter: 'unix' }));
  } catch (error) {
    throw new UsageError(`${options.out}: cannot write the export: ${(error as Error).message}`, { cause: error });
  }
  return { file: options.out, rows: records.length };
}

const KEYS: Record<string, RatingLabel> = { '1': 'simple', '2': 'medium', '3': 'complex', s: 'skip' };

function readCsv(file: string): { header: Map<string, number>; rows: { cells: string[]; line: number }[] } {
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(readFileSync(file), { bom: true, info: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof records;
  } catch (error) {
    if (error instanceof CsvError) throw new InputError(`not valid CSV: ${error.message}`, { file }, { cause: error });
    throw error;
  }
  const first = records.shift();
  if (first === undefined) throw new InputError('empty file: expected a header row', { file, line: 1 });
  const header = new Map(first.record.map((name, index) => [name.trim().toLowerCase(), index]));
  // info.lines: the line a record ends on (the same as where it starts unless a quoted cell spans lines).
  return { header, rows: records.map(({ record, info }) => ({ cells: record, line: info.lines })) };
}

export interface ImportResult {
  file: string;
  kind: 'ratings' | 'adjudications';
  imported: number;
  blank: number;
}

/**
 * `label import FILE`: a filled-in rater sheet (or any CSV with item_id, rater, label), every row
 * checked before anything is written (the first bad one names FILE:LINE and the column), then all
 * rows in one transaction; importing the same file again replaces, never duplicates. Labels:
 * simple/medium/complex/skip or the page's keys 1/2/3/s; a blank label is a row not yet labelled.
 * With `adjudication`, rows are adjudicated labels (item_id, label, adjudicator, reason), which win
 * over the raters'.
 */
export async function importLabels(
  tables: LabelTables,
  file: string,
  options: { rater?: string; adjudication: boolean; now?: () => Date },
): Promise<ImportResult> {
  const now = (options.now ?? (() => new Date()))();
  const { header, rows } = readCsv(file);
  const personColumn = options.adjudication ? 'adjudicator' : 'rater';
  for (const column of ['item_id', 'label', ...(options.rater === undefined ? [personColumn] : [])]) {
    if (!header.has(column)) throw new InputError(`missing column "${column}"`, { file, line: 1, field: column });
  }
  const known = new Set((await tables.store.all<{ item_id: string }>('SELECT item_id FROM label_items')).map((row) => row.item_id));
  const ratings: LabelRating[] = [];
  const adjudications: Adjudication[] = [];
  const seen = new Map<string, number>();
  let blank = 0;
  for (const { cells, line } of rows) {
    const cell = (name: string) => {
      const index = header.get(name);
      return index === undefined ? '' : (cells[index] ?? '').trim();
    };
    const fail = (field: string, message: string): never => {
      throw new InputError(message, { file, line, field });
    };
    const itemId = cell('item_id') || fail('item_id', 'item_id is empty');
    if (!known.has(itemId)) fail('item_id', `no item "${itemId}" in ${tables.store.path} (sample with label sample first)`);
    const given = cell('label').toLowerCase();
    if (given === '') {
      blank++;
      continue;
    }
    const person = cell(personColumn) || options.rater || fail(personColumn, `${personColumn} is empty`);
    if (person.length > 100) fail(personColumn, `${personColumn} is longer than 100 characters`);
    const key = options.adjudication ? itemId : `${itemId}\u0000${person}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) fail('label', `${options.adjudication ? 'item' : `${person}'s label of`} ${itemId} is already on line ${earlier}`);
    seen.set(key, line);
    if (options.adjudication) {
      if (!isTier(given)) fail('label', `label "${cell('label')}" is not one of simple, medium, complex`);
      adjudications.push({ itemId, label: given as Tier, adjudicator: person, reason: cell('reason') || undefined, decidedAt: now });
    } else {
      const label = KEYS[given] ?? (isTier(given) || given === 'skip' ? (given as RatingLabel) : undefined);
      if (label === undefined) fail('label', `label "${cell('label')}" is not one of simple, medium, complex, skip (or 1, 2, 3, s)`);
      ratings.push({ itemId, rater: person, label: label!, ratedAt: now, source: 'import' });
    }
  }
  if (options.adjudication) await tables.upsertAdjudications(adjudications);
  else if (ratings.length > 0) await tables.upsertRatings(ratings);
  return { file, kind: options.adjudication ? 'adjudications' : 'ratings', imported: options.adjudication ? adjudications.length : ratings.length, blank };
}

/** The agreement report's disagreements as an adjudication sheet: fill in label (and reason), then `label import --adjudication`. */
export function writeDisagreements(file: string, disagreements: readonly { item_id: string; text: string; ratings: Record<string, string> }[]): void {
  const rows = disagreements.map((item) => [
    item.item_id,
    spreadsheetSafe(item.text),
    Object.entries(item.ratings).map(([rater, label]) => `${rater}=${label}`).join('; '),
    '',
    '',
    '',
  ]);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, stringify(rows, { header: true, columns: ['item_id', 'query', 'ratings', 'label', 'adjudicator', 'reason'], record_delimiter: 'unix' }));
  } catch (error) {
    throw new UsageError(`${file}: cannot write: ${(error as Error).message}`, { cause: error });
  }
}
