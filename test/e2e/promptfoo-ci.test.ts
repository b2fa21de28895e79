import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, tempDir, type CliResult } from './cli.ts';

// Issue 15, bullet 6: the CI example handles promptfoo's exit 100 (assertions failed: import and
// gate them) and stops on anything else, and telemetry is off in the workflows the project runs.
// The workflow's own step script is run with bash against promptfoo's CLI.

interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, { steps: Array<{ name?: string; run?: string }> }>;
}

const workflow = (name: string) => parse(readFileSync(join(ROOT, '.github/workflows', name), 'utf8')) as Workflow;

function bash(script: string, env: Record<string, string>): Promise<CliResult> {
  const child = spawn('bash', ['-e', '-c', script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

describe('the promptfoo CI example', () => {
  it('sets PROMPTFOO_DISABLE_TELEMETRY in the workflow that runs promptfoo and in the nightly', () => {
    for (const name of ['promptfoo.yml', 'nightly.yml']) {
      const file = workflow(name);
      expect(file.env?.PROMPTFOO_DISABLE_TELEMETRY, name).toBe('1');
    }
  });

  it('goes on to import and gate on exit 100, and stops on an error', async () => {
    const file = workflow('promptfoo.yml');
    const step = Object.values(file.jobs).flatMap((job) => job.steps).find((candidate) => candidate.name === 'promptfoo eval');
    expect(step?.run).toContain('npx promptfoo eval');
    const dir = tempDir('hybrid-eval-pf-ci-');
    // The step as written, writing its results to the temp folder instead of the checkout's results/.
    const script = step!.run!.replaceAll('results/promptfoo.json', join(dir, 'promptfoo.json'));
    const env = {
      ...(file.env as Record<string, string>),
      HOME: dir,
      PROMPTFOO_CONFIG_DIR: join(dir, 'promptfoo-config'),
      OPENAI_API_KEY: '',
    };

    // promptfoo's echo provider answers with the prompt: one assertion passes, one fails (exit 100).
    const failing = join(dir, 'failing.yaml');
    writeFileSync(failing, "prompts: ['{{q}}']\nproviders: [echo]\ntests:\n  - vars: { q: hello }\n    assert: [{ type: equals, value: hello }]\n  - vars: { q: hello }\n    assert: [{ type: equals, value: goodbye }]\n");
    const hundred = await bash(script, { ...env, SUITE: failing });
    expect(hundred.code, `${hundred.stdout}\n${hundred.stderr}`).toBe(0);
    expect(hundred.stdout).toContain('promptfoo eval exit 100 (100: some assertions failed; the gate decides)');
    const results = JSON.parse(readFileSync(join(dir, 'promptfoo.json'), 'utf8'));
    expect(results.results.stats).toMatchObject({ successes: 1, failures: 1 });

    // A suite promptfoo cannot run (its provider file does not exist) stops the job with promptfoo's code.
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, `prompts: ['{{q}}']\nproviders: ['file://${join(dir, 'missing-provider.mjs')}']\ntests:\n  - vars: { q: hello }\n`);
    const error = await bash(script, { ...env, SUITE: broken });
    expect(error.code, `${error.stdout}\n${error.stderr}`).toBe(1);
    expect(`${error.stdout}\n${error.stderr}`).toContain('missing-provider.mjs');
    expect(error.stdout).not.toContain('the gate decides');
  }, 240_000);
});
