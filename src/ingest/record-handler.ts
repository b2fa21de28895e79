import type { IngestItem } from '../core/query.ts';
import { checkColumns, type ResolvedMapping } from './field-mapping.ts';
import { createRecordConverter, type ReadColumn } from './record-to-item.ts';

/**
 * The split between where records come from (JSONL lines, a JSON array, CSV rows, Parquet/DuckDB
 * rows) and what they mean (flat rows, chat requests, Batch lines, OTLP exports, turn rows): a
 * container reader turns bytes into SourceRecords and hands each to a RecordHandler, which yields
 * zero or more items (a turn table holds a conversation back until its last row).
 */
export interface SourceRecord {
  read: ReadColumn;
  line: number;
  /** The record as text, for rejects (first 200 characters kept). */
  raw: string;
  /** The parsed object, for JSON containers. */
  object?: Record<string, unknown>;
}

export interface RecordHandler {
  take(record: SourceRecord): Iterable<IngestItem>;
  /** The end of the file: a handler holding records back yields them now. */
  finish(): Iterable<IngestItem>;
}

/**
 * Called once the container knows its columns (a CSV header, a table schema; undefined for JSON,
 * whose keys vary by record): checks the mapping against them (a UsageError before anything is read)
 * and returns how to make the handler for the one pass over the file.
 */
export type PrepareHandler = (columns: readonly string[] | undefined) => () => RecordHandler;

/** Flat rows: one record, one query, the query text from the mapped column. */
export function flatHandler(file: string, mapping: ResolvedMapping): PrepareHandler {
  return (columns) => {
    if (columns !== undefined) checkColumns(file, mapping, columns);
    return () => {
      const convert = createRecordConverter(file, mapping);
      return { take: (record) => [convert(record.read, record.line, record.raw)], finish: () => [] };
    };
  };
}
