import type { LoggedRequest, LoggedResponse } from './conversation.ts';
import type { Tier } from './tier.ts';

/**
 * Who wrote a logged answer (dataset.answer_source). baseline: the production model (GPT-4), so it
 * stands in for the baseline call. human: a human agent, so it is stored as its own role and the
 * baseline model is still called.
 */
export const ANSWER_SOURCES = ['baseline', 'human'] as const;
export type AnswerSource = (typeof ANSWER_SOURCES)[number];

/** Where a record came from, so every error and reject can name it. */
export interface SourcePosition {
  file: string;
  /** 1-based line (JSONL/CSV) or row number (Parquet/DuckDB); for OTLP files, the line of the span's file. */
  line: number;
  /** OTLP: the span id, so an error can name the span as well as the line. */
  spanId?: string;
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
  /**
   * The answer production gave. With dataset.answer_source baseline (the default: the stack was
   * 100% GPT-4) it is stored as the baseline, source "log"; with human it is a human agent's reply,
   * stored under role 'human' while the baseline is called live.
   */
  loggedAnswer?: string;
  /** The log tagged this query as sensitive: it may only go to on-prem endpoints. */
  sensitive?: boolean;
  /**
   * The whole logged request (system prompt, history, tools, parameters) for logs that hold one.
   * When present it is what the replay sends (only the model swapped) and `text` is its last user
   * message; when absent the query is single-turn: `[system_prompt, user: text]`.
   */
  request?: LoggedRequest;
  /** 0-based index of the answered turn within its conversation (the assistant message's position). */
  turnIndex?: number;
  /** The full logged response (tool calls, usage, latency), when the log holds one; its text is also `loggedAnswer`. */
  loggedResponse?: LoggedResponse;
  source: SourcePosition;
}

/** A line that could not become a Query. Stored in `rejects`; the run goes on. */
export interface Reject extends SourcePosition {
  reason: string;
  /** The first bytes of the raw record, for the analyst. */
  raw?: string;
}

export type IngestItem = { kind: 'query'; query: Query } | { kind: 'reject'; reject: Reject };
