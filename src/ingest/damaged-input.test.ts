import { readFileSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../core/errors.ts';
import { openLog } from './open-log.ts';
import { makeTempDir } from './test-support.ts';

/*
 * Damaged Parquet files. A truncated one (footer gone) fails when opened. One damaged in the middle
 * is worse: DuckDB reports the error, but @duckdb/node-api's streaming drops it and the stream just
 * ends, a part of the rows silently missing. The reader must turn both into an InputError naming the
 * file and the first row it could not read, never an ordinary end.
 */

const ROWS = 60_000;
const temp = makeTempDir('damaged');
let good: Buffer;

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(
      `COPY (SELECT 'q' || i AS query_id, 'question number ' || i || repeat(' padding', 20) AS query, 'simple' AS tier FROM range(${ROWS}) t(i))
       TO '${temp.path('good.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 1000)`,
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  good = readFileSync(temp.path('good.parquet'));
});
afterAll(() => temp.cleanup());

async function readAll(path: string): Promise<{ rows: number; error: unknown }> {
  let rows = 0;
  try {
    const reader = await openLog({ path, mapping: {} });
    try {
      for await (const item of reader.items()) if (item.kind === 'query') rows++;
    } finally {
      await reader.close();
    }
    return { rows, error: undefined };
  } catch (error) {
    return { rows, error };
  }
}

describe('damaged Parquet files', () => {
  it('reads the undamaged file whole (the check costs no false alarm)', async () => {
    expect(await readAll(temp.path('good.parquet'))).toEqual({ rows: ROWS, error: undefined });
  });

  it('refuses a truncated file before any row, naming it', async () => {
    const path = temp.path('truncated.parquet');
    writeFileSync(path, good.subarray(0, Math.floor(good.length / 2)));
    const { rows, error } = await readAll(path);
    expect(rows).toBe(0);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`${path}: cannot read the Parquet file`);
  });

  it.each([0.5, 0.8, 0.95])('never ends normally when the file is damaged at %s of its length', async (where) => {
    const path = temp.path(`damaged-${where}.parquet`);
    const damaged = Buffer.from(good);
    const at = Math.floor(good.length * where);
    damaged.fill(0xab, at, at + 200);
    writeFileSync(path, damaged);
    const { rows, error } = await readAll(path);
    expect(rows).toBeLessThan(ROWS);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).file).toBe(path);
    expect((error as InputError).line).toBe(rows + 1);
  });
});
