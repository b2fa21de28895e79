import { Lexer } from 'marked';
import type { ChartSpec } from '../report/svg-chart.ts';

/**
 * A notebook's cells as hybrid-eval runs them. `sql` cells run against the results database;
 * `setup` is the kernel's own cell (Python: connect jupysql to DuckDB), shown but never run here.
 * `line` locates a cell for error messages: the Markdown line of a ```sql fence, or the cell's
 * number in an .ipynb.
 */
export type Cell =
  | { kind: 'markdown'; markdown: string; id?: string }
  | { kind: 'setup'; code: string; id?: string; tags: string[] }
  | { kind: 'sql'; sql: string; line: number; id?: string; tags: string[]; chartSpec?: ChartSpec; where?: string };



/** Markdown notebooks (the format before .ipynb): ```sql blocks are cells. */
export function parseNotebook(text: string): Cell[] {
  const cells: Cell[] = [];
  let markdown = '';
  let offset = 0;
  for (const token of Lexer.lex(text)) {
    const line = text.slice(0, offset).split('\n').length;
    offset += token.raw.length;
    if (token.type === 'code' && (token as { lang?: string }).lang === 'sql') {
      if (markdown.trim() !== '') cells.push({ kind: 'markdown', markdown });
      markdown = '';
      // The fence itself is on `line`; the SQL starts on the next one.
      cells.push({ kind: 'sql', sql: (token as { text: string }).text, line: line + 1, tags: [] });
    } else {
      markdown += token.raw;
    }
  }
  if (markdown.trim() !== '') cells.push({ kind: 'markdown', markdown });
  return cells;
}
