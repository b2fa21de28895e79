import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBankDomain } from '../../bench/router/bank-domain.ts';
import { ROOT, runCli, tempDir } from './cli.ts';

const BITEXT = join(ROOT, '../shared/data/bitext');
const hasBitext = existsSync(join(BITEXT, 'tiers.csv'));
if (!hasBitext) console.warn(`domain-shift tests skipped: ${BITEXT} is absent`);

describe.skipIf(!hasBitext)('domain shift is visible', () => {
  it('router eval and the replay report say when a log does not look like the router\'s training data', async () => {
    const dir = tempDir();
    const bank = await writeBankDomain(BITEXT, dir);

    const familiar = await runCli(['router', 'eval', '--data', 'datasets/router-test.jsonl', '--json', '--no-store']);
    expect(familiar.code, familiar.stderr).toBe(0);
    expect(JSON.parse(familiar.stdout).domain_shift).toMatchObject({ shifted: false });

    const foreign = await runCli(['router', 'eval', '--data', bank.heldOut, '--field', 'label=tier', '--no-store']);
    expect(foreign.code, foreign.stderr).toBe(0);
    expect(foreign.stdout).toMatch(/domain shift: [\d.]+% of routes are low-confidence .* against 0\.7% on the router's training data/);
    expect(foreign.stdout).toContain('hybrid-eval label sample');

    const db = join(dir, 'shift.duckdb');
    const replay = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--dataset', bank.heldOut, '--field', 'label=tier', '--db', db, '--run-id', 'shift']);
    expect(replay.code, replay.stderr).toBe(0);
    const results = join(dir, 'results');
    const gate = await runCli(['gate', '--run', 'shift', '--db', db, '--results', results]);
    expect([0, 1, 3]).toContain(gate.code);
    const markdown = readFileSync(join(results, 'shift', 'report.md'), 'utf8');
    expect(markdown).toMatch(/domain shift: [\d.]+% of routes are low-confidence/);
    expect(readFileSync(join(results, 'shift', 'report.html'), 'utf8')).toContain('id="domain-shift"');
  }, 600_000);
});
