import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { JUDGMENTS, PAIRWISE_JUDGMENTS, PRIVACY_DECISIONS, QUERIES, REJECTS, RESPONSES, ROUTES, VALIDATIONS, type TableLayout } from './table-layouts.ts';
import type { StoreBatch } from './types.ts';

/**
 * One appender per (connection, table), kept between batches. An appender's native buffers are
 * released only when V8 collects the JS object, and V8 does not see that memory: one appender per
 * table per batch left about 100 MB of native memory waiting for a GC at 400K queries
 * (bench/RESULTS.md). Rows never stay in a kept appender: each use ends with a flush.
 */
const kept = new WeakMap<DuckDBConnection, Map<string, DuckDBAppender>>();

async function appenderFor(connection: DuckDBConnection, layout: TableLayout<unknown>): Promise<DuckDBAppender> {
  let byTable = kept.get(connection);
  if (byTable === undefined) {
    byTable = new Map();
    kept.set(connection, byTable);
  }
  const existing = byTable.get(layout.table);
  if (existing !== undefined) return existing;
  const appender = await connection.createAppender(layout.table);
  if (appender.columnCount !== layout.columns.length) {
    appender.closeSync();
    throw new Error(
      `table ${layout.table} has ${appender.columnCount} columns but the writer knows ${layout.columns.length}; the schema and src/store/table-layouts.ts disagree`,
    );
  }
  byTable.set(layout.table, appender);
  return appender;
}

/** Closes the appenders kept for a connection: before the connection closes, or when the schema changed. */
export function closeAppenders(connection: DuckDBConnection): void {
  const byTable = kept.get(connection);
  if (byTable === undefined) return;
  kept.delete(connection);
  for (const appender of byTable.values()) discard(appender);
}

/**
 * Appends `rows` to the layout's table through its appender and flushes it, so constraint errors
 * (duplicate keys) surface here. On any error the appender's buffer is discarded and the appender
 * closed and forgotten: an appender left to the garbage collector would flush its rows into
 * whatever transaction the connection is in by then, and DuckDB invalidates an appender whose
 * flush failed.
 */
export async function appendRows<Row>(
  connection: DuckDBConnection,
  layout: TableLayout<Row>,
  rows: readonly Row[],
): Promise<void> {
  if (rows.length === 0) return;
  const appender = await appenderFor(connection, layout as TableLayout<unknown>);
  try {
    for (const row of rows) {
      for (const column of layout.columns) {
        try {
          column.append(appender, row);
        } catch (error) {
          throw new Error(`${layout.table}: ${layout.key(row)}: ${(error as Error).message}`, { cause: error });
        }
      }
      appender.endRow();
    }
    try {
      appender.flushSync();
    } catch (error) {
      throw new Error(`${layout.table}: ${(error as Error).message}`, { cause: error });
    }
  } catch (error) {
    kept.get(connection)?.delete(layout.table);
    discard(appender);
    throw error;
  }
}

function discard(appender: DuckDBAppender): void {
  try {
    appender.clear();
  } catch {
    // Nothing buffered, or already broken: either way nothing will be flushed.
  }
  try {
    appender.closeSync();
  } catch {
    // Closing flushes; with the buffer cleared a failure here has nothing left to report.
  }
}

/**
 * Appends every row of a batch. It opens no transaction: the caller wraps this in one so the batch
 * lands whole or not at all (the kill test drives it directly to die before COMMIT).
 */
export async function appendBatchRows(connection: DuckDBConnection, runId: string, batch: StoreBatch): Promise<void> {
  checkRunIds(runId, batch);
  await appendRows(connection, QUERIES, (batch.queries ?? []).map((query) => ({ runId, query })));
  await appendRows(connection, ROUTES, batch.routes ?? []);
  await appendRows(connection, RESPONSES, batch.responses ?? []);
  await appendRows(connection, JUDGMENTS, batch.judgments ?? []);
  await appendRows(connection, PRIVACY_DECISIONS, batch.privacy ?? []);
  await appendRows(connection, VALIDATIONS, batch.validations ?? []);
  await appendRows(connection, PAIRWISE_JUDGMENTS, batch.pairwise ?? []);
  await appendRows(connection, REJECTS, (batch.rejects ?? []).map((reject) => ({ runId, reject })));
}

function checkRunIds(runId: string, batch: StoreBatch): void {
  const records = [...(batch.routes ?? []), ...(batch.responses ?? []), ...(batch.judgments ?? []), ...(batch.validations ?? []), ...(batch.pairwise ?? [])];
  const stray = records.find((record) => record.runId !== runId);
  if (stray) {
    throw new Error(`writeBatch(${runId}): a record for query ${stray.queryId} belongs to run ${stray.runId}`);
  }
}
