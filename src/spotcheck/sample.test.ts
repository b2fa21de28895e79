import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSpotcheckTables, type SpotcheckTables } from '../store/spotcheck-tables.ts';
import { tempDir } from '../store/test-records.ts';
import { sampleRun } from './sample.ts';
import { scored, writeTestRun } from './test-run.ts';

let dir: ReturnType<typeof tempDir>;
let tables: SpotcheckTables;
let clock = 0;
beforeEach(async () => {
  dir = tempDir('hybrid-eval-sample-');
  const path = join(dir.path, 's.duckdb');
  await writeTestRun(
    path,
    'r1',
    Array.from({ length: 40 }, (_, index) => ({ id: `q${String(index).padStart(2, '0')}`, candidate: scored(1 + (index % 5)), baseline: scored(4) })),
  );
  tables = await openSpotcheckTables(path, { now: () => new Date(Date.UTC(2025, 0, 1) + clock++ * 1000) });
});
afterEach(async () => {
  await tables.close();
  dir.remove();
});

const stored = () => tables.store.all<{ query_id: string; sampled_at: string; seed: number }>('SELECT query_id, sampled_at, seed FROM spotcheck_samples ORDER BY position');

describe('sampleRun', () => {
  it('stores the sample once per seed and size, and replaces it for another seed, keeping ratings', async () => {
    const first = await sampleRun(tables, 'r1', { n: 10, seed: 1, now: () => new Date('2025-01-01T00:00:00Z') });
    expect(first.unchanged).toBe(false);
    expect(first.strata.reduce((sum, row) => sum + row.drawn, 0)).toBe(10);
    const before = await stored();
    expect(before).toHaveLength(10);

    const again = await sampleRun(tables, 'r1', { n: 10, seed: 1, now: () => new Date('2025-02-01T00:00:00Z') });
    expect(again.unchanged).toBe(true);
    expect(await stored()).toEqual(before);

    await tables.upsertRatings([
      { runId: 'r1', queryId: before[0]!.query_id, rater: 'ann', role: 'candidate', score: 3, preference: undefined, ratedAt: new Date(), source: 'page' },
    ]);
    const other = await sampleRun(tables, 'r1', { n: 10, seed: 2 });
    expect(other.unchanged).toBe(false);
    const after = await stored();
    expect(after.every((row) => row.seed === 2)).toBe(true);
    expect(after.map((row) => row.query_id)).not.toEqual(before.map((row) => row.query_id));
    expect(await tables.store.all('SELECT count(*) AS n FROM human_ratings')).toEqual([{ n: 1 }]);
  });

  it('refuses an unknown run', async () => {
    await expect(sampleRun(tables, 'nope', { n: 3, seed: 1 })).rejects.toThrow('run not found: nope');
  });
});
