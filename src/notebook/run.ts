import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.ts';
import { renderChart, type RenderedChart } from '../report/svg-chart.ts';
import { svgToPng, type ChartPng } from './chart-png.ts';
import { parseIpynb } from './ipynb-source.ts';
import { KERNEL_SETUP, runParameterSql } from './kernel-setup.ts';
import { parseNotebook, type Cell } from './parse.ts';

export interface NotebookStore {
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  columns<T extends Record<string, unknown[]>>(sql: string, params?: readonly unknown[]): Promise<T>;
}

export type SqlCellResult = Extract<Cell, { kind: 'sql' }> & {
  /** The run cell hybrid-eval added after the `parameters` cell. */
  injected: boolean;
  columns: string[];
  /** At most MAX_ROWS of them; `rowCount` is the whole result. */
  rows: unknown[][];
  rowCount: number;
  error: string | undefined;
  /** The chart as Vega-Lite, SVG and PNG (the fallback every notebook renderer shows). */
  chart: (RenderedChart & { png: ChartPng }) | undefined;
};

export type CellResult = Exclude<Cell, { kind: 'sql' }> | SqlCellResult;

export interface NotebookResult {
  file: string;
  runId: string;
  cells: CellResult[];
  errors: number;
}

/** Most rows a table shows; the query still runs in full and the table says how many there were. */
export const MAX_ROWS = 200;
/** Most rows a chart draws (a chart of more points is a query to aggregate first). */
const MAX_CHART_ROWS = 5000;

/**
 * Runs every SQL cell in order on one connection, with the run selected for selected_run() (and
 * getvariable('run_id')) by a cell placed after the notebook's `parameters` cell, as papermill
 * does: the executed notebook shows which run it is about, and re-running it in a kernel selects
 * the same run.
 */
export async function runNotebook(file: string, store: NotebookStore, runId: string): Promise<NotebookResult> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`notebook not found or unreadable: ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const cells = withRunCell(file.endsWith('.ipynb') ? parseIpynb(text, file) : withSetup(parseNotebook(text)), runId);
  const results: CellResult[] = [];
  for (const cell of cells) results.push(cell.kind === 'sql' ? await runCell(cell, store) : cell);
  return { file, runId, cells: results, errors: results.filter((cell) => cell.kind === 'sql' && cell.error !== undefined).length };
}

type RunnableCell = Extract<Cell, { kind: 'sql' }> & { injected: boolean };

/** Markdown notebooks get the kernel's setup cell, so their .ipynb runs in Jupyter too. */
function withSetup(cells: Cell[]): Cell[] {
  const title = cells[0]?.kind === 'markdown' ? [cells[0]] : [];
  return [...title, { kind: 'setup', code: KERNEL_SETUP, tags: ['setup'] }, ...cells.slice(title.length)];
}

function withRunCell(cells: Cell[], runId: string): Array<Exclude<Cell, { kind: 'sql' }> | RunnableCell> {
  const runCell: RunnableCell = { kind: 'sql', sql: runParameterSql(runId), line: 0, tags: ['injected-parameters'], injected: true, where: 'the run cell' };
  const marked = cells.findIndex((cell) => cell.kind === 'sql' && cell.tags.includes('parameters'));
  const at = marked >= 0 ? marked + 1 : Math.max(0, cells.findIndex((cell) => cell.kind === 'setup') + 1);
  const out = cells.map((cell) => (cell.kind === 'sql' ? { ...cell, injected: false } : cell));
  out.splice(at, 0, runCell);
  return out;
}

async function runCell(cell: RunnableCell, store: NotebookStore): Promise<SqlCellResult> {
  const empty = { columns: [], rows: [], rowCount: 0, chart: undefined };
  try {
    const columns = await store.columns<Record<string, unknown[]>>(cell.sql);
    // SET and other statements without a result answer DuckDB's "Success" column: nothing to show.
    if (/^\s*SET\s/i.test(cell.sql)) return { ...cell, ...empty, error: undefined };
    const names = Object.keys(columns);
    const rowCount = names.length === 0 ? 0 : columns[names[0]!]!.length;
    const rowAt = (index: number) => names.map((name) => columns[name]![index]);
    const rows = Array.from({ length: Math.min(rowCount, MAX_ROWS) }, (_, index) => rowAt(index));
    const rendered = cell.chartSpec === undefined ? undefined : await renderChart(cell.chartSpec, names, Array.from({ length: Math.min(rowCount, MAX_CHART_ROWS) }, (_, index) => rowAt(index)));
    const chart = rendered === undefined ? undefined : { ...rendered, png: await svgToPng(rendered.svg) };
    return { ...cell, columns: names, rows, rowCount, error: undefined, chart };
  } catch (error) {
    return { ...cell, ...empty, error: (error as Error).message.split('\n')[0] };
  }
}
