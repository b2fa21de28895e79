import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './cli.ts';
import { promptfooEval } from './promptfoo-cli.ts';

// Issue 15, bullet 6: the README's copy-paste suite works where a newcomer saves it (the repository
// root, a folder of suites), through promptfoo's own CLI with telemetry off; after import the gate
// does not fail on router latency measured inside promptfoo's provider, and says why.

/** The README's suite, exactly as printed there. */
function readmeSuite(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## promptfoo'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section);
  expect(block, 'README has a promptfoo suite').not.toBeNull();
  return block![1]!;
}

describe("the README's promptfoo suite, saved where a user saves it", () => {
  it('runs from the repository root and from a sub-folder, and gates without a false router-latency no-go', async () => {
    const dir = tempDir();
    const suite = readmeSuite();
    expect(suite).toContain('package:hybrid-eval/promptfoo:provider');
    const tag = `${process.pid}-${Date.now()}`;
    const atRoot = join(ROOT, `my-suite-${tag}.yaml`);
    const folder = join(ROOT, 'results', `suites-${tag}`);
    const nested = join(folder, 'my-suite.yaml');
    writeFileSync(atRoot, suite);
    mkdirSync(folder, { recursive: true });
    writeFileSync(nested, suite);
    try {
      for (const [file, out] of [[atRoot, join(dir, 'root.json')], [nested, join(dir, 'nested.json')]] as const) {
        const result = await promptfooEval(file, out, dir);
        expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
        const output = JSON.parse(readFileSync(out, 'utf8'));
        expect(output.results.stats).toMatchObject({ successes: 2, failures: 0, errors: 0 });
      }
    } finally {
      rmSync(atRoot, { force: true });
      rmSync(folder, { recursive: true, force: true });
    }

    const db = join(dir, 'pf.duckdb');
    const imported = await runCli(['promptfoo', 'import', join(dir, 'root.json'), '--db', db, '--run-id', 'pf']);
    expect(imported.code, imported.stderr).toBe(0);
    const plan = join(dir, 'latency.yaml');
    writeFileSync(plan, 'name: latency\nthresholds:\n  max_router_p95_us: 1\n  min_scored: 1\n');
    const gate = await runCli(['gate', '--run', 'pf', '--db', db, '--results', dir, '--plan', plan]);
    expect(gate.stdout).toMatch(/n\/a +router_p95_us: not evaluated: router latency of a promptfoo run was measured inside promptfoo's provider/);
    expect(gate.stdout).not.toMatch(/fail +router_p95_us/);
  }, 240_000);

  it("names the folder it tried when the suite is outside the project", async () => {
    const dir = tempDir();
    const outside = join(dir, 'my-suite.yaml');
    writeFileSync(outside, readmeSuite());
    const result = await promptfooEval(outside, join(dir, 'out.json'), dir);
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}\n${result.stderr}`).toContain(`Package not found: hybrid-eval/promptfoo. Make sure it's installed in ${dir}`);
  }, 120_000);
});
