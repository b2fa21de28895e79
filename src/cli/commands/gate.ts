import type { Command } from 'commander';
import { loadPlan } from '../../gate/plan.ts';
import { EXIT_CODES, gateRun } from '../../gate/run-gate.ts';
import { writeReport } from '../../report/write.ts';
import { openStore } from '../../store/store.ts';
import { databasePath } from '../database-path.ts';
import { action } from '../run-action.ts';

export function registerGate(program: Command): void {
  program
    .command('gate')
    .description('decide go / no-go / hold for a stored run; write results/<run>/report.{md,json}. Exit 0 go, 1 no-go, 3 hold, 2 usage error')
    .requiredOption('--run <id>', 'run id ("latest" for the newest complete run)')
    .option('--plan <file>', 'rollout plan', 'suites/rollout.yaml')
    .option('--db <path>', 'database file')
    .option('-c, --config <file>', 'config whose database to use')
    .option('--results <dir>', 'where report folders go', 'results')
    .option('--json', 'print the decision as JSON', false)
    .action(
      action(async (flags: { run: string; plan: string; db?: string; config?: string; results: string; json: boolean }) => {
        const plan = loadPlan(flags.plan);
        const store = await openStore(databasePath(flags), { mustExist: true });
        try {
          const runId = flags.run === 'latest' ? (await store.latestRun({ status: 'complete' }))?.run_id ?? flags.run : flags.run;
          const outcome = await gateRun(store, runId, plan);
          const report = writeReport(flags.results, outcome);
          if (flags.json) {
            process.stdout.write(`${JSON.stringify({ decision: outcome.decision, run_id: outcome.runId, checks: outcome.checks, report: report.json })}\n`);
          } else {
            process.stdout.write(`${outcome.decision.toUpperCase()} for run ${outcome.runId} (plan ${outcome.plan})\n`);
            for (const check of outcome.checks) process.stdout.write(`  ${check.outcome.padEnd(4)} ${check.metric}: ${check.detail} (threshold ${check.threshold})\n`);
            process.stdout.write(`report: ${report.markdown}\n`);
          }
          return EXIT_CODES[outcome.decision];
        } finally {
          await store.close();
        }
      }),
    );
}
