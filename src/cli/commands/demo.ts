import type { Command } from 'commander';
import { demoCascade } from '../../cascade/demo-cascade.ts';
import { loadPlan } from '../../gate/plan.ts';
import { runReplayCommand } from '../../replay/run-replay.ts';
import { gateAndReport } from '../../report/gate-and-report.ts';
import { openStore } from '../../store/store.ts';
import { action, nonNegativeNumber, positiveInt } from '../run-action.ts';
import { shutdownSignal } from '../signals.ts';
import { printCostSummary, printJudgeCoverage, printStepSummary } from './gate-output.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('offline end to end: the committed sample of multi-turn support conversations through the in-process sim; replay, judge, gate, report')
    .option('-c, --config <file>', 'config', 'examples/sim.yaml')
    .option('--dataset <file>', 'log to replay (default: the multi-turn conversations sample, replayed as logged)', 'datasets/conversations-sample.jsonl')
    .option('--limit <n>', 'replay only the first N queries', positiveInt('--limit'))
    .option('--sim-time-scale <x>', 'simulated latency multiplier (1 = real-world latencies)', nonNegativeNumber('--sim-time-scale'), 0.05)
    .option('--db <path>', 'database file')
    .action(
      action(async (flags: { config: string; dataset: string; limit?: number; simTimeScale: number; db?: string }) => {
        const shutdown = shutdownSignal(process.stderr);
        try {
          process.stdout.write(`hybrid-eval demo: replaying ${flags.dataset} with ${flags.config} against the simulator (scores are simulated, not measured)\n`);
          const replayed = await runReplayCommand({
            config: flags.config,
            dataset: flags.dataset,
            sim: true,
            simTimeScale: flags.simTimeScale,
            limit: flags.limit,
            db: flags.db,
            progressOutput: process.stderr,
            signal: shutdown.signal,
          });
          process.stdout.write(
            `replayed ${replayed.processed} queries in ${(replayed.elapsedMs / 1000).toFixed(1)} s (${replayed.failedCalls} failed calls, ${replayed.rejects} rejected lines)\n`,
          );
          if (replayed.status !== 'complete') return shutdown.exitCode();
          const store = await openStore(replayed.database);
          try {
            const plan = loadPlan(replayed.config.plan);
            const { outcome, report } = await gateAndReport(store, plan, { run: replayed.runId, results: replayed.config.results_dir });
            process.stdout.write(`\ndecision for step "${outcome.step}": ${outcome.decision.toUpperCase()}\n`);
            for (const check of outcome.checks) {
              if (check.outcome !== 'skip') process.stdout.write(`  ${check.outcome.padEnd(4)} ${check.metric}: ${check.detail}\n`);
            }
            printJudgeCoverage(outcome, process.stdout);
            printStepSummary(outcome, process.stdout);
            printCostSummary(outcome, process.stdout);
            process.stdout.write(`\ndatabase: ${replayed.database}\nreport:   ${report.html}\n          ${report.markdown}\n          ${report.json}\n          ${report.junit}\n`);
            process.stdout.write(`next: npx hybrid-eval gate --run ${replayed.runId} --step <name>   (exit 0 go, 1 no-go, 3 hold)\n`);
          } finally {
            await store.close();
          }
          await demoCascade(replayed.database, replayed.config, replayed.runId, process.stdout);
          // The demo shows a decision; it does not fail on a no-go.
          return 0;
        } finally {
          shutdown.dispose();
        }
      }),
    );
}
