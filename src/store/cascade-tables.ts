import type { DuckDBConnection } from '@duckdb/node-api';
import type { ValidationRecord } from '../cascade/validation-record.ts';
import { UsageError } from '../core/errors.ts';
import { leaseInstance } from './open-instance.ts';
import { toDuckDBParams } from './sql-values.ts';
import { VALIDATIONS } from './table-layouts.ts';
import { inTransaction } from './transaction.ts';
import type { Store } from './types.ts';
import { appendRows, closeAppenders } from './write-batch.ts';

export interface CascadeSummaryRow {
  runId: string;
  validatorName: string;
  auroc: number | undefined;
  n: number;
  nBad: number;
  qualityBar: number | undefined;
  chosenThreshold: number | undefined;
  monthlyQueries: number | undefined;
  computedAt: Date;
}

/**
 * The cascade's writes (migration 14), on a connection of their own on the store's DuckDB instance
 * (the Store interface has no generic write), each in one transaction.
 */
async function withWriter<T>(store: Store, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  if (store.path === ':memory:') throw new UsageError('the cascade tables need a database file, not :memory:');
  if (store.schemaVersion < 14) throw new UsageError(`${store.path}: schema version ${store.schemaVersion} has no cascade tables (needs 14)`);
  const lease = await leaseInstance(store.path, false);
  try {
    const connection = await lease.instance.connect();
    try {
      return await inTransaction(connection, () => work(connection));
    } finally {
      closeAppenders(connection);
      connection.closeSync();
    }
  } finally {
    lease.release();
  }
}

/** Replaces the run's validations by the same validators (a re-validation), all rows or none. */
export function replaceValidations(store: Store, records: readonly ValidationRecord[]): Promise<void> {
  if (records.length === 0) return Promise.resolve();
  return withWriter(store, async (connection) => {
    const keys = new Set(records.map((record) => `${record.runId}\u0001${record.validator.name}`));
    for (const key of keys) {
      const [runId, validatorName] = key.split('\u0001') as [string, string];
      const ids = records.filter((record) => record.runId === runId && record.validator.name === validatorName).map((record) => record.queryId);
      // The ids travel as one string: the parameter binding takes no lists.
      await connection.run(
        'DELETE FROM validations WHERE run_id = $1 AND validator_name = $2 AND query_id IN (SELECT unnest(string_split($3, chr(1))))',
        toDuckDBParams([runId, validatorName, ids.join('\u0001')]),
      );
    }
    await appendRows(connection, VALIDATIONS, records);
  });
}

/**
 * The run and validator's stored curve becomes what `curveSql` computes now (run inside the
 * database: INSERT ... SELECT, no row goes through JavaScript), and its summary row `summary`.
 * curveSql takes $1 run id, $2 validator name, $3 monthly queries.
 */
export function replaceCurve(store: Store, curveSql: string, summary: CascadeSummaryRow): Promise<void> {
  return withWriter(store, async (connection) => {
    const { runId, validatorName } = summary;
    await connection.run('DELETE FROM cascade_curves WHERE run_id = $1 AND validator_name = $2', [runId, validatorName]);
    await connection.run('DELETE FROM cascade_summaries WHERE run_id = $1 AND validator_name = $2', [runId, validatorName]);
    await connection.run(
      `INSERT INTO cascade_curves SELECT $1, $2, curve.*, $4::TIMESTAMPTZ FROM (${curveSql}) AS curve`,
      toDuckDBParams([runId, validatorName, summary.monthlyQueries ?? null, summary.computedAt]),
    );
    await connection.run(
      'INSERT INTO cascade_summaries VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      toDuckDBParams([runId, validatorName, summary.auroc ?? null, summary.n, summary.nBad, summary.qualityBar ?? null, summary.chosenThreshold ?? null, summary.monthlyQueries ?? null, summary.computedAt]),
    );
  });
}

export function setChosenThreshold(store: Store, runId: string, validatorName: string, threshold: number): Promise<void> {
  return withWriter(store, async (connection) => {
    await connection.run('UPDATE cascade_summaries SET chosen_threshold = $3 WHERE run_id = $1 AND validator_name = $2', [runId, validatorName, threshold]);
  });
}
