#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerConfig } from './commands/config.ts';
import { registerDatasets } from './commands/datasets.ts';
import { registerDemo } from './commands/demo.ts';
import { registerExport } from './commands/export.ts';
import { registerGate } from './commands/gate.ts';
import { registerJudge } from './commands/judge.ts';
import { registerMerge } from './commands/merge.ts';
import { registerNightly } from './commands/nightly.ts';
import { registerNotebook } from './commands/notebook.ts';
import { registerPromptfoo } from './commands/promptfoo.ts';
import { registerReplay } from './commands/replay.ts';
import { registerRouter } from './commands/router.ts';
import { registerRuns } from './commands/runs.ts';
import { registerSim } from './commands/sim.ts';
import { registerSpotcheck } from './commands/spotcheck.ts';
import { USAGE_EXIT } from './run-action.ts';

const program = new Command('hybrid-eval')
  .description('Shadow-test and gate the move from GPT-4 to a routed Llama / GPT-3.5 / GPT-4 stack')
  .version('0.1.0')
  .showHelpAfterError()
  .exitOverride();

for (const register of [registerReplay, registerRouter, registerJudge, registerGate, registerSim, registerSpotcheck, registerPromptfoo, registerDatasets, registerExport, registerRuns, registerMerge, registerNightly, registerNotebook, registerConfig, registerDemo]) {
  register(program);
}

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
