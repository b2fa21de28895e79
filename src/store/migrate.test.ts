import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { readRows } from './convert-rows.ts';
import { applyMigrations, schemaVersion } from './migrate.ts';
import { MIGRATIONS } from './migrations/all-migrations.ts';
import { openStore } from './store.ts';
import { APPENDED_TABLES } from './table-layouts.ts';
import { tempDir } from './test-records.ts';

const now = () => new Date('2025-01-01T00:00:00Z');
let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

async function withRawDatabase<T>(path: string, work: (connection: Awaited<ReturnType<DuckDBInstance['connect']>>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const LATEST = MIGRATIONS.at(-1)!.version;

describe('migrations', () => {
  it('creates every table and view, recording each version', async () => {
    const store = await openStore(join(dir.path, 'nested', 'deeper', 'results.duckdb'), { now });
    try {
      expect(store.schemaVersion).toBe(MIGRATIONS.at(-1)!.version);
      const applied = await store.all('SELECT version, name, applied_at FROM schema_migrations ORDER BY version');
      expect(applied).toEqual(
        MIGRATIONS.map((migration) => ({ version: migration.version, name: migration.name, applied_at: '2025-01-01T00:00:00.000Z' })),
      );
      const relations = await store.all<{ name: string; kind: string }>(
        `SELECT table_name AS name, 'table' AS kind FROM duckdb_tables() WHERE NOT internal
         UNION ALL SELECT view_name, 'view' FROM duckdb_views() WHERE NOT internal ORDER BY kind, name`,
      );
      // The spine's relations; later migrations add more (judge, spot-checks, ...).
      expect(relations.map((relation) => `${relation.kind}:${relation.name}`)).toEqual(expect.arrayContaining([
        'table:gate_decisions',
        'table:judgments',
        'table:queries',
        'table:rejects',
        'table:responses',
        'table:routes',
        'table:runs',
        'table:schema_migrations',
        'view:cost_by_endpoint',
        'view:current_judgments',
        'view:latency_by_endpoint',
        'view:pairs',
        'view:quality_by_tier',
      ]));
    } finally {
      await store.close();
    }
  });

  it('appender layouts list every column of their table, in order', async () => {
    const store = await openStore(join(dir.path, 'layouts.duckdb'));
    try {
      for (const layout of APPENDED_TABLES) {
        const columns = await store.all<{ name: string }>(`SELECT name FROM pragma_table_info('${layout.table}') ORDER BY cid`);
        expect(columns.map((column) => column.name), layout.table).toEqual(layout.columns.map((column) => column.name));
      }
    } finally {
      await store.close();
    }
  });

  it('a newer binary opens a file written at version 1 and upgrades it, keeping its rows', async () => {
    const path = join(dir.path, 'old.duckdb');
    await withRawDatabase(path, async (connection) => {
      expect(await applyMigrations(connection, MIGRATIONS.slice(0, 1), { path, readOnly: false, now })).toBe(1);
      await connection.run(
        `INSERT INTO runs (run_id, created_at, status, mode, dataset, policy, config_json) VALUES ('old-run', now(), 'complete', 'shadow', 'd.jsonl', 'oracle', '{}')`,
      );
      await connection.run(`INSERT INTO queries (run_id, query_id, text, source_file, source_line) VALUES ('old-run', 'q1', 'hi', 'd.jsonl', 1)`);
      await connection.run(`INSERT INTO routes (run_id, query_id, policy, tier, endpoint) VALUES ('old-run', 'q1', 'oracle', 'simple', 'llama')`);
    });
    await withRawDatabase(path, async (connection) => expect(await schemaVersion(connection)).toBe(1));

    const store = await openStore(path, { now });
    try {
      expect(store.schemaVersion).toBe(LATEST);
      expect((await store.all('SELECT version FROM schema_migrations ORDER BY version')).map((row) => row['version'])).toEqual(MIGRATIONS.map((migration) => migration.version));
      expect(await store.all('SELECT run_id, query_id, tier, query_text FROM pairs')).toEqual([
        { run_id: 'old-run', query_id: 'q1', tier: 'simple', query_text: 'hi' },
      ]);
      expect((await store.getRun('old-run'))?.status).toBe('complete');
    } finally {
      await store.close();
    }
  });

  it('applies a version that merged after later ones (a file at 16 without 11 gets 11)', async () => {
    const path = join(dir.path, 'gap.duckdb');
    const skipped = MIGRATIONS.find((migration) => migration.version === 11)!;
    await withRawDatabase(path, (connection) => applyMigrations(connection, MIGRATIONS.filter((migration) => migration !== skipped), { path, readOnly: false, now }));
    await withRawDatabase(path, async (connection) => {
      expect(await readRows(connection, `SELECT * FROM duckdb_tables() WHERE table_name = 'onprem_judge_agreement'`)).toEqual([]);
    });
    const store = await openStore(path, { now });
    try {
      expect((await store.all('SELECT version FROM schema_migrations ORDER BY version')).map((row) => row['version'])).toEqual(MIGRATIONS.map((migration) => migration.version));
      expect(await store.all('SELECT count(*)::INTEGER AS n FROM onprem_judge_agreement')).toEqual([{ n: 0 }]);
    } finally {
      await store.close();
    }
  });

  it('refuses a file whose schema is newer than this binary knows', async () => {
    const path = join(dir.path, 'future.duckdb');
    await (await openStore(path)).close();
    await withRawDatabase(path, (connection) => connection.run(`INSERT INTO schema_migrations VALUES (99, 'from-the-future', now())`));
    await expect(openStore(path)).rejects.toThrow(UsageError);
    await expect(openStore(path)).rejects.toThrow(new RegExp(`schema version 99, newer than this hybrid-eval knows \\(${LATEST}\\)`));
    await expect(openStore(path, { readOnly: true })).rejects.toThrow(/newer/);
  });

  it('will not upgrade a file opened read-only', async () => {
    const path = join(dir.path, 'old-readonly.duckdb');
    await withRawDatabase(path, (connection) => applyMigrations(connection, MIGRATIONS.slice(0, 1), { path, readOnly: false, now }));
    await expect(openStore(path, { readOnly: true })).rejects.toThrow(new RegExp(`schema version 1 and needs upgrading to ${LATEST}`));
  });

  it('a failing migration leaves the file as it was', async () => {
    const path = join(dir.path, 'broken.duckdb');
    await (await openStore(path)).close();
    const broken = [...MIGRATIONS, { version: LATEST + 1, name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER); SELECT * FROM no_such_table;' }];
    await withRawDatabase(path, async (connection) => {
      await expect(applyMigrations(connection, broken, { path, readOnly: false, now })).rejects.toThrow(new RegExp(`migration ${LATEST + 1} \\(broken\\) failed`));
      expect(await schemaVersion(connection)).toBe(LATEST);
      expect(await readRows(connection, `SELECT * FROM duckdb_tables() WHERE table_name = 'half_done'`)).toEqual([]);
    });
  });
});

describe('openStore paths', () => {
  it('names the path when it cannot be used', async () => {
    const file = join(dir.path, 'a-file');
    writeFileSync(file, 'not a directory');
    await expect(openStore(join(file, 'results.duckdb'))).rejects.toThrow(UsageError);
    await expect(openStore(join(file, 'results.duckdb'))).rejects.toThrow(/cannot create directory/);

    const directory = join(dir.path, 'a-directory');
    mkdirSync(directory);
    await expect(openStore(directory)).rejects.toThrow(/is a directory/);

    await expect(openStore(join(dir.path, 'missing.duckdb'), { readOnly: true })).rejects.toThrow(/no such database file/);
    await expect(openStore(join(dir.path, 'missing.duckdb'), { mustExist: true })).rejects.toThrow(/no such database file/);

    const garbage = join(dir.path, 'garbage.duckdb');
    writeFileSync(garbage, 'this is not a DuckDB file'.repeat(400));
    await expect(openStore(garbage)).rejects.toThrow(UsageError);
    await expect(openStore(garbage)).rejects.toThrow(/garbage\.duckdb: cannot open the database/);
  });
});
