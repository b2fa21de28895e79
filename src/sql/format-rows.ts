import { stringify } from 'csv-stringify/sync';

export const SQL_FORMATS = ['table', 'csv', 'json'] as const;
export type SqlFormat = (typeof SQL_FORMATS)[number];

/** Most rows the aligned table shows: it needs every row in memory to size its columns. */
export const TABLE_ROW_LIMIT = 1000;
/** Widest cell of the aligned table; csv and json carry values whole. */
const MAX_CELL = 60;

/** One value as text: NULL is empty, numbers lose trailing zeros, nested values are JSON. */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// Log text is hostile: an escape sequence in a query must not drive the analyst's terminal.
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\r?\n/g, '\\n').replace(/\t/g, '\\t').replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function clip(text: string): string {
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

/** An aligned text table with NULL shown as NULL (the notebooks' text/plain and `sql --format table`). */
export function textTable(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((row) => row.map((value) => (value === null || value === undefined ? 'NULL' : clip(printable(formatCell(value))))));
  const heads = columns.map((column) => clip(printable(column)));
  const widths = heads.map((head, index) => Math.max(head.length, ...cells.map((row) => row[index]!.length)));
  const numeric = columns.map((_, index) => rows.length > 0 && rows.every((row) => row[index] === null || typeof row[index] === 'number'));
  const line = (values: string[]) => values.map((value, index) => (numeric[index] ? value.padStart(widths[index]!) : value.padEnd(widths[index]!))).join(' | ').trimEnd();
  return [line(heads), widths.map((width) => '-'.repeat(width)).join('-+-'), ...cells.map(line)].join('\n');
}

/** Writes a streamed result in `format`; returns the number of rows. */
export async function writeRows(
  format: SqlFormat,
  columns: readonly string[],
  batches: AsyncIterable<unknown[][]>,
  write: (text: string) => void,
): Promise<number> {
  let count = 0;
  if (format === 'table') {
    const kept: unknown[][] = [];
    for await (const batch of batches) {
      for (const row of batch) if (kept.length < TABLE_ROW_LIMIT) kept.push(row);
      count += batch.length;
    }
    write(`${textTable(columns, kept)}\n`);
    write(count > kept.length ? `(${kept.length} of ${count} rows shown; --format csv or json prints them all)\n` : `(${count} row${count === 1 ? '' : 's'})\n`);
    return count;
  }
  if (format === 'csv') {
    write(stringify([columns as string[]]));
    for await (const batch of batches) {
      if (batch.length > 0) write(stringify(batch.map((row) => row.map((value) => (value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : value)))));
      count += batch.length;
    }
    return count;
  }
  write('[');
  for await (const batch of batches) {
    for (const row of batch) {
      write(`${count === 0 ? '\n' : ',\n'}${JSON.stringify(Object.fromEntries(columns.map((column, index) => [column, row[index] ?? null])))}`);
      count += 1;
    }
  }
  write(count === 0 ? ']\n' : '\n]\n');
  return count;
}
