import type { IngestItem } from '../core/query.ts';
import type { FieldMapping } from './field-mapping.ts';

export const LOG_FORMATS = ['jsonl', 'csv', 'parquet', 'duckdb'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogSource {
  path: string;
  /** Taken from the extension when absent. */
  format?: LogFormat;
  mapping: FieldMapping;
  /** DuckDB sources: the table (or schema.table) to read. */
  table?: string;
  /** DuckDB sources: a SELECT run against the attached file, instead of a table. */
  sql?: string;
}

export interface LogReader {
  format: LogFormat;
  /** CSV header or table/Parquet schema; undefined for JSONL, whose keys vary by line. */
  columns: string[] | undefined;
  /** Streams the log once, in file order: each record becomes a query or a reject. */
  items(): AsyncIterable<IngestItem>;
  /** Releases the file and any DuckDB instance; safe to call twice or after items() finished. */
  close(): Promise<void>;
}
