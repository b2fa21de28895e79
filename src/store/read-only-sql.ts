import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { UsageError } from '../core/errors.ts';
import { plainValueConverter } from './convert-rows.ts';
import { leaseInstance, type InstanceLease } from './open-instance.ts';
import { openStore } from './store.ts';
import type { Store } from './types.ts';

/**
 * Statement types an analyst's query may have. DuckDB plans DESCRIBE, SHOW, SUMMARIZE, FROM-first
 * queries and the reading PRAGMAs (table_info, show_tables, database_size, ...) as SELECT; PRAGMAs
 * that change settings, SET, COPY, ATTACH, INSTALL/LOAD, EXPORT and every write keep their own type.
 */
const READ_TYPES: ReadonlySet<StatementType> = new Set([StatementType.SELECT, StatementType.EXPLAIN]);

export const ALLOWED_STATEMENTS = 'SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, PRAGMA table_info (and the other reading PRAGMAs), EXPLAIN';

export interface SqlResult {
  columns: string[];
  /** Row batches as plain values (see convert-rows.ts), streamed from DuckDB chunk by chunk. */
  batches: AsyncIterable<unknown[][]>;
}

export interface ReadOnlySqlSession {
  /** The run `selected_run()` returns in this session; 'latest' is the newest complete run. Returns the id. */
  selectRun(run: string): Promise<string>;
  /** One read-only statement; anything else is a UsageError naming what was refused. */
  query(sql: string): Promise<SqlResult>;
  close(): Promise<void>;
}

/**
 * Analyst SQL over a results database, with no DuckDB CLI: the file is opened read-only (so even a
 * statement that slipped past the check cannot change it, and a replay that holds the file is
 * reported as such), and each statement is classified by DuckDB's own parser before it runs.
 */
export async function openReadOnlySql(path: string): Promise<ReadOnlySqlSession> {
  // openStore checks the file exists, turns lock conflicts into UsageErrors and refuses a schema
  // that needs upgrading; the session shares its DuckDB instance through the lease.
  const store: Store = await openStore(path, { mustExist: true, readOnly: true });
  let lease: InstanceLease | undefined;
  let connection: DuckDBConnection | undefined;
  try {
    lease = await leaseInstance(path, true);
    connection = await lease.instance.connect();
  } catch (error) {
    lease?.release();
    await store.close();
    throw error;
  }
  const open = connection;
  const held = lease;
  return {
    async selectRun(run) {
      const runId = run === 'latest' ? (await store.latestRun({ status: 'complete' }))?.run_id : run;
      if (runId === undefined) throw new UsageError(`--run latest: ${path} has no complete run`);
      if ((await store.getRun(runId)) === undefined) throw new UsageError(`run not found: ${run} (hybrid-eval runs --db ${path} lists them)`);
      await open.run('SET VARIABLE run_id = $1', [runId]);
      return runId;
    },
    async query(sql) {
      const statement = await prepareReadOnly(open, sql);
      try {
        const result = await statement.stream();
        return { columns: result.columnNames(), batches: result.yieldConvertedRows(plainValueConverter) as AsyncIterable<unknown[][]> };
      } catch (error) {
        throw new UsageError(firstLine(error), { cause: error });
      }
    },
    async close() {
      open.closeSync();
      held.release();
      await store.close();
    },
  };
}

/** Prepares `sql` if it is exactly one statement of a reading type; a UsageError otherwise. */
export async function prepareReadOnly(connection: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  let extracted;
  try {
    extracted = await connection.extractStatements(sql);
  } catch (error) {
    throw new UsageError(firstLine(error), { cause: error });
  }
  if (extracted.count === 0) throw new UsageError('no SQL statement given');
  if (extracted.count > 1) throw new UsageError(`one statement at a time, got ${extracted.count} (the run filter is --run, not a SET statement)`);
  let statement: DuckDBPreparedStatement;
  try {
    statement = await extracted.prepare(0);
  } catch (error) {
    // On a read-only file DuckDB refuses to even prepare most writes; say so in our words.
    const message = firstLine(error);
    if (/read-only/i.test(message)) throw new UsageError(`refused: the database is open read-only; allowed: ${ALLOWED_STATEMENTS} (${message})`, { cause: error });
    throw new UsageError(message, { cause: error });
  }
  const type = statement.statementType;
  if (!READ_TYPES.has(type)) {
    statement.destroySync();
    throw new UsageError(`refused: ${StatementType[type] ?? type} statements are not allowed here (read-only); allowed: ${ALLOWED_STATEMENTS}`);
  }
  return statement;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
