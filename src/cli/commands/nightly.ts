import type { Command } from 'commander';
import { loadPlan } from '../../gate/plan.ts';
import { previousComparableRun } from '../../gate/previous-run.ts';
import { EXIT_CODES } from '../../gate/run-gate.ts';
import { runReplayCommand } from '../../replay/run-replay.ts';
import { gateAndReport } from '../../report/gate-and-report.ts';
import { openStore } from '../../store/store.ts';
import { action, nonNegativeNumber, positiveInt, runIdOption } from '../run-action.ts';
import { shutdownSignal } from '../signals.ts';
import { printOutcome } from './gate-output.ts';

interface NightlyFlags {
  config: string;
  dataset?: string;
  sim: boolean;
  simTimeScale: number;
  limit?: number;
  runId?: string;
  db?: string;
  plan?: string;
  step?: string;
  results?: string;
  junit?: string;
  json: boolean;
}

export function registerNightly(program: Command): void {
  program
    .command('nightly')
    .description(
      "replay the latest logs, judge, gate against the previous complete run of the same config (if any) and write the report. Exit 0 go, 1 no-go, 3 hold, 2 usage error",
    )
    .option('-c, --config <file>', 'config', 'examples/sim.yaml')
    .option('--dataset <file>', "tonight's log (default: the config's dataset)")
    .option('--sim', 'start the simulator in-process and point every endpoint at it', false)
    .option('--sim-time-scale <x>', 'simulated latency multiplier', nonNegativeNumber('--sim-time-scale'), 0.05)
    .option('--limit <n>', 'replay only the first N queries', positiveInt('--limit'))
    .option('--run-id <id>', 'id of the new run (default: run-<timestamp>-<random>)', runIdOption('--run-id'))
    .option('--db <path>', 'database file (default: the config\'s)')
    .option('--plan <file>', "rollout plan (default: the config's plan)")
    .option('--step <name>', "rollout step to gate (default: the plan's default_step)")
    .option('--results <dir>', "where report folders go (default: the config's results_dir)")
    .option('--junit <file>', 'also write the JUnit XML here')
    .option('--json', 'print the decision as JSON', false)
    .action(
      action(async (flags: NightlyFlags) => {
        const shutdown = shutdownSignal(process.stderr);
        try {
          const replayed = await runReplayCommand({
            config: flags.config,
            dataset: flags.dataset,
            sim: flags.sim,
            simTimeScale: flags.simTimeScale,
            limit: flags.limit,
            runId: flags.runId,
            db: flags.db,
            progressOutput: process.stderr,
            signal: shutdown.signal,
          });
          process.stderr.write(`nightly: run ${replayed.runId} ${replayed.status}; ${replayed.processed} queries replayed, ${replayed.failedCalls} failed calls\n`);
          if (replayed.status !== 'complete') return shutdown.exitCode();
          const planUsed = flags.plan === undefined ? { path: replayed.config.plan, from: `plan in ${flags.config}` } : { path: flags.plan, from: '--plan' };
          const plan = loadPlan(planUsed.path);
          const store = await openStore(replayed.database);
          try {
            const against = await previousComparableRun(store, replayed.runId);
            process.stderr.write(against === undefined ? 'nightly: no earlier complete run of this config; gating without a comparison\n' : `nightly: comparing with run ${against}\n`);
            const { outcome, report } = await gateAndReport(store, plan, {
              run: replayed.runId,
              ...(flags.step === undefined ? {} : { step: flags.step }),
              ...(against === undefined ? {} : { against }),
              results: flags.results ?? replayed.config.results_dir,
              ...(flags.junit === undefined ? {} : { junit: flags.junit }),
            });
            printOutcome(outcome, report, flags.json, process.stdout, planUsed);
            return EXIT_CODES[outcome.decision];
          } finally {
            await store.close();
          }
        } finally {
          shutdown.dispose();
        }
      }),
    );
}
