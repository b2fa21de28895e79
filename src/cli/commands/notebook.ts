import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.ts';
import { notebooksIn, runNotebooks } from '../../notebook/run-notebooks.ts';
import { safeName } from '../../report/write.ts';
import { openStore } from '../../store/store.ts';
import { commandPaths } from '../config-paths.ts';
import { action } from '../run-action.ts';

export function registerNotebook(program: Command): void {
  program
    .command('notebooks')
    .description('execute the analyst notebooks (Jupyter, %%sql cells over the documented views) for a run: <name>.ipynb with outputs and <name>.html')
    .argument('[files...]', 'notebooks to run, .ipynb or Markdown with ```sql blocks (default: every notebooks/*.ipynb)')
    .requiredOption('--run <id>', 'run id ("latest" for the newest complete run)')
    .option('--db <path>', 'database file')
    .option('-c, --config <file>', 'config whose database and results_dir to use')
    .option('--out <dir>', "output folder (default: <the config's results_dir, else results>/<run>/notebooks)")
    .action(
      action(async (files: string[], flags: { run: string; db?: string; config?: string; out?: string }) => {
        const paths = commandPaths(flags);
        const store = await openStore(paths.database, { mustExist: true, readOnly: true });
        try {
          const runId = flags.run === 'latest' ? (await store.latestRun({ status: 'complete' }))?.run_id : flags.run;
          if (runId === undefined || (await store.getRun(runId)) === undefined) throw new UsageError(`run not found: ${flags.run}`);
          const results = await runNotebooks(
            files.length > 0 ? files : notebooksIn('notebooks'),
            store,
            runId,
            flags.out ?? join(paths.results.path, safeName(runId), 'notebooks'),
          );
          for (const result of results) {
            process.stdout.write(`${result.errors === 0 ? 'ok   ' : 'ERROR'} ${result.file} -> ${result.ipynb}, ${result.html}\n`);
            for (const cell of result.cells) {
              if (cell.kind === 'sql' && cell.error !== undefined) process.stdout.write(`      ${cell.where ?? `${result.file}:${cell.line}`}: ${cell.error}\n`);
            }
          }
          return results.some((result) => result.errors > 0) ? 1 : 0;
        } finally {
          await store.close();
        }
      }),
    );
}
