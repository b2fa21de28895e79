import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { UsageError } from '../core/errors.ts';
import { SerialQueue } from './serial-queue.ts';

/**
 * DuckDB's file lock is per process, so a second DuckDBInstance on the same file in this process
 * would open without complaint and two writers would corrupt it. Stores on one path therefore
 * share one instance, closed when the last of them closes.
 */
interface SharedInstance {
  instance: DuckDBInstance;
  readOnly: boolean;
  users: number;
  /** Serialises schema upgrades of stores opened at the same time on this instance. */
  setup: SerialQueue;
}

const open = new Map<string, SharedInstance>();

export interface InstanceLease {
  instance: DuckDBInstance;
  /** Runs `task` alone among the tasks of every lease on this instance (for migrations). */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
  release(): void;
}

/** Opens in progress: concurrent opens of one new file must not race DuckDB creating it. */
const opening = new Map<string, Promise<SharedInstance>>();

export async function leaseInstance(path: string, readOnly: boolean): Promise<InstanceLease> {
  if (path === ':memory:') {
    const instance = await createInstance(path, readOnly);
    return lease(undefined, { instance, readOnly, users: 1, setup: new SerialQueue() });
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
    const instance = await createInstance(path, readOnly);
    const entry: SharedInstance = { instance, readOnly, users: 0, setup: new SerialQueue() };
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
 * The storage format of files hybrid-eval creates: v1.2 has ZSTD for strings, which the long text
 * columns use (migrations/migration.ts, StorageFeatures); DuckDB 1.2 and later read it. A file
 * created before keeps its format: DuckDB applies this setting only when it creates a file.
 */
const STORAGE_VERSION = 'v1.2.0';

async function createInstance(path: string, readOnly: boolean): Promise<DuckDBInstance> {
  try {
    return await DuckDBInstance.create(path, readOnly ? { access_mode: 'READ_ONLY' } : { storage_compatibility_version: STORAGE_VERSION });
  } catch (error) {
    throw new UsageError(describeOpenError(path, error as Error, readOnly), { cause: error });
  }
}

function lease(key: string | undefined, shared: SharedInstance): InstanceLease {
  let released = false;
  return {
    instance: shared.instance,
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
