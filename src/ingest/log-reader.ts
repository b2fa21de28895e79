import type { IngestItem } from '../core/query.ts';
import type { FieldMapping } from './field-mapping.ts';
import type { TurnMode } from './turns-reader.ts';

/**
 * `jsonl`, `json`, `csv`, `parquet`, `duckdb` name containers of flat rows (one query a record);
 * the others name log shapes, each read from whichever container holds it: `openai-chat`
 * (chat-completions requests and responses), `openai-batch` (Batch API input, joined to its output),
 * `otel` (OTLP JSON GenAI spans), `turns` (one row per message).
 */
export const LOG_FORMATS = ['jsonl', 'json', 'csv', 'parquet', 'duckdb', 'openai-chat', 'openai-batch', 'otel', 'turns'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface LogSource {
  path: string;
  /** Detected from the extension and content when absent. */
  format?: LogFormat;
  mapping: FieldMapping;
  /** DuckDB sources: the table (or schema.table) to read. */
  table?: string;
  /** DuckDB sources: a SELECT run against the attached file, instead of a table. */
  sql?: string;
  /** openai-batch: the Batch API output file joined to the input by custom_id. */
  batchOutput?: string;
  /** turns: replay the last assistant turn of each conversation (default) or every one. */
  turns?: TurnMode;
}

export interface LogReader {
  format: LogFormat;
  /** CSV header or table/Parquet schema; undefined for JSON, whose keys vary by record. */
  columns: string[] | undefined;
  /** Streams the log once, in file order: each record becomes a query or a reject. */
  items(): AsyncIterable<IngestItem>;
  /** Releases the file and any DuckDB instance; safe to call twice or after items() finished. */
  close(): Promise<void>;
  /** Records read but not replayed and not rejected (OTLP spans that are not chat calls), once items() has run. */
  skipped?(): { count: number; what: string };
}
