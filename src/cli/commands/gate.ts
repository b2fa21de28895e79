import type { Command } from 'commander';
import { loadPlan } from '../../gate/plan.ts';
import { EXIT_CODES } from '../../gate/run-gate.ts';
import { gateAndReport } from '../../report/gate-and-report.ts';
import { openStore } from '../../store/store.ts';
import { commandPaths } from '../config-paths.ts';
import { action, positiveInt } from '../run-action.ts';
import { loadConfig } from '../../config/load.ts';
import type { WhatIf } from '../../gate/what-if.ts';
import { printCostSummary, printOutcome, printStepSummary } from './gate-output.ts';

interface GateFlags {
  run: string;
  plan?: string;
  step?: string;
  against?: string;
  db?: string;
  config?: string;
  results?: string;
  json: boolean;
  junit?: string;
  volume?: number;
  databaseMemory: string;
}

/**
 * DuckDB's default memory limit is 80% of RAM, and it keeps what it took: over a million judged
 * pairs the gate's process peaked at 1.4 GB. Its queries spill past this (bench/RESULTS.md).
 */
const GATE_DATABASE_MEMORY = '128MB';

/** -c's prices and --volume replace the stored config's in the cost projection (stated in the output). */
function whatIfFrom(flags: GateFlags): WhatIf | undefined {
  if (flags.config === undefined && flags.volume === undefined) return undefined;
  return {
    ...(flags.config === undefined ? {} : { prices: { file: flags.config, config: loadConfig(flags.config) } }),
    ...(flags.volume === undefined ? {} : { volume: flags.volume }),
  };
}

export function registerGate(program: Command): void {
  program
    .command('gate')
    .description('decide go / no-go / hold for a stored run at a rollout step; write results/<run>/report.{html,md,json} and junit.xml. Exit 0 go, 1 no-go, 3 hold, 2 usage error')
    .requiredOption('--run <id>', 'run id ("latest" for the newest complete run)')
    .option('--plan <file>', "rollout plan (default: the config's plan, else suites/rollout.yaml)")
    .option('--step <name>', "rollout step to gate (default: the plan's default_step, else its last step)")
    .option('--against <run>', 'compare with another run (e.g. last night\'s; "previous": the newest earlier complete run of the same config) and fail on regressions')
    .option('--db <path>', 'database file')
    .option('-c, --config <file>', "config whose database, plan and results_dir to use; its prices (and volume.monthly_queries) also price the projection instead of the run's stored config")
    .option('--volume <n>', 'what-if: monthly queries for the cost projection (overrides the config and the log)', positiveInt('--volume'))
    .option('--results <dir>', "where report folders go (default: the config's results_dir, else results)")
    .option('--json', 'print the decision as JSON', false)
    .option('--junit <file>', 'also write the JUnit XML here (one testcase per check)')
    .option(
      '--database-memory <size>',
      "DuckDB's memory limit for the gate's queries (they spill past it). A read that still runs out of memory is run again at twice the limit, at most twice (up to 4x), with a line on stderr; if 4x runs out too, exit 2 and nothing is stored",
      GATE_DATABASE_MEMORY,
    )
    .action(
      action(async (flags: GateFlags) => {
        const paths = commandPaths(flags);
        const plan = loadPlan(paths.plan.path);
        const store = await openStore(paths.database, { mustExist: true });
        try {
          await store.setMemoryLimit(flags.databaseMemory);
          const { outcome, report } = await gateAndReport(store, plan, {
            ...flags,
            results: paths.results.path,
            whatIf: whatIfFrom(flags),
            memoryRetry: { output: process.stderr, command: 'gate', setting: '--database-memory' },
          });
          printOutcome(outcome, report, flags.json, process.stdout, paths.plan);
          if (!flags.json) {
            printStepSummary(outcome, process.stdout);
            printCostSummary(outcome, process.stdout);
          }
          return EXIT_CODES[outcome.decision];
        } finally {
          await store.close();
        }
      }),
    );
}
