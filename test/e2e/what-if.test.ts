import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from './cli.ts';

// Issue 15, bullet 4: what-ifs take effect. `gate -c other.yaml` prices the projection with
// other.yaml's prices and volume, `--volume N` sets the volume, and the output says so; each
// step's line shows its change against today's all-baseline bill; max_cost_vs_baseline fails a
// step that costs more than today.

const dir = tempDir('hybrid-eval-what-if-');
const db = join(dir, 'w.duckdb');

describe('gate what-ifs', () => {
  beforeAll(async () => {
    const replay = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', '150', '--db', db, '--run-id', 'w1']);
    expect(replay.code, replay.stderr).toBe(0);
  }, 240_000);

  it("uses -c's prices and volume, and --volume, saying so; the stored config otherwise", async () => {
    const other = join(dir, 'other.yaml');
    writeFileSync(
      other,
      readFileSync('examples/sim.yaml', 'utf8').replace('monthly_queries: 1000000', 'monthly_queries: 50000000').replace('input_per_million: 30, output_per_million: 60', 'input_per_million: 10, output_per_million: 30'),
    );
    const stored = await runCli(['gate', '--run', 'w1', '--db', db, '--results', dir, '--json']);
    const storedCost = JSON.parse(stored.stdout).checks.find((check: { metric: string }) => check.metric === 'projected_monthly_cost_usd');
    expect(JSON.parse(stored.stdout).what_if).toBeUndefined();
    expect(storedCost.detail).toContain('at 1,000,000 queries/month');

    const whatIf = await runCli(['gate', '--run', 'w1', '--db', db, '--results', dir, '-c', other]);
    expect(whatIf.stdout).toContain('what-if: prices from other.yaml, volume 50,000,000');
    expect(whatIf.stdout).toMatch(/projected_monthly_cost_usd: \$[\d,]+ at 50,000,000 queries\/month .*% vs today's all-baseline \$[\d,]+/);
    const report = JSON.parse(readFileSync(join(dir, 'w1', 'report.json'), 'utf8'));
    expect(JSON.stringify(report)).toContain('what-if: prices from other.yaml, volume 50,000,000');

    const volume = await runCli(['gate', '--run', 'w1', '--db', db, '--results', dir, '--volume', '2500000', '--json']);
    expect(JSON.parse(volume.stdout).what_if).toBe("what-if: prices from the run's stored config, volume 2,500,000");
    const cost = JSON.parse(volume.stdout).checks.find((check: { metric: string }) => check.metric === 'projected_monthly_cost_usd');
    expect(cost.detail).toContain('at 2,500,000 queries/month');
    // The same mix at 2.5x the volume: the variable part scales, the GPUs' fixed cost does not.
    expect(cost.value).toBeGreaterThan(storedCost.value * 1.5);

    const bad = await runCli(['gate', '--run', 'w1', '--db', db, '--results', dir, '--volume', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--volume');
  });

  it("shows each step's change against today's bill and fails a step that costs more than today", async () => {
    const gate = await runCli(['gate', '--run', 'w1', '--db', db, '--results', dir, '--plan', 'suites/rollout.yaml', '--step', 'shadow']);
    expect(gate.stdout).toMatch(/shadow +\S+ +\$[\d,]+\/month \(\+\d+\.\d% vs today's all-baseline \$[\d,]+: costs MORE than today\)/);
    expect(gate.stdout).toMatch(/70% +\S+ +\$[\d,]+\/month \(-\d+\.\d% vs today's all-baseline/);

    const capped = join(dir, 'capped.yaml');
    writeFileSync(capped, 'name: capped\nsteps:\n  - name: shadow\n    shares: { simple: { baseline: 1 }, medium: { baseline: 1 }, complex: { baseline: 1 } }\n    shadow_share: 1\n    thresholds: { max_cost_vs_baseline: 1.0, min_scored: 10 }\n');
    const fail = await runCli(['gate', '--run', 'w1', '--db', db, '--results', dir, '--plan', capped]);
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/fail cost_vs_baseline: \$[\d,]+ is 1\.\d\d x the all-baseline \$[\d,]+ \(\+\d+\.\d% vs today's all-baseline \$[\d,]+: costs MORE than today\)/);
  });
});
