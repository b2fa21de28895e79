import type { Tier } from './tier.ts';

/** Where a record came from, so every error and reject can name it. */
export interface SourcePosition {
  file: string;
  /** 1-based line (JSONL/CSV) or row number (Parquet/DuckDB). */
  line: number;
}

/** One logged production query, after field mapping. Plain data. */
export interface Query {
  queryId: string;
  text: string;
  timestamp?: string;
  conversationId?: string;
  channel?: string;
  /** Human tier label, when the log carries one. */
  label?: Tier;
  /** Known facts / reference answer, when the log carries one (the generated sample does). */
  reference?: string;
  /** The answer production gave (the stack was 100% GPT-4): stored as the baseline, source "log". */
  loggedAnswer?: string;
  /** The log tagged this query as sensitive: it may only go to on-prem endpoints. */
  sensitive?: boolean;
  source: SourcePosition;
}

/** A line that could not become a Query. Stored in `rejects`; the run goes on. */
export interface Reject extends SourcePosition {
  reason: string;
  /** The first bytes of the raw record, for the analyst. */
  raw?: string;
}

export type IngestItem = { kind: 'query'; query: Query } | { kind: 'reject'; reject: Reject };
