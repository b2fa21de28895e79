import type { Command } from 'commander';
import { cascadeJson, evaluateCascade } from '../../cascade/evaluate.ts';
import { formatCascade } from '../../cascade/format.ts';
import { databasePath } from '../database-path.ts';
import { action } from '../run-action.ts';

export function registerCascade(program: Command): void {
  program
    .command('cascade')
    .description('the offline validator-cascade curve of a stored shadow run: quality, cost, escalation and latency per threshold, validator AUROC, the cheapest threshold that clears the plan (no new calls)')
    .requiredOption('--run <id>', 'run id ("latest" for the newest run)')
    .option('--db <path>', 'database file')
    .option('-c, --config <file>', "config whose database, plan and volume to use (default: the run's stored config)")
    .option('--plan <file>', "rollout plan whose quality bar the cascade must clear (default: the config's plan)")
    .option('--step <name>', 'plan step whose min_quality is the bar (default: the first step with a cascade, else the default step)')
    .option('--validator <name>', "validator as stored in validations (default: the run's only one)")
    .option('--json', 'print one JSON object: thresholds, chosen, routing_only, all_baseline, validator', false)
    .action(
      action(async (flags: { run: string; db?: string; config?: string; plan?: string; step?: string; validator?: string; json: boolean }) => {
        const evaluation = await evaluateCascade({
          runId: flags.run,
          db: databasePath(flags),
          ...(flags.config === undefined ? {} : { config: flags.config }),
          ...(flags.plan === undefined ? {} : { plan: flags.plan }),
          ...(flags.step === undefined ? {} : { step: flags.step }),
          ...(flags.validator === undefined ? {} : { validator: flags.validator }),
        });
        process.stdout.write(flags.json ? `${JSON.stringify(cascadeJson(evaluation))}\n` : formatCascade(evaluation));
        return 0;
      }),
    );
}
