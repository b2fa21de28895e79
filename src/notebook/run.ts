import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.ts';
import { parseNotebook, type Cell } from './parse.ts';

export interface NotebookStore {
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export type CellResult =
  | { kind: 'markdown'; markdown: string }
  | { kind: 'sql'; sql: string; line: number; columns: string[]; rows: Record<string, unknown>[]; error: string | undefined };

export interface NotebookResult {
  file: string;
  runId: string;
  cells: CellResult[];
  errors: number;
}

/** Most rows a cell shows; the query still runs in full. */
export const MAX_ROWS = 200;

/**
 * Runs every SQL cell with the run id available as getvariable('run_id'), so notebooks use the
 * documented views filtered to one run and nothing else.
 */
export async function runNotebook(file: string, store: NotebookStore, runId: string): Promise<NotebookResult> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`notebook not found or unreadable: ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  await store.all(`SET VARIABLE run_id = '${runId.replace(/'/g, "''")}'`);
  const cells: CellResult[] = [];
  for (const cell of parseNotebook(text)) cells.push(await runCell(cell, store));
  return { file, runId, cells, errors: cells.filter((cell) => cell.kind === 'sql' && cell.error !== undefined).length };
}

async function runCell(cell: Cell, store: NotebookStore): Promise<CellResult> {
  if (cell.kind === 'markdown') return cell;
  try {
    const rows = await store.all(cell.sql);
    const columns = rows.length > 0 ? Object.keys(rows[0]!) : [];
    return { ...cell, columns, rows: rows.slice(0, MAX_ROWS), error: undefined };
  } catch (error) {
    return { ...cell, columns: [], rows: [], error: (error as Error).message.split('\n')[0] };
  }
}
