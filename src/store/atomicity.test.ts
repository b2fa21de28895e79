import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { openStore } from './store.ts';
import { fullBatch, judgment, query, reject, response, scored, tempDir } from './test-records.ts';
import type { Store } from './types.ts';

let dir: ReturnType<typeof tempDir>;
let store: Store;
const RUN = { runId: 'r1', mode: 'shadow', dataset: 'logs.jsonl', policy: 'oracle', config: {} };

beforeEach(async () => {
  dir = tempDir();
  store = await openStore(join(dir.path, 'atomic.duckdb'));
  await store.createRun(RUN);
});
afterEach(async () => {
  await store.close();
  dir.remove();
});

async function counts(): Promise<Record<string, unknown>> {
  const [row] = await store.all(
    `SELECT (SELECT count(*) FROM queries) AS queries, (SELECT count(*) FROM routes) AS routes,
            (SELECT count(*) FROM responses) AS responses, (SELECT count(*) FROM judgments) AS judgments,
            (SELECT count(*) FROM rejects) AS rejects`,
  );
  return row!;
}

describe('DuckDB appender and transactions', () => {
  it('rows appended and flushed inside BEGIN are gone after ROLLBACK', async () => {
    const instance = await DuckDBInstance.create(join(dir.path, 'raw.duckdb'));
    const connection = await instance.connect();
    try {
      await connection.run('CREATE TABLE t (id VARCHAR PRIMARY KEY, x DOUBLE)');
      await connection.run('BEGIN TRANSACTION');
      const appender = await connection.createAppender('t');
      for (let index = 0; index < 5000; index++) {
        appender.appendVarchar(`k${index}`);
        appender.appendDouble(index);
        appender.endRow();
      }
      appender.closeSync();
      // Visible inside the transaction that appended them...
      expect((await connection.runAndReadAll('SELECT count(*) FROM t')).getRows()).toEqual([[5000n]]);
      await connection.run('ROLLBACK');
      // ...and not at all after it is rolled back.
      expect((await connection.runAndReadAll('SELECT count(*) FROM t')).getRows()).toEqual([[0n]]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('writeBatch', () => {
  it('writes every table of a batch in one go', async () => {
    await store.writeBatch('r1', { ...fullBatch('r1', 0, 3), rejects: [reject(100)] });
    expect(await counts()).toEqual({ queries: 3, routes: 3, responses: 6, judgments: 6, rejects: 1 });
    expect(await store.completedQueryIds('r1')).toEqual(new Set(['q000000', 'q000001', 'q000002']));
    expect(await store.completedQueryIds('other')).toEqual(new Set());
  });

  it('a duplicate key in the last table undoes the whole batch', async () => {
    const batch = { ...fullBatch('r1', 0, 3), rejects: [reject(5), reject(5)] };
    await expect(store.writeBatch('r1', batch)).rejects.toThrow(/nothing of this batch was written: rejects: .*(duplicate|Duplicate)/s);
    expect(await counts()).toEqual({ queries: 0, routes: 0, responses: 0, judgments: 0, rejects: 0 });
  });

  it('a key already stored is an error, not a second row', async () => {
    await store.writeBatch('r1', fullBatch('r1', 0, 2));
    await expect(store.writeBatch('r1', fullBatch('r1', 1, 2))).rejects.toThrow(/queries: .*q000001/s);
    expect(await counts()).toEqual({ queries: 2, routes: 2, responses: 4, judgments: 4, rejects: 0 });
    // The connection is usable again after the failed batch.
    await store.writeBatch('r1', fullBatch('r1', 2, 1));
    expect((await counts())['queries']).toBe(3);
  });

  it('a bad value names its table, record and field, and nothing is written', async () => {
    const batch = fullBatch('r1', 0, 2);
    const responses = [...batch.responses!, response('r1', 'q000001', 'fallback', { promptTokens: 12.5 })];
    await expect(store.writeBatch('r1', { ...batch, responses })).rejects.toThrow(
      /responses: fallback response of query q000001: prompt_tokens: expected a 32-bit integer, got 12.5/,
    );
    expect(await counts()).toEqual({ queries: 0, routes: 0, responses: 0, judgments: 0, rejects: 0 });
  });

  it('a score on an unscored verdict cannot be stored (the CHECK holds even if a caller cheats)', async () => {
    await expect(
      store.all(`INSERT INTO judgments (run_id, query_id, role, kind, judge_name, rubric, rubric_version, prompt_hash, judge_model, status, score, created_at)
                 VALUES ('r1', 'q', 'candidate', 'single', 'j', 'r', '1', 'h', 'm', 'unscored', 0, now())`),
    ).rejects.toThrow(/CHECK/i);
  });

  it('refuses unknown runs and records of another run', async () => {
    await expect(store.writeBatch('nope', { queries: [query('q1')] })).rejects.toThrow(UsageError);
    await expect(
      store.writeBatch('r1', { queries: [query('q1')], judgments: [judgment('r2', 'q1', 'candidate', scored(3))] }),
    ).rejects.toThrow(/belongs to run r2/);
    expect((await counts())['queries']).toBe(0);
  });

  it('concurrent calls are serialised, each its own transaction', async () => {
    const writes = [0, 1, 2, 3, 4].map((index) => store.writeBatch('r1', fullBatch('r1', index * 10, 10)));
    // One of them fails (duplicate of the first) without disturbing the others.
    writes.push(store.writeBatch('r1', fullBatch('r1', 0, 1)));
    const results = await Promise.allSettled(writes);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    expect(await counts()).toEqual({ queries: 50, routes: 50, responses: 100, judgments: 100, rejects: 0 });
  });
});
