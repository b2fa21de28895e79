import type { Command } from 'commander';
import { importPromptfooResults } from '../../promptfoo/import-results.ts';
import { action, runIdOption } from '../run-action.ts';

export function registerPromptfoo(program: Command): void {
  const promptfoo = program.command('promptfoo').description('use promptfoo suites with hybrid-eval (provider and judge assertion: see src/promptfoo/README.md)');
  promptfoo
    .command('import')
    .description('load `promptfoo eval -o results.json` output into the database as a run, for gates, reports and the analyst views')
    .argument('<file>', 'promptfoo JSON output (results version 3)')
    .option('--run-id <id>', "run id (default: pf- + promptfoo's eval id; an existing run is an error)", runIdOption('--run-id'))
    .option('--db <path>', "database file (default: the config's database)")
    .option('-c, --config <file>', 'hybrid-eval config for prices, volume and database (default: the one the provider used)')
    .option('--candidate <label>', 'provider (label or id) stored as the candidate (default: the hybrid-eval stack provider)')
    .option('--baseline <label>', "provider (label or id) stored as the baseline (default: the hybrid-eval provider of the config's baseline endpoint)")
    .option('--json', 'print the summary as JSON', false)
    .action(
      action(async (file: string, flags: { runId?: string; db?: string; config?: string; candidate?: string; baseline?: string; json: boolean }) => {
        const summary = await importPromptfooResults({ file, ...flags });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(summary)}\n`);
          return;
        }
        const { promptfoo: stats } = summary;
        process.stdout.write(
          `imported ${summary.queries} queries as run ${summary.runId} into ${summary.database}: candidate ${summary.candidate}, baseline ${summary.baseline ?? 'none'}; ` +
            `${summary.responses} responses, ${summary.judgments} judgments, ${summary.fallbacks} fallbacks, ${summary.failedCalls} failed calls ` +
            `(promptfoo: ${stats.successes} passed, ${stats.failures} failed, ${stats.errors ?? '?'} errors)\n`,
        );
        if (summary.skipped.length > 0) process.stdout.write(`not imported (neither candidate nor baseline): ${summary.skipped.join(', ')}\n`);
      }),
    );
}
