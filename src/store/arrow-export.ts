import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DuckDBTypeId, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import { plainValueConverter } from './convert-rows.ts';

type ArrowModule = typeof import('apache-arrow');

/**
 * DuckDB 1.5 has no Arrow IPC writer in its core (COPY ... (FORMAT arrow) needs the nanoarrow
 * community extension, downloaded at run time, which an offline site cannot do), so results are
 * streamed chunk by chunk into apache-arrow's IPC *file* writer (.arrow, readable by pyarrow,
 * polars and apache-arrow). Types are mapped once from DuckDB's column types so every batch
 * shares one schema; timestamps keep millisecond precision, which is all a JS Date carries.
 */
export async function writeArrowFile(connection: DuckDBConnection, sql: string, path: string): Promise<void> {
  const arrow: ArrowModule = await import('apache-arrow');
  const result = await connection.stream(sql);
  const names = result.deduplicatedColumnNames();
  const types = result.columnTypes();
  const columns = types.map((type, index) => arrowColumn(arrow, names[index] ?? `column_${index}`, type));
  const schema = new arrow.Schema(columns.map((column) => column.field));

  const writer = new arrow.RecordBatchFileWriter();
  const written = pipeline(Readable.from(writer), createWriteStream(path));
  // Resetting with the schema writes it up front, so an empty result is still a valid file.
  writer.reset(undefined, schema);
  try {
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const values = chunk.convertColumns(plainValueConverter);
      const children = columns.map((column, index) =>
        arrow.vectorFromArray((values[index] ?? []).map(column.toArrow), column.field.type).data[0]!,
      );
      const data = arrow.makeData({ type: new arrow.Struct(schema.fields), length: chunk.rowCount, children });
      writer.write(new arrow.RecordBatch(schema, data));
    }
  } finally {
    writer.close();
  }
  await written;
}

interface ArrowColumn {
  field: InstanceType<ArrowModule['Field']>;
  toArrow: (value: unknown) => unknown;
}

function arrowColumn(arrow: ArrowModule, name: string, type: DuckDBType): ArrowColumn {
  const field = (arrowType: InstanceType<ArrowModule['DataType']>) => new arrow.Field(name, arrowType, true);
  const same = (value: unknown) => value;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { field: field(new arrow.Bool()), toArrow: same };
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
      return { field: field(new arrow.Int32()), toArrow: same };
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return {
        field: field(new arrow.Int64()),
        toArrow: (value) => (value === null ? null : BigInt(value as number)),
      };
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return { field: field(new arrow.Float64()), toArrow: same };
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return {
        field: field(new arrow.TimestampMillisecond(type.typeId === DuckDBTypeId.TIMESTAMP_TZ ? 'UTC' : null)),
        toArrow: (value) => (value === null ? null : Date.parse(value as string)),
      };
    case DuckDBTypeId.VARCHAR:
      return { field: field(new arrow.Utf8()), toArrow: same };
    default:
      // Dates, lists, structs: text keeps them readable without a type mapping per nesting.
      return {
        field: field(new arrow.Utf8()),
        toArrow: (value) => (value === null ? null : typeof value === 'string' ? value : JSON.stringify(value)),
      };
  }
}
