import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { renderNotebookHtml } from './render-html.ts';
import { runNotebook, type NotebookResult, type NotebookStore } from './run.ts';
import { toIpynb } from './to-ipynb.ts';

/** Every notebook given, executed and written as `<name>.ipynb` (with outputs) and `<name>.html`. */
export async function runNotebooks(
  files: string[],
  store: NotebookStore & { path: string },
  runId: string,
  outDir: string,
): Promise<Array<NotebookResult & { html: string; ipynb: string }>> {
  mkdirSync(outDir, { recursive: true });
  const results: Array<NotebookResult & { html: string; ipynb: string }> = [];
  for (const file of files) {
    const result = await runNotebook(file, store, runId);
    const name = basename(file).replace(/\.(md|ipynb)$/, '');
    const html = join(outDir, `${name}.html`);
    const ipynb = join(outDir, `${name}.ipynb`);
    writeFileSync(html, renderNotebookHtml(result));
    writeFileSync(ipynb, `${JSON.stringify(toIpynb(result, { database: store.path }), null, 1)}\n`);
    results.push({ ...result, html, ipynb });
  }
  return results;
}

/** The notebooks of a folder: .ipynb files (executed copies elsewhere are not picked up twice). */
export function notebooksIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ipynb'))
    .sort()
    .map((name) => join(dir, name));
}
