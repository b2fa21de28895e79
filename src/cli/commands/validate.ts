import type { Command } from 'commander';
import { validateStoredRun, type ValidateRunSummary } from '../../cascade/validate-run.ts';
import { databasePath } from '../database-path.ts';
import { action, nonNegativeNumber, positiveInt } from '../run-action.ts';
import { shutdownSignal } from '../signals.ts';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description("run the cascade's validator (config cascade) over a stored run's candidate answers, without replaying traffic; reference-free, through the judge cache; live or --batch (OpenAI Batch API)")
    .requiredOption('--run <id>', 'run id ("latest" for the newest run)')
    .option('--db <path>', 'database file')
    .option('-c, --config <file>', "config whose cascade and endpoints to use (default: the run's stored config)")
    .option('--name <name>', 'store the verdicts under this validator name (default: rubric@endpoint)')
    .option('--sim', 'start the simulator in-process and validate with it', false)
    .option('--sim-time-scale <x>', 'simulated latency multiplier (default 0)', nonNegativeNumber('--sim-time-scale'))
    .option('--sim-skill <x>', "under --sim: the simulated validator's skill, 0-1 (default: the config's sim_skill)", nonNegativeNumber('--sim-skill'))
    .option('--no-cache', 'ask the validator again even where the cache has the verdict')
    .option('--batch', "send the requests through the OpenAI Batch API (one job per validator); rerun the same command to resume an interrupted batch. Batch verdicts carry no latency", false)
    .option('--poll-interval <ms>', 'first wait between batch polls (grows 1.5x, at most 60 s)', positiveInt('--poll-interval'), 5000)
    .option('--json', 'print the summary as JSON', false)
    .action(
      action(async (flags: { run: string; db?: string; config?: string; name?: string; sim: boolean; simTimeScale?: number; simSkill?: number; cache: boolean; batch: boolean; pollInterval: number; json: boolean }) => {
        const shutdown = shutdownSignal(process.stderr);
        try {
          const summary = await validateStoredRun({
            runId: flags.run,
            db: databasePath(flags),
            ...(flags.config === undefined ? {} : { config: flags.config }),
            ...(flags.name === undefined ? {} : { name: flags.name }),
            sim: flags.sim,
            ...(flags.simTimeScale === undefined ? {} : { simTimeScale: flags.simTimeScale }),
            ...(flags.simSkill === undefined ? {} : { simSkill: flags.simSkill }),
            noCache: !flags.cache,
            batch: flags.batch,
            pollIntervalMs: flags.pollInterval,
            pollMaxMs: Math.max(60_000, flags.pollInterval),
            signal: shutdown.signal,
            log: (line) => process.stderr.write(`${line}\n`),
          });
          process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : summaryText(summary));
          return summary.interrupted > 0 || (summary.pending ?? 0) > 0 ? 130 : 0;
        } finally {
          shutdown.dispose();
        }
      }),
    );
}

function summaryText(summary: ValidateRunSummary): string {
  const lines = [
    `run ${summary.runId}: ${summary.items} candidate answers validated by ${summary.validators.join(', ')}: ${summary.scored} scored, ${summary.unscored} unscored, ${summary.errors} errors${summary.interrupted ? `, ${summary.interrupted} interrupted (not stored)` : ''}; ${summary.requests} requests, ${summary.cacheHits} from the cache`,
  ];
  for (const batch of summary.batches ?? []) {
    if (batch.batchId === undefined) continue;
    lines.push(
      batch.pending
        ? `  batch ${batch.batchId} (${batch.validator}) is still ${batch.status}: run the same command again to collect it (nothing was submitted twice)`
        : `  batch ${batch.batchId} (${batch.validator})${batch.resumed ? ' (resumed)' : ''}: ${batch.status}`,
    );
  }
  // The cascade's latency adds the validator's: a batch's time is queueing, so it stores none.
  if ((summary.batches ?? []).some((batch) => batch.batchId !== undefined && !batch.pending)) {
    lines.push('  batch verdicts carry no latency: the cascade\'s latency figures leave those queries out; validate live for latency');
  }
  if ((summary.pending ?? 0) === 0) lines.push(`next: npx hybrid-eval cascade --run ${summary.runId}${summary.validators.length === 1 ? ` --validator ${summary.validators[0]}` : ''}`);
  return `${lines.join('\n')}\n`;
}
