import { CsvError, parse } from 'csv-parse/sync';
import { InputError } from '../core/errors.ts';
import { HUMAN_ROLES, PREFERENCES, type HumanRating, type HumanRole, type Preference } from '../store/spotcheck-tables.ts';

/**
 * Two layouts are read, told apart by the header:
 * - long (the documented format): one row per rater and answer, columns run_id, query_id, rater,
 *   role (candidate | baseline), score (1-5), and optional preference (candidate | baseline | tie)
 *   and rated_at (ISO 8601);
 * - blind (a filled-in `spotcheck export`): one row per item, columns run_id, query_id, rater,
 *   score_1, score_2, preference (1 | 2 | tie); Answer 1 / 2 are un-blinded with the item's fixed
 *   order. Rows with neither score nor preference filled in are skipped as not yet rated.
 * Other columns (query, answer_1, ...) are ignored. run_id and rater may be left out (or blank)
 * when the importer is given a run and a rater.
 */
export interface ParsedRatings {
  format: 'long' | 'blind';
  ratings: HumanRating[];
  /** The CSV line each rating came from, for errors found later (an unknown query id). */
  lines: number[];
  /** Blind rows left blank. */
  skipped: number;
}

export interface ParseOptions {
  runId?: string;
  rater?: string;
  now: Date;
  /** The roles shown as Answer 1 and Answer 2 of an item. */
  order: (runId: string, queryId: string) => [HumanRole, HumanRole];
}

const LINE_BREAK = /\r\n|\r|\n/g;
const LEADING_BREAKS = /^(?:\r\n|\r|\n)+/;
const MAX_RATER_LENGTH = 100;

