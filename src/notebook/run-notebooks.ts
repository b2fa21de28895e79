import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { renderNotebookHtml } from './render-html.ts';
import { runNotebook, type NotebookResult, type NotebookStore } from './run.ts';

/** Every notebook under `dir` (or the given files), executed and written as HTML next to each other. */
export async function runNotebooks(
  files: string[],
  store: NotebookStore,
  runId: string,
  outDir: string,
): Promise<Array<NotebookResult & { html: string }>> {
  mkdirSync(outDir, { recursive: true });
  const results: Array<NotebookResult & { html: string }> = [];
  for (const file of files) {
    const result = await runNotebook(file, store, runId);
    const html = join(outDir, `${basename(file).replace(/\.md$/, '')}.html`);
    writeFileSync(html, renderNotebookHtml(result));
    results.push({ ...result, html });
  }
  return results;
}

export function notebooksIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.md') && name !== 'README.md')
    .sort()
    .map((name) => join(dir, name));
}
