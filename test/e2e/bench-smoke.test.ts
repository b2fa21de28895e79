import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runScript, tempDir } from './cli.ts';

/**
 * `npm run bench` at a toy size, as a user or a CI script runs it: every stage of the suite starts,
 * ends and prints its line, and the last line has the shape scripts read
 * (`ratio_vs_promptfoo=X ratio_vs_limit=Y ratio_e2e_vs_bound=Z`). tsc type-checks bench/, but
 * nothing ran it, so a change to the CLI or the store could break the bench unseen until someone
 * measured. The figures at this size say nothing about speed (that is bench/RESULTS.md's job);
 * the test checks only that each is a measured number.
 */
describe('npm run bench at a toy size', () => {
  it('runs every stage and ends with the three ratios', async () => {
    // The bench's own work directories go under TMPDIR: a test-owned one, removed after the file.
    const tmp = tempDir('hybrid-eval-bench-smoke-');
    const args = ['--n', '300', '--memory-n', '0', '--promptfoo', '60', '--ingest', '2000', '--pairs', '2000', '--autocannon', '1', '--latency-n', '24'];
    const { code, stdout, stderr } = await runScript(join(ROOT, 'bench/all.ts'), args, { env: { TMPDIR: tmp } });
    expect(code, `bench/all.ts failed:\n${stdout}\n${stderr}`).toBe(0);

    const lines = stdout.trimEnd().split('\n');
    const last = lines.at(-1)!;
    const match = /^ratio_vs_promptfoo=(\S+) ratio_vs_limit=(\S+) ratio_e2e_vs_bound=(\S+)$/.exec(last);
    expect(match, `last line: ${last}`).not.toBeNull();
    // Every stage ran, so none of the three may be n/a: each is a positive number with two decimals.
    for (const figure of match!.slice(1)) {
      expect(figure).toMatch(/^\d+\.\d\d$/);
      expect(Number(figure)).toBeGreaterThan(0);
    }
    // Z is a run's throughput over a bound its limiters set; far above 1 would mean the bound is wrong.
    expect(Number(match![3])).toBeLessThan(1.5);

    for (const stage of [/^machine: /, /^store ingest 2000 queries/, /^gate \+ report over 2000 judged pairs/, /^sim capacity \(autocannon/, /^suite took /]) {
      expect(lines.some((line) => stage.test(line)), `no line matching ${stage} in:\n${stdout}`).toBe(true);
    }
    // The bench removes its own work directories (databases, datasets, promptfoo's files).
    expect(readdirSync(tmp).filter((name) => name.startsWith('hybrid-eval-'))).toEqual([]);
  }, 600_000);
});
