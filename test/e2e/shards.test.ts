import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { runCli, tempDir } from './cli.ts';

async function rows<T = Record<string, unknown>>(db: string, sql: string): Promise<T[]> {
  const store = await openStore(db, { readOnly: true });
  try {
    return await store.all<T>(sql);
  } finally {
    await store.close();
  }
}

describe('scale-out with --shard K/N and merge', () => {
  it('4 shards merged give the same counts and aggregates as one run', async () => {
    const dir = tempDir();
    const common = ['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', '240', '--run-id', 'nightly'];
    const single = join(dir, 'single.duckdb');
    expect((await runCli([...common, '--db', single])).code).toBe(0);
    const shards = [1, 2, 3, 4].map((k) => join(dir, `shard-${k}.duckdb`));
    const results = await Promise.all(shards.map((db, index) => runCli([...common, '--shard', `${index + 1}/4`, '--db', db])));
    for (const result of results) expect(result.code).toBe(0);
    const perShard = await Promise.all(shards.map((db) => rows<{ n: number }>(db, `SELECT count(*) AS n FROM queries`)));
    // Every shard got some, none got all.
    for (const [count] of perShard) expect(count!.n).toBeGreaterThan(20);
    const merged = join(dir, 'merged.duckdb');
    const merge = await runCli(['merge', ...shards, '--out', merged]);
    expect(merge.code).toBe(0);
    expect(merge.stdout).toContain('run nightly: complete, 240 queries from 4 shards');
    // Merging again adds nothing: idempotent.
    expect((await runCli(['merge', ...shards, '--out', merged])).stdout).toContain('nothing new');

    const aggregates = `SELECT tier, n, n_scored, round(candidate_mean_score, 6) AS candidate, round(baseline_mean_score, 6) AS baseline
                        FROM quality_by_tier WHERE run_id = 'nightly' ORDER BY tier`;
    expect(await rows(merged, aggregates)).toEqual(await rows(single, aggregates));
    const calls = `SELECT role, count(*) AS n, count(DISTINCT query_id) AS q FROM responses GROUP BY role ORDER BY role`;
    expect(await rows(merged, calls)).toEqual(await rows(single, calls));
    const gate = await runCli(['gate', '--run', 'nightly', '--db', merged, '--results', dir, '--json']);
    expect(JSON.parse(gate.stdout).run_id).toBe('nightly');
    // Five replays through the router, two merges and a gate: minutes, not seconds, on a shared machine.
  }, 300_000);

  it('refuses a malformed --shard', async () => {
    const result = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--shard', '5/4', '--db', join(tempDir(), 'x.duckdb')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--shard must be K/N');
  });
});