export function parseRatingsCsv(file: string, text: string, options: ParseOptions): ParsedRatings {
  let records: { record: string[]; raw: string }[];
  try {
    records = parse(text, { bom: true, raw: true, skip_empty_lines: true }) as unknown as { record: string[]; raw: string }[];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new InputError(`not valid CSV: ${error.message}`, { file, ...(line === undefined ? {} : { line }) }, { cause: error });
    }
    throw error;
  }
  // Start lines from the raw text: a quoted field may span lines, and blank lines are skipped.
  let breaksBefore = 0;
  const placed = records.map(({ record, raw }) => {
    const leading = LEADING_BREAKS.exec(raw)?.[0] ?? '';
    const line = breaksBefore + (leading.match(LINE_BREAK)?.length ?? 0) + 1;
    breaksBefore += raw.match(LINE_BREAK)?.length ?? 0;
    return { fields: record, line };
  });
  const header = placed.shift();
  if (header === undefined) throw new InputError('empty file: expected a header row', { file });
  const columns = new Map<string, number>();
  header.fields.forEach((name, index) => {
    const key = name.trim().toLowerCase();
    if (columns.has(key)) throw new InputError(`column "${key}" appears twice in the header`, { file, line: header.line, field: key });
    columns.set(key, index);
  });
  const format = columns.has('role') ? 'long' : columns.has('score_1') || columns.has('score_2') ? 'blind' : undefined;
  if (format === undefined) {
    throw new InputError(
      'unknown layout: expected a role column (run_id, query_id, rater, role, score[, preference]) or score_1/score_2 columns (a filled-in spotcheck export)',
      { file, line: header.line },
    );
  }
  const required = ['query_id', ...(options.runId === undefined ? ['run_id'] : []), ...(options.rater === undefined ? ['rater'] : []), ...(format === 'long' ? ['role', 'score'] : ['score_1', 'score_2'])];
  for (const name of required) {
    if (!columns.has(name)) throw new InputError(`missing column "${name}"`, { file, line: header.line, field: name });
  }

  const ratings: HumanRating[] = [];
  const lines: number[] = [];
  const seen = new Map<string, number>();
  const preferences = new Map<string, { preference: Preference; line: number }>();
  let skipped = 0;

  for (const { fields, line } of placed) {
    const cell = (name: string): string => {
      const index = columns.get(name);
      return index === undefined ? '' : (fields[index] ?? '').trim();
    };
    const fail = (field: string, message: string): never => {
      throw new InputError(message, { file, line, field });
    };
    const runId = cell('run_id') || options.runId || fail('run_id', 'run_id is empty');
    if (options.runId !== undefined && runId !== options.runId) fail('run_id', `run_id "${runId}" is not the run being imported (${options.runId})`);
    const queryId = cell('query_id') || fail('query_id', 'query_id is empty');

    let rows: { role: HumanRole; score: string; field: string }[];
    let preference: Preference | undefined;
    let ratedAt = options.now;
    if (format === 'long') {
      const role = cell('role').toLowerCase();
      if (!(HUMAN_ROLES as readonly string[]).includes(role)) fail('role', `role "${cell('role')}" is not one of ${HUMAN_ROLES.join(', ')}`);
      rows = [{ role: role as HumanRole, score: cell('score'), field: 'score' }];
      const given = cell('preference').toLowerCase();
      if (given !== '') {
        if (!(PREFERENCES as readonly string[]).includes(given)) fail('preference', `preference "${cell('preference')}" is not one of ${PREFERENCES.join(', ')} (or empty)`);
        preference = given as Preference;
      }
      const when = cell('rated_at');
      if (when !== '') {
        ratedAt = new Date(when);
        if (!/^\d{4}-\d{2}-\d{2}/.test(when) || Number.isNaN(ratedAt.getTime())) fail('rated_at', `rated_at "${when}" is not an ISO 8601 date-time`);
      }
    } else {
      const [first, second] = options.order(runId, queryId);
      const given = cell('preference').toLowerCase();
      if (cell('score_1') === '' && cell('score_2') === '' && given === '') {
        skipped += 1;
        continue;
      }
      rows = [
        { role: first, score: cell('score_1'), field: 'score_1' },
        { role: second, score: cell('score_2'), field: 'score_2' },
      ].filter((row) => row.score !== '');
      if (rows.length === 0) fail('score_1', 'a preference without scores: fill in score_1 and score_2');
      if (given !== '') {
        const choice = ({ '1': '1', a: '1', '2': '2', b: '2', tie: 'tie', t: 'tie' } as Record<string, '1' | '2' | 'tie'>)[given];
        if (choice === undefined) fail('preference', `preference "${cell('preference')}" is not one of 1, 2, tie (or empty)`);
        preference = choice === 'tie' ? 'tie' : choice === '1' ? first : second;
      }
    }

    const rater = cell('rater') || options.rater || fail('rater', 'rater is empty');
    if (rater.length > MAX_RATER_LENGTH) fail('rater', `rater is longer than ${MAX_RATER_LENGTH} characters`);
    const pairKey = `${runId}\u0000${queryId}\u0000${rater}`;
    if (preference !== undefined) {
      const earlier = preferences.get(pairKey);
      if (earlier !== undefined && earlier.preference !== preference) {
        fail('preference', `preference "${preference}" contradicts "${earlier.preference}" given by the same rater for this query on line ${earlier.line}`);
      }
      preferences.set(pairKey, { preference, line });
    }
    for (const row of rows) {
      if (!/^[1-5]$/.test(row.score)) fail(row.field, `score "${row.score}" is not a whole number from 1 to 5`);
      const key = `${pairKey}\u0000${row.role}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) fail(row.field, `${rater}'s ${row.role} rating of ${queryId} in run ${runId} is already on line ${earlier}`);
      seen.set(key, line);
      ratings.push({ runId, queryId, rater, role: row.role, score: Number(row.score), preference, ratedAt, source: 'import' });
      lines.push(line);
    }
  }
  // A preference belongs to the pair: give it to the rater's other row of the query too.
  for (const rating of ratings) {
    rating.preference ??= preferences.get(`${rating.runId}\u0000${rating.queryId}\u0000${rating.rater}`)?.preference;
  }
  return { format, ratings, lines, skipped };
}
