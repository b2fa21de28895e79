#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { USAGE_EXIT } from './run-action.ts';

const program = new Command('hybrid-eval')
  .description('Shadow-test and gate the move from GPT-4 to a routed Llama / GPT-3.5 / GPT-4 stack')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

/**
 * Each command's module, loaded on demand: a command's module pulls in its whole implementation
 * (the report, DuckDB, onnxruntime, the sim...), and loading all fifteen for every run cost each
 * command 50-80 ms of start-up and a replay 10 MB of memory it never used.
 */
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  replay: async () => (await import('./commands/replay.ts')).registerReplay,
  router: async () => (await import('./commands/router.ts')).registerRouter,
  label: async () => (await import('./commands/label.ts')).registerLabel,
  judge: async () => (await import('./commands/judge.ts')).registerJudge,
  gate: async () => (await import('./commands/gate.ts')).registerGate,
  sim: async () => (await import('./commands/sim.ts')).registerSim,
  spotcheck: async () => (await import('./commands/spotcheck.ts')).registerSpotcheck,
  promptfoo: async () => (await import('./commands/promptfoo.ts')).registerPromptfoo,
  datasets: async () => (await import('./commands/datasets.ts')).registerDatasets,
  export: async () => (await import('./commands/export.ts')).registerExport,
  runs: async () => (await import('./commands/runs.ts')).registerRuns,
  merge: async () => (await import('./commands/merge.ts')).registerMerge,
  nightly: async () => (await import('./commands/nightly.ts')).registerNightly,
  notebooks: async () => (await import('./commands/notebook.ts')).registerNotebook,
  config: async () => (await import('./commands/config.ts')).registerConfig,
  demo: async () => (await import('./commands/demo.ts')).registerDemo,
  loadtest: async () => (await import('./commands/loadtest.ts')).registerLoadtest,
  capacity: async () => (await import('./commands/capacity.ts')).registerCapacity,
  sql: async () => (await import('./commands/sql.ts')).registerSql,
  view: async () => (await import('./commands/view.ts')).registerView,
  cascade: async () => (await import('./commands/cascade.ts')).registerCascade,
  validate: async () => (await import('./commands/validate.ts')).registerValidate,
};

// A known command name first registers only that command; anything else (--help, `help`, a typo
// that deserves "did you mean") registers all of them, in the order the help lists them.
const named = process.argv[2];
const wanted = named !== undefined && Object.hasOwn(COMMANDS, named) ? [COMMANDS[named]!] : Object.values(COMMANDS);
for (const register of await Promise.all(wanted.map((load) => load()))) register(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version end here with code 0; bad flags and unknown commands are usage errors.
    process.exitCode = error.exitCode === 0 ? 0 : USAGE_EXIT;
  } else {
    process.stderr.write(`hybrid-eval: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = USAGE_EXIT;
  }
}
