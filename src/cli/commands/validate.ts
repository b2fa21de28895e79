import type { Command } from 'commander';
import { validateStoredRun } from '../../cascade/validate-run.ts';
import { databasePath } from '../database-path.ts';
import { action, nonNegativeNumber } from '../run-action.ts';
import { shutdownSignal } from '../signals.ts';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description("run the cascade's validator (config cascade) over a stored run's candidate answers, without replaying traffic; reference-free, through the judge cache")
    .requiredOption('--run <id>', 'run id ("latest" for the newest run)')
    .option('--db <path>', 'database file')
    .option('-c, --config <file>', "config whose cascade and endpoints to use (default: the run's stored config)")
    .option('--name <name>', 'store the verdicts under this validator name (default: rubric@endpoint)')
    .option('--sim', 'start the simulator in-process and validate with it', false)
    .option('--sim-time-scale <x>', 'simulated latency multiplier (default 0)', nonNegativeNumber('--sim-time-scale'))
    .option('--sim-skill <x>', "under --sim: the simulated validator's skill, 0-1 (default: the config's sim_skill)", nonNegativeNumber('--sim-skill'))
    .option('--no-cache', 'ask the validator again even where the cache has the verdict')
    .option('--json', 'print the summary as JSON', false)
    .action(
      action(async (flags: { run: string; db?: string; config?: string; name?: string; sim: boolean; simTimeScale?: number; simSkill?: number; cache: boolean; json: boolean }) => {
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
            signal: shutdown.signal,
            log: (line) => process.stderr.write(`${line}\n`),
          });
          process.stdout.write(
            flags.json
              ? `${JSON.stringify(summary)}\n`
              : `run ${summary.runId}: ${summary.items} candidate answers validated by ${summary.validators.join(', ')}: ${summary.scored} scored, ${summary.unscored} unscored, ${summary.errors} errors${summary.interrupted ? `, ${summary.interrupted} interrupted (not stored)` : ''}; ${summary.requests} requests, ${summary.cacheHits} from the cache\nnext: npx hybrid-eval cascade --run ${summary.runId}${summary.validators.length === 1 ? ` --validator ${summary.validators[0]}` : ''}\n`,
          );
          return summary.interrupted > 0 ? 130 : 0;
        } finally {
          shutdown.dispose();
        }
      }),
    );
}
