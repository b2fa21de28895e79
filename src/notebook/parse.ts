import { Lexer } from 'marked';

/** A notebook is Markdown; its ```sql blocks are cells that run against the results database. */
export type Cell = { kind: 'markdown'; markdown: string } | { kind: 'sql'; sql: string; line: number };

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
      cells.push({ kind: 'sql', sql: (token as { text: string }).text, line: line + 1 });
    } else {
      markdown += token.raw;
    }
  }
  if (markdown.trim() !== '') cells.push({ kind: 'markdown', markdown });
  return cells;
}
