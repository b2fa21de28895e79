import type { DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../core/errors.ts';
import type { Migration, StorageFeatures } from './migrations/migration.ts';
import { inTransaction } from './transaction.ts';
import { timestampTZ } from './sql-values.ts';

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       VARCHAR NOT NULL,
  applied_at TIMESTAMPTZ NOT NULL
)`;

/** The highest applied version; 0 for a file that has never been migrated. */
export async function schemaVersion(connection: DuckDBConnection): Promise<number> {
  const exists = await connection.runAndReadAll(
    `SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'schema_migrations'`,
  );
  if (Number(exists.getRows()[0]?.[0] ?? 0) === 0) return 0;
  const reader = await connection.runAndReadAll('SELECT max(version) FROM schema_migrations');
  const value = reader.getRows()[0]?.[0];
  return value === null || value === undefined ? 0 : Number(value);
}

async function appliedVersions(connection: DuckDBConnection): Promise<Set<number>> {
  if ((await schemaVersion(connection)) === 0) return new Set();
  const reader = await connection.runAndReadAll('SELECT version FROM schema_migrations');
  return new Set(reader.getRows().map((row) => Number(row[0])));
}

export interface MigrateOptions {
  path: string;
  readOnly: boolean;
  now: () => Date;
}

/**
 * Brings the file up to the last of `migrations`, all pending steps in one transaction so a
 * failure leaves the file as it was. Returns the resulting version.
 */
export async function applyMigrations(
  connection: DuckDBConnection,
  migrations: readonly Migration[],
  options: MigrateOptions,
): Promise<number> {
  const known = migrations.at(-1)?.version ?? 0;
  const current = await schemaVersion(connection);
  if (current > known) {
    throw new UsageError(
      `${options.path}: the database is at schema version ${current}, newer than this hybrid-eval knows (${known}); use a newer hybrid-eval`,
    );
  }
  // Versions are assigned to branches developed side by side, so a file can hold later versions
  // and miss an earlier one that merged after them (011 after 012-016): apply every version not yet
  // recorded, in order, not only those above the highest.
  const applied = await appliedVersions(connection);
  const pending = migrations.filter((migration) => !applied.has(migration.version));
  if (pending.length === 0) return current;
  if (options.readOnly) {
    throw new UsageError(
      `${options.path}: the database is at schema version ${current} and needs upgrading to ${known}; open it once read-write (any hybrid-eval command that writes) first`,
    );
  }
  const storage = await storageFeatures(connection);
  await inTransaction(connection, async () => {
    await connection.run(CREATE_MIGRATIONS_TABLE);
    for (const migration of pending) {
      try {
        await connection.run(typeof migration.sql === 'string' ? migration.sql : migration.sql(storage));
      } catch (error) {
        throw new Error(`migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await connection.run('INSERT INTO schema_migrations VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        timestampTZ(options.now()),
      ]);
    }
  });
  return known;
}

/**
 * The current database's storage features, from the storage version DuckDB tags it with
 * ('v1.2.0+' on a file created with storage_compatibility_version v1.2.0; 'v1.0.0+' on files DuckDB
 * creates by default, which hybrid-eval did before, and which keep that format for good).
 */
export async function storageFeatures(connection: DuckDBConnection): Promise<StorageFeatures> {
  const reader = await connection.runAndReadAll(
    `SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = current_database()`,
  );
  const version = reader.getRows()[0]?.[0];
  return { longText: typeof version === 'string' && atLeast(version, [1, 2]) ? ' USING COMPRESSION zstd' : '' };
}

/** 'v1.2.0+' against [1, 2]: major.minor at least the given one. */
function atLeast(version: string, [major, minor]: [number, number]): boolean {
  const match = /^v(\d+)\.(\d+)/.exec(version);
  if (!match) return false;
  const [have, haveMinor] = [Number(match[1]), Number(match[2])];
  return have > major || (have === major && haveMinor >= minor);
}
