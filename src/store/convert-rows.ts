import { collectGarbage } from '../core/collect-garbage.ts';
import {
  DuckDBTypeId,
  JSDuckDBValueConverter,
  type DuckDBConnection,
  type DuckDBValueConverter,
  type JS,
} from '@duckdb/node-api';
import { toDuckDBParams } from './sql-values.ts';

/**
 * Results as plain JSON-friendly JS: integers of any width -> number (exact up to 2^53, which
 * counts and tokens never approach), DECIMAL -> number, timestamps -> ISO 8601 string,
 * DATE -> 'YYYY-MM-DD', NULL -> null. Nested values convert recursively through this converter.
 */
export const plainValueConverter: DuckDBValueConverter<unknown> = (value, type, self) => {
  if (value === null) return null;
  // JSDuckDBValueConverter recurses through whatever converter it is given; handing it this one
  // keeps nested values plain too. Its declared type is narrower than what this returns.
  const converter = self as DuckDBValueConverter<JS>;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return Number(value as bigint);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS: {
      const date = JSDuckDBValueConverter(value, type, converter) as Date;
      // +/-infinity have no ISO form; DuckDB's own spelling is the honest one.
      return Number.isFinite(date.getTime()) ? date.toISOString() : String(value);
    }
    case DuckDBTypeId.DATE:
      return String(value);
    default:
      return JSDuckDBValueConverter(value, type, converter);
  }
};

export async function readRows<T>(
  connection: DuckDBConnection,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T[]> {
  const reader = await connection.runAndReadAll(sql, params.length > 0 ? toDuckDBParams(params) : undefined);
  return reader.convertRowObjects(plainValueConverter) as T[];
}

/**
 * Column by column: { column: values[] }. For results of a million rows this is several times
 * faster than row objects (one converter call per cell either way, but no per-row object).
 */
export async function readColumns<T extends Record<string, unknown[]>>(
  connection: DuckDBConnection,
  sql: string,
  params: readonly unknown[] = [],
): Promise<T> {
  const reader = await connection.runAndReadAll(sql, params.length > 0 ? toDuckDBParams(params) : undefined);
  return reader.convertColumnsObject(plainValueConverter) as T;
}

/**
 * A fetched chunk's native memory is freed only when V8 finalizes its JS wrapper, and V8 does not
 * see that memory: streaming a million rows left some 200 MB of read chunks waiting for a
 * collection that heap pressure alone never asked for. The stream collects every
 * CHUNKS_PER_COLLECTION chunks.
 */
const CHUNKS_PER_COLLECTION = 32;

/**
 * Streams a result chunk by chunk (DuckDB's vectors, about 2,048 rows each), each as
 * { column: values[] } with the same values as `readColumns`: neither DuckDB nor JavaScript holds
 * the whole result, so a million-row read costs one chunk of memory, not the result's size.
 */
export async function streamColumns<T extends Record<string, unknown[]>>(
  connection: DuckDBConnection,
  sql: string,
  params: readonly unknown[],
  onChunk: (columns: T, rows: number) => void,
): Promise<void> {
  await fetchChunks(connection, sql, params, onChunk);
  // A finished result holds its query's native state (an aggregation's hash tables: tens of MB of
  // DuckDB's memory limit over a million queries) until V8 finalizes it. Unreachable now that
  // fetchChunks has returned, it is collected before the caller's next query needs that memory.
  collectGarbage();
}

async function fetchChunks<T extends Record<string, unknown[]>>(
  connection: DuckDBConnection,
  sql: string,
  params: readonly unknown[],
  onChunk: (columns: T, rows: number) => void,
): Promise<void> {
  const result = await connection.stream(sql, params.length > 0 ? toDuckDBParams(params) : undefined);
  const names = result.columnNames();
  for (let fetched = 1; ; fetched++) {
    if (fetched % CHUNKS_PER_COLLECTION === 0) collectGarbage();
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) return;
    const values = chunk.convertColumns(plainValueConverter);
    const columns: Record<string, unknown[]> = {};
    names.forEach((name, index) => (columns[name] = values[index]!));
    onChunk(columns as T, chunk.rowCount);
  }
}
