import type { DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../core/errors.ts';
import { leaseInstance, type InstanceLease } from './open-instance.ts';
import { SerialQueue } from './serial-queue.ts';
import { toDuckDBParams } from './sql-values.ts';
import { openStore } from './store.ts';
import { inTransaction } from './transaction.ts';
import type { Store } from './types.ts';

export const RATING_LABELS = ['simple', 'medium', 'complex', 'skip'] as const;
export type RatingLabel = (typeof RATING_LABELS)[number];

/** A `label_items` row: a query chosen for labelling. */
export interface LabelItem {
  itemId: string;
  split: 'test' | 'train';
  round: number;
  selectedBy: 'random' | 'margin' | 'entropy';
  uncertainty: number | undefined;
  routerVersion: string | undefined;
  probabilities: Record<string, number> | undefined;
  /** As logged; stays in the database. */
  originalText: string;
  /** Redacted by the privacy module: the only text a rater (or an export) sees. */
  displayText: string;
  dedupKey: string;
  /** Near-duplicates in the pool collapsed into this item (1 = none). */
  duplicates: number;
  sourceFile: string;
  sourceLine: number;
  sourceQueryId: string;
  createdAt: Date;
}

export interface LabelRating {
  itemId: string;
  rater: string;
  label: RatingLabel;
  ratedAt: Date;
  source: 'page' | 'import';
}

export interface Adjudication {
  itemId: string;
  label: 'simple' | 'medium' | 'complex';
  adjudicator: string;
  reason: string | undefined;
  decidedAt: Date;
}

export interface LabelTables {
  readonly store: Store;
  insertItems(rows: readonly LabelItem[]): Promise<void>;
  /** Inserts or replaces on (item, rater), all rows or none. */
  upsertRatings(rows: readonly LabelRating[]): Promise<{ inserted: number; updated: number }>;
  upsertAdjudications(rows: readonly Adjudication[]): Promise<void>;
  close(): Promise<void>;
}

const ROWS_PER_INSERT = 200;

/** The store (migrated) plus a write connection of its own, as for the spot-check tables. */
export async function openLabelTables(path: string, options: { mustExist?: boolean } = {}): Promise<LabelTables> {
  if (path === ':memory:') throw new UsageError('labelling needs a database file, not :memory:');
  const store = await openStore(path, { mustExist: options.mustExist ?? false });
  let lease: InstanceLease | undefined;
  try {
    lease = await leaseInstance(path, false);
    const connection = await lease.instance.connect();
    return new DuckDBLabelTables(store, lease, connection);
  } catch (error) {
    lease?.release();
    await store.close();
    throw error;
  }
}

class DuckDBLabelTables implements LabelTables {
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

  insertItems(rows: readonly LabelItem[]): Promise<void> {
    return this.write((connection) =>
      insertRows(
        connection,
        'label_items (item_id, split, round, selected_by, uncertainty, router_version, probabilities, original_text, display_text, dedup_key, duplicates, source_file, source_line, source_query_id, created_at)',
        rows.map((row) => [
          row.itemId,
          row.split,
          row.round,
          row.selectedBy,
          row.uncertainty,
          row.routerVersion,
          row.probabilities === undefined ? undefined : JSON.stringify(row.probabilities),
          row.originalText,
          row.displayText,
          row.dedupKey,
          row.duplicates,
          row.sourceFile,
          row.sourceLine,
          row.sourceQueryId,
          row.createdAt,
        ]),
      ),
    );
  }

  upsertRatings(rows: readonly LabelRating[]): Promise<{ inserted: number; updated: number }> {
    return this.write(async (connection) => {
      const before = await count(connection, 'label_ratings');
      await insertRows(
        connection,
        'label_ratings (item_id, rater, label, rated_at, source)',
        rows.map((row) => [row.itemId, row.rater, row.label, row.ratedAt, row.source]),
        'ON CONFLICT (item_id, rater) DO UPDATE SET label = excluded.label, rated_at = excluded.rated_at, source = excluded.source',
      );
      const inserted = (await count(connection, 'label_ratings')) - before;
      return { inserted, updated: rows.length - inserted };
    });
  }

  upsertAdjudications(rows: readonly Adjudication[]): Promise<void> {
    return this.write((connection) =>
      insertRows(
        connection,
        'label_adjudications (item_id, label, adjudicator, reason, decided_at)',
        rows.map((row) => [row.itemId, row.label, row.adjudicator, row.reason, row.decidedAt]),
        'ON CONFLICT (item_id) DO UPDATE SET label = excluded.label, adjudicator = excluded.adjudicator, reason = excluded.reason, decided_at = excluded.decided_at',
      ),
    );
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
    if (this.closed) return Promise.reject(new Error(`label tables of ${this.store.path} are closed`));
    return this.queue.run(() => inTransaction(this.connection, () => task(this.connection)));
  }
}

async function count(connection: DuckDBConnection, table: string): Promise<number> {
  const reader = await connection.runAndReadAll(`SELECT count(*) FROM ${table}`);
  return Number(reader.getRows()[0]?.[0] ?? 0);
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
