import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { runCli, tempDir } from './cli.ts';

const dir = tempDir('hybrid-eval-sql-');
const db = join(dir, 'sql.duckdb');
const sql = (args: string[]) => runCli(['sql', ...args, '--db', db]);

beforeAll(async () => {
  for (const runId of ['first', 'second']) {
    expect((await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', '12', '--db', db, '--run-id', runId])).code).toBe(0);
  }
}, 300_000);

describe('hybrid-eval sql', () => {
  it('answers over the views in table, csv and json, with the run set by --run', async () => {
    const query = 'SELECT query_id, tier, served_score FROM pairs WHERE run_id = selected_run() ORDER BY query_id';
    const table = await sql([query, '--run', 'first']);
    expect(table.code).toBe(0);
    expect(table.stderr).toBe('run first\n');
    expect(table.stdout.split('\n')[0]).toMatch(/^query_id +\| tier +\| served_score$/);
    expect(table.stdout).toContain('(12 rows)');

    const csv = parse((await sql([query, '--run', 'first', '--format', 'csv'])).stdout, { columns: true }) as Record<string, string>[];
    const json = JSON.parse((await sql([query, '--run', 'latest', '--format', 'json'])).stdout) as Record<string, unknown>[];
    const store = await openStore(db, { readOnly: true });
    try {
      const expected = await store.all<{ query_id: string; served_score: number | null }>("SELECT query_id, served_score FROM pairs WHERE run_id = 'first' ORDER BY query_id");
      expect(csv.map((row) => row['query_id'])).toEqual(expected.map((row) => row.query_id));
      expect(csv.map((row) => (row['served_score'] === '' ? null : Number(row['served_score'])))).toEqual(expected.map((row) => row.served_score));
      // 'latest' is the newest complete run.
      expect(json).toHaveLength(12);
      expect(json[0]).toHaveProperty('query_id');
    } finally {
      await store.close();
    }
  });

  it('reads without a run too, and describes the schema', async () => {
    const runs = await sql(['SELECT run_id FROM runs ORDER BY created_at', '--format', 'json']);
    expect(JSON.parse(runs.stdout)).toEqual([{ run_id: 'first' }, { run_id: 'second' }]);
    expect((await sql(['DESCRIBE pairs'])).stdout).toContain('served_score');
    expect((await sql(["PRAGMA table_info('runs')"])).code).toBe(0);
    expect((await sql(['SHOW TABLES'])).stdout).toContain('quality_by_tier');
  });

  it('refuses every statement that is not a read, and leaves the file as it was', async () => {
    for (const statement of [
      "INSERT INTO runs SELECT * REPLACE ('x' AS run_id) FROM runs LIMIT 1",
      "UPDATE runs SET notes = 'x'",
      'DELETE FROM queries',
      'DROP VIEW pairs',
      'CREATE TABLE t (a INTEGER)',
      "COPY runs TO '" + join(dir, 'out.csv') + "'",
      "ATTACH '" + join(dir, 'other.duckdb') + "' AS other",
      "SET VARIABLE run_id = 'first'",
      'PRAGMA enable_profiling',
      'CHECKPOINT',
      'INSTALL httpfs',
    ]) {
      const result = await sql([statement]);
      expect(result.code, statement).toBe(2);
      expect(result.stderr, statement).toMatch(/refused|read-only/);
    }
    const two = await sql(['SELECT 1; SELECT 2']);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('one statement at a time');
    const store = await openStore(db, { readOnly: true });
    try {
      expect(await store.all('SELECT count(*) AS n FROM runs')).toEqual([{ n: 2 }]);
      expect(await store.all('SELECT count(*) AS n FROM queries')).toEqual([{ n: 24 }]);
    } finally {
      await store.close();
    }
   }, 300_000);

  it('says what is wrong: an unknown run, a bad format, a query error', async () => {
    const unknown = await sql(['SELECT 1', '--run', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('run not found: nope');
    expect((await sql(['SELECT 1', '--format', 'xml'])).stderr).toContain('--format must be one of table, csv, json');
    const missing = await sql(['SELECT * FROM no_such_view']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('Catalog Error');
  });
});
