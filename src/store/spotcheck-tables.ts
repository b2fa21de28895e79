import type { DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../core/errors.ts';
import { readRows } from './convert-rows.ts';
import { leaseInstance, type InstanceLease } from './open-instance.ts';
import { SerialQueue } from './serial-queue.ts';
import { toDuckDBParams } from './sql-values.ts';
import { openStore } from './store.ts';
import { inTransaction } from './transaction.ts';
import type { Store } from './types.ts';

export const HUMAN_ROLES = ['candidate', 'baseline'] as const;
export type HumanRole = (typeof HUMAN_ROLES)[number];
export const PREFERENCES = ['candidate', 'baseline', 'tie'] as const;
export type Preference = (typeof PREFERENCES)[number];
export const SCORE_BANDS = ['unscored', 'disagree', 'low', 'mid', 'high'] as const;
export type ScoreBand = (typeof SCORE_BANDS)[number];
export const AGREEMENT_ROLES = ['candidate', 'baseline', 'overall'] as const;
export type AgreementRole = (typeof AGREEMENT_ROLES)[number];

/** A `human_ratings` row. */
export interface HumanRating {
  runId: string;
  queryId: string;
  rater: string;
  role: HumanRole;
  /** 1-5. */
  score: number;
  preference: Preference | undefined;
  ratedAt: Date;
  source: 'page' | 'import';
}

/** A `spotcheck_samples` row. */
export interface SampleRow {
  runId: string;
  queryId: string;
  position: number;
  tier: string;
  band: ScoreBand;
  stratum: string;
  reason: string;
  seed: number;
  requestedN: number;
  sampledAt: Date;
}

/** A `spotcheck_agreement` row. value undefined: the figure is undefined (note says why). */
export interface AgreementRow {
  runId: string;
  metric: string;
  role: AgreementRole;
  value: number | undefined;
  n: number;
  raters: number;
  note: string | undefined;
  computedAt: Date;
}

export interface SpotcheckTables {
  /** The ordinary store on the same file, for reads. */
  readonly store: Store;
  /** The run's sample becomes exactly `rows`, in one transaction. */
  replaceSample(runId: string, rows: readonly SampleRow[]): Promise<void>;
  /** Inserts or replaces on (run, query, rater, role), all rows or none. Returns how many keys were new. */
  upsertRatings(rows: readonly HumanRating[]): Promise<{ inserted: number; updated: number }>;
  /** The run's agreement figures become exactly `rows`, in one transaction. */
  replaceAgreement(runId: string, rows: readonly AgreementRow[]): Promise<void>;
  close(): Promise<void>;
}

// Rows per INSERT statement: DuckDB binds each value as a parameter, and a few hundred rows a
// statement keeps an import of thousands of ratings to a handful of round trips.
const ROWS_PER_INSERT = 200;

/**
 * Opens the store (migrating it) plus a write connection of its own on the same DuckDB instance:
 * the Store interface has no generic write, and these tables are written only here. Writes are
 * serialised on that connection, each in its own transaction.
 */
export async function openSpotcheckTables(path: string, options: { mustExist?: boolean; now?: () => Date } = {}): Promise<SpotcheckTables> {
  if (path === ':memory:') throw new UsageError('spot-checks need a database file, not :memory:');
  const store = await openStore(path, { mustExist: options.mustExist ?? true, ...(options.now ? { now: options.now } : {}) });
  let lease: InstanceLease | undefined;
  try {
    lease = await leaseInstance(path, false);
    const connection = await lease.instance.connect();
    return new DuckDBSpotcheckTables(store, lease, connection);
  } catch (error) {
    lease?.release();
    await store.close();
    throw error;
  }
}

class DuckDBSpotcheckTables implements SpotcheckTables {
  readonly store: Store;
  private readonly lease: InstanceLease;
  private readonly connection: DuckDBConnection;
  private readonly queue = new SerialQueue();
  private closed = false;

  constructor(store: Store, lease: InstanceLease, connection: DuckDBConnection) {
    this.store = store;
    this.lease = lease;
    this.connection = connection;
  }

  replaceSample(runId: string, rows: readonly SampleRow[]): Promise<void> {
    return this.write(async (connection) => {
      await requireRun(connection, runId, this.store.path);
      await connection.run('DELETE FROM spotcheck_samples WHERE run_id = $1', [runId]);
      await insertRows(
        connection,
        'spotcheck_samples (run_id, query_id, position, tier, band, stratum, reason, seed, requested_n, sampled_at)',
        rows.map((row) => [row.runId, row.queryId, row.position, row.tier, row.band, row.stratum, row.reason, row.seed, row.requestedN, row.sampledAt]),
      );
    });
  }

  upsertRatings(rows: readonly HumanRating[]): Promise<{ inserted: number; updated: number }> {
    return this.write(async (connection) => {
      for (const runId of new Set(rows.map((row) => row.runId))) await requireRun(connection, runId, this.store.path);
      const [before] = await readRows<{ n: number }>(connection, 'SELECT count(*) AS n FROM human_ratings');
      await insertRows(
        connection,
        'human_ratings (run_id, query_id, rater, role, score, preference, rated_at, source)',
        rows.map((row) => [row.runId, row.queryId, row.rater, row.role, row.score, row.preference, row.ratedAt, row.source]),
        `ON CONFLICT (run_id, query_id, rater, role) DO UPDATE SET
           score = excluded.score, preference = excluded.preference, rated_at = excluded.rated_at, source = excluded.source`,
      );
      const [after] = await readRows<{ n: number }>(connection, 'SELECT count(*) AS n FROM human_ratings');
      const inserted = (after?.n ?? 0) - (before?.n ?? 0);
      return { inserted, updated: rows.length - inserted };
    });
  }

  replaceAgreement(runId: string, rows: readonly AgreementRow[]): Promise<void> {
    return this.write(async (connection) => {
      await requireRun(connection, runId, this.store.path);
      await connection.run('DELETE FROM spotcheck_agreement WHERE run_id = $1', [runId]);
      await insertRows(
        connection,
        'spotcheck_agreement (run_id, metric, role, value, n, raters, note, computed_at)',
        rows.map((row) => [row.runId, row.metric, row.role, row.value, row.n, row.raters, row.note, row.computedAt]),
      );
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.run(async () => undefined);
    this.connection.closeSync();
    this.lease.release();
    await this.store.close();
  }

  private write<T>(task: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`spot-check tables of ${this.store.path} are closed`));
    return this.queue.run(() => inTransaction(this.connection, () => task(this.connection)));
  }
}

async function requireRun(connection: DuckDBConnection, runId: string, path: string): Promise<void> {
  const rows = await readRows(connection, 'SELECT 1 FROM runs WHERE run_id = $1', [runId]);
  if (rows.length === 0) throw new UsageError(`no run ${runId} in ${path}`);
}

async function insertRows(connection: DuckDBConnection, target: string, rows: readonly unknown[][], suffix = ''): Promise<void> {
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const chunk = rows.slice(start, start + ROWS_PER_INSERT);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const placeholders = row.map((value) => {
        params.push(value);
        return `$${params.length}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    await connection.run(`INSERT INTO ${target} VALUES ${tuples.join(', ')} ${suffix}`, toDuckDBParams(params));
  }
}
