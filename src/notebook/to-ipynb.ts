import { textTable } from '../sql/format-rows.ts';
import { SQL_MAGIC } from './ipynb-source.ts';
import { htmlTable } from './render-html.ts';
import type { CellResult, NotebookResult, SqlCellResult } from './run.ts';

/** nbformat 4.5: cells carry ids. */
const NBFORMAT_MINOR = 5;

/** nbformat stores multi-line text as a list of lines, each but the last ending in "\n". */
function lines(text: string): string[] {
  const parts = text.split('\n');
  return parts.map((part, index) => (index < parts.length - 1 ? `${part}\n` : part)).filter((part) => part !== '');
}

/**
 * The executed notebook: outputs as a kernel would have left them, so JupyterLab, VS Code and
 * GitHub show results without running anything. Tables are text/html (escaped) plus text/plain;
 * charts are Vega-Lite v5 with a PNG fallback; a failing cell has an `error` output.
 *
 * The fallback is PNG, not SVG: nbconvert 6.5 (Debian 12) prefers image/svg+xml to image/png and
 * sanitises inline SVG down to its text labels, so a chart with both would convert to a box of
 * labels. Renderers with Vega (JupyterLab, VS Code) draw the Vega-Lite spec and ignore the PNG.
 */
export function toIpynb(result: NotebookResult, meta: { database: string }): Record<string, unknown> {
  let executionCount = 0;
  const cells = result.cells.map((cell, index) => {
    const id = cellId(cell, index);
    if (cell.kind === 'markdown') return { cell_type: 'markdown', id, metadata: {}, source: lines(cell.markdown) };
    if (cell.kind === 'setup') return { cell_type: 'code', id, metadata: { tags: cell.tags }, execution_count: null, outputs: [], source: lines(cell.code) };
    executionCount += 1;
    return {
      cell_type: 'code',
      id,
      metadata: { tags: cell.tags, ...(cell.chart === undefined ? {} : { hybrid_eval: { chart: chartSource(cell) } }) },
      execution_count: executionCount,
      outputs: outputs(cell, executionCount),
      source: lines(`${SQL_MAGIC}\n${cell.sql.replace(/\n+$/, '')}`),
    };
  });
  return {
    cells,
    metadata: {
      kernelspec: { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' },
      language_info: { name: 'python' },
      hybrid_eval: { run_id: result.runId, database: meta.database, source: result.file },
    },
    nbformat: 4,
    nbformat_minor: NBFORMAT_MINOR,
  };
}

function cellId(cell: CellResult, index: number): string {
  if ('id' in cell && cell.id !== undefined && /^[a-zA-Z0-9-_]{1,64}$/.test(cell.id)) return cell.id;
  return cell.kind === 'sql' && cell.injected ? 'injected-parameters' : `cell-${index + 1}`;
}

// The chart's source spec, without the data the runner inlined.
function chartSource(cell: SqlCellResult): Record<string, unknown> | undefined {
  return cell.chart === undefined ? undefined : Object.fromEntries(Object.entries(cell.chart.vegaLite).filter(([key]) => key !== 'data' && key !== '$schema'));
}

function outputs(cell: SqlCellResult, executionCount: number): unknown[] {
  if (cell.error !== undefined) {
    const name = /^([A-Z][A-Za-z ]*Error):/.exec(cell.error)?.[1] ?? 'Error';
    return [{ output_type: 'error', ename: name, evalue: cell.error, traceback: [cell.error] }];
  }
  if (cell.columns.length === 0) return [];
  const shown = cell.rowCount > cell.rows.length ? `\n(${cell.rows.length} of ${cell.rowCount} rows shown)` : '';
  const table = {
    output_type: 'execute_result',
    execution_count: executionCount,
    metadata: {},
    data: { 'text/html': htmlTable(cell.columns, cell.rows, cell.rowCount), 'text/plain': lines(`${textTable(cell.columns, cell.rows)}${shown}`) },
  };
  if (cell.chart === undefined) return [table];
  return [
    {
      output_type: 'display_data',
      // Display size in CSS pixels; the PNG is drawn at twice that for high-density screens.
      metadata: { 'image/png': { width: cell.chart.png.width, height: cell.chart.png.height } },
      data: { 'application/vnd.vegalite.v5+json': cell.chart.vegaLite, 'image/png': cell.chart.png.base64, 'text/plain': [`<chart: ${cell.chart.title}>`] },
    },
    table,
  ];
}
