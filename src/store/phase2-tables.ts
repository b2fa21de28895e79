import type { DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../core/errors.ts';
import { leaseInstance } from './open-instance.ts';
import { toDuckDBParams } from './sql-values.ts';
import { openStore } from './store.ts';
import { inTransaction } from './transaction.ts';
import type { Store } from './types.ts';

/** Rows of one table: column names, then one array of values per row (undefined is NULL). */
export interface TableRows {
  table: 'loadtests' | 'loadtest_levels' | 'loadtest_requests' | 'loadtest_metrics' | 'capacity_plans' | 'capacity_hours' | 'capacity_policies';
  columns: readonly string[];
  rows: readonly (readonly unknown[])[];
}

const ROWS_PER_INSERT = 200;

/**
 * Writes a load test's or a capacity plan's rows, all or none, in one transaction. The Store
 * interface has no generic write (like the spot-check tables, these are written only here), so
 * this opens the store (migrating it) and a write connection of its own on the same instance.
 */
export async function writePhase2Rows(path: string, tables: readonly TableRows[]): Promise<void> {
  if (path === ':memory:') throw new UsageError('load tests and capacity plans need a database file, not :memory:');
  const store = await openStore(path);
  try {
    const lease = await leaseInstance(path, false);
    try {
      const connection = await lease.instance.connect();
      try {
        await inTransaction(connection, async () => {
          for (const table of tables) await insertRows(connection, table);
        });
      } finally {
        connection.closeSync();
      }
    } finally {
      lease.release();
    }
  } finally {
    await store.close();
  }
}

/** Reads with the ordinary store (which migrates an older file first). */
export async function readPhase2<T>(path: string, read: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(path, { mustExist: true });
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

async function insertRows(connection: DuckDBConnection, { table, columns, rows }: TableRows): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const params: unknown[] = [];
    const tuples = rows.slice(start, start + ROWS_PER_INSERT).map((row) => {
      if (row.length !== columns.length) throw new Error(`${table}: a row has ${row.length} values for ${columns.length} columns`);
      return `(${row.map((value) => {
        params.push(value);
        return `$${params.length}`;
      }).join(', ')})`;
    });
    await connection.run(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, toDuckDBParams(params));
  }
}
