import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT, runScript, type CliResult } from './cli.ts';

// promptfoo's own CLI, run by the Node that runs the tests (v24 from node_modules).
export const PROMPTFOO = join(ROOT, 'node_modules/promptfoo/dist/src/entrypoint.js');

/** `promptfoo eval`, writing nothing outside `home` and calling nothing but the in-process sim (unless env says otherwise). */
export function promptfooEval(suite: string, out: string, home: string, env: Record<string, string> = {}, extra: string[] = []): Promise<CliResult> {
  return runScript(PROMPTFOO, ['eval', '-c', suite, '--no-cache', '--no-table', '-o', out, ...extra], {
    env: {
      HOME: home,
      // Not HOME/.promptfoo: promptfoo refuses its default database when it sees a test runner.
      PROMPTFOO_CONFIG_DIR: join(home, 'promptfoo-config'),
      PROMPTFOO_DISABLE_TELEMETRY: '1',
      PROMPTFOO_DISABLE_UPDATE: '1',
      OPENAI_API_KEY: '',
      VLLM_API_KEY: '',
      HYBRID_EVAL_CONFIG: '',
      HYBRID_EVAL_SIM: '',
      HYBRID_EVAL_SIM_TIME_SCALE: '',
      HYBRID_EVAL_SIM_FAULTS: '',
      ...env,
    },
  });
}

/** promptfoo exits 100 when a test failed: a regression suite on the sim is expected to catch some. */
export function expectEvalRan(result: CliResult): void {
  expect([0, 100], `${result.stdout}\n${result.stderr}`).toContain(result.code);
}
