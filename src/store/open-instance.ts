import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../core/errors.ts';
import { SerialQueue } from './serial-queue.ts';
import { sqlIdentifier, sqlString } from './sql-values.ts';

/**
 * Rows per row group in the files this harness writes (DuckDB's default is 122,880). A checkpoint
 * rewrites, compressed, every row group that was appended to since the last one, so the replay,
 * which appends a few rows per query and checkpoints every 16 MB of log, rewrote the whole growing
 * row group each time: a multi-turn log's 2 KB requests made that up to 280 MB of text per
 * checkpoint, read back and compressed again. Measured on 40,000 multi-turn requests
 * (bench/RESULTS.md, 2026-12-06): 8,192 rows cut the replay's CPU by about 15% and its peak RSS
 * by 60-90 MB. Queries over the tables are unaffected (DuckDB reads any row-group size; scans
 * parallelise per row group).
 */
export const ROW_GROUP_SIZE = 8192;

/**
 * DuckDB's file lock is per process, so a second DuckDBInstance on the same file in this process
 * would open without complaint and two writers would corrupt it. Stores on one path therefore
 * share one instance, closed when the last of them closes.
 */
interface SharedInstance {
  instance: DuckDBInstance;
  /** The store's catalog, which each connection USEs. */
  catalog: string;
  readOnly: boolean;
  users: number;
  /** Serialises schema upgrades of stores opened at the same time on this instance. */
  setup: SerialQueue;
}

const open = new Map<string, SharedInstance>();

export interface InstanceLease {
  /** A new connection to the store's database (never DuckDBInstance.connect: that one starts in the empty in-memory catalog). */
  connect(): Promise<DuckDBConnection>;
  /** Runs `task` alone among the tasks of every lease on this instance (for migrations). */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  release(): void;
}

/** Opens in progress: concurrent opens of one new file must not race DuckDB creating it. */
const opening = new Map<string, Promise<SharedInstance>>();

export async function leaseInstance(path: string, readOnly: boolean): Promise<InstanceLease> {
  if (path === ':memory:') {
    const instance = await DuckDBInstance.create(':memory:');
    return lease(undefined, { instance, catalog: 'memory', readOnly, users: 1, setup: new SerialQueue() });
  }
  const key = resolve(path);
  const pending = opening.get(key);
  if (pending) await pending.catch(() => undefined);
  const shared = open.get(key);
  if (shared) {
    if (shared.readOnly && !readOnly) {
      throw new UsageError(`${path}: already open read-only in this process; close that store before opening it read-write`);
    }
    shared.users += 1;
    return lease(key, shared);
  }
  const created = (async (): Promise<SharedInstance> => {
    checkPath(path, readOnly);
    const { instance, catalog } = await createInstance(path, readOnly);
    const entry: SharedInstance = { instance, catalog, readOnly, users: 0, setup: new SerialQueue() };
    open.set(key, entry);
    return entry;
  })();
  opening.set(key, created);
  try {
    const entry = await created;
    entry.users += 1;
    return lease(key, entry);
  } finally {
    opening.delete(key);
  }
}

/**
 * The file is attached to an in-memory instance rather than opened as the instance's own
 * database, because only ATTACH takes a row-group size. It keeps the name DuckDB gives a file it
 * opens (its stem), so current_database() and analysts' qualified names read as before.
 */
async function createInstance(path: string, readOnly: boolean): Promise<{ instance: DuckDBInstance; catalog: string }> {
  const instance = await DuckDBInstance.create(':memory:');
  const catalog = catalogName(path);
  const connection = await instance.connect();
  const options = readOnly ? 'READ_ONLY' : `ROW_GROUP_SIZE ${ROW_GROUP_SIZE}`;
  try {
    await connection.run(`ATTACH ${sqlString(path)} AS ${sqlIdentifier(catalog)} (${options})`);
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw new UsageError(describeOpenError(path, error as Error, readOnly), { cause: error });
  }
  connection.closeSync();
  return { instance, catalog };
}

/** The file's stem, as DuckDB names an opened file; a stem DuckDB reserves for its own catalogs gets another name. */
function catalogName(path: string): string {
  const stem = basename(path, extname(path));
  return ['memory', 'temp', 'system', 'main', ''].includes(stem.toLowerCase()) ? `${stem}_store` : stem;
}

function lease(key: string | undefined, shared: SharedInstance): InstanceLease {
  let released = false;
  return {
    async connect() {
      const connection = await shared.instance.connect();
      if (shared.catalog !== 'memory') {
        try {
          await connection.run(`USE ${sqlIdentifier(shared.catalog)}`);
        } catch (error) {
          connection.closeSync();
          throw error;
        }
      }
      return connection;
    },
    exclusive: (task) => shared.setup.run(task),
    release() {
      if (released) return;
      released = true;
      shared.users -= 1;
      if (shared.users > 0) return;
      if (key !== undefined) open.delete(key);
      shared.instance.closeSync();
    },
  };
}

function checkPath(path: string, readOnly: boolean): void {
  if (existsSync(path)) {
    if (statSync(path).isDirectory()) throw new UsageError(`${path}: is a directory, not a database file`);
    return;
  }
  if (readOnly) throw new UsageError(`${path}: no such database file`);
  const directory = dirname(path);
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw new UsageError(`${path}: cannot create directory ${directory}: ${(error as Error).message}`, { cause: error });
  }
}

function describeOpenError(path: string, error: Error, readOnly: boolean): string {
  // A read-write open conflicts with anyone holding the file; a read-only one only with a writer.
  if (/Could not set lock/i.test(error.message) && !readOnly) {
    return `${path}: another process has this database open (an analyst's session or another replay): close it, or use another --db. (${error.message})`;
  }
  if (/Could not set lock/i.test(error.message)) {
    return `${path}: another process has this database open for writing (DuckDB allows one writer per file, and no readers beside it). Wait for it to finish, or read a snapshot it writes. (${error.message})`;
  }
  return `${path}: cannot open the database: ${error.message}`;
}
