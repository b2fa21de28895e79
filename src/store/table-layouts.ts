import type { DuckDBAppender } from '@duckdb/node-api';
import type { JudgmentRecord } from '../core/judgment.ts';
import type { Query, Reject } from '../core/query.ts';
import type { ResponseRecord } from '../core/response.ts';
import type { RouteRecord } from '../core/route.ts';
import type { PrivacyRecord } from '../privacy/record.ts';
import type { ValidationRecord } from '../cascade/validation-record.ts';
import { jsonText, timestampTZ } from './sql-values.ts';
import { toolCallsKey } from './tool-call-key.ts';
import { requestJson } from './request-json.ts';
import type { PairwiseJudgmentRecord } from './judge-tables.ts';

/**
 * How a record becomes one appender row. The appender fills columns by position, so each layout
 * lists every column of its table in declared order; a test checks them against the migrated schema.
 */
export interface ColumnWriter<Row> {
  name: string;
  append(appender: DuckDBAppender, row: Row): void;
}

export interface TableLayout<Row> {
  table: string;
  columns: readonly ColumnWriter<Row>[];
  /** Names the row in error messages. */
  key(row: Row): string;
}

function text<Row>(name: string, get: (row: Row) => string | undefined): ColumnWriter<Row> {
  return {
    name,
    append(appender, row) {
      const value = get(row);
      if (value === undefined || value === null) appender.appendNull();
      else if (typeof value === 'string') appender.appendVarchar(value);
      else throw new TypeError(`${name}: expected a string, got ${typeof value}`);
    },
  };
}

function double<Row>(name: string, get: (row: Row) => number | undefined): ColumnWriter<Row> {
  return {
    name,
    append(appender, row) {
      const value = get(row);
      if (value === undefined || value === null) appender.appendNull();
      else if (typeof value === 'number' && Number.isFinite(value)) appender.appendDouble(value);
      else throw new TypeError(`${name}: expected a finite number, got ${String(value)}`);
    },
  };
}

/** INTEGER (32-bit) column. */
function integer<Row>(name: string, get: (row: Row) => number | undefined): ColumnWriter<Row> {
  return {
    name,
    append(appender, row) {
      const value = get(row);
      if (value === undefined || value === null) appender.appendNull();
      else if (Number.isInteger(value) && Math.abs(value) <= 2_147_483_647) appender.appendInteger(value);
      else throw new TypeError(`${name}: expected a 32-bit integer, got ${String(value)}`);
    },
  };
}

/** BIGINT column. */
function bigint<Row>(name: string, get: (row: Row) => number | undefined): ColumnWriter<Row> {
  return {
    name,
    append(appender, row) {
      const value = get(row);
      if (value === undefined || value === null) appender.appendNull();
      else if (Number.isSafeInteger(value)) appender.appendBigInt(BigInt(value));
      else throw new TypeError(`${name}: expected an integer, got ${String(value)}`);
    },
  };
}

function timestamp<Row>(name: string, get: (row: Row) => Date | undefined): ColumnWriter<Row> {
  return {
    name,
    append(appender, row) {
      const value = get(row);
      if (value === undefined || value === null) appender.appendNull();
      else if (value instanceof Date && Number.isFinite(value.getTime())) appender.appendTimestampTZ(timestampTZ(value));
      else throw new TypeError(`${name}: expected a valid Date, got ${String(value)}`);
    },
  };
}

function boolean<Row>(name: string, get: (row: Row) => boolean): ColumnWriter<Row> {
  return {
    name,
    append(appender, row) {
      const value = get(row);
      if (typeof value === 'boolean') appender.appendBoolean(value);
      else throw new TypeError(`${name}: expected a boolean, got ${String(value)}`);
    },
  };
}

/** A BOOLEAN column that may be NULL (undefined: not known). */
function optionalBoolean<Row>(name: string, get: (row: Row) => boolean | undefined): ColumnWriter<Row> {
  return {
    name,
    append(appender, row) {
      const value = get(row);
      if (value === undefined || value === null) appender.appendNull();
      else if (typeof value === 'boolean') appender.appendBoolean(value);
      else throw new TypeError(`${name}: expected a boolean, got ${String(value)}`);
    },
  };
}

export interface QueryRow {
  runId: string;
  query: Query;
}

export const QUERIES: TableLayout<QueryRow> = {
  table: 'queries',
  key: (row) => `query ${row.query.queryId} (${row.query.source.file}:${row.query.source.line})`,
  columns: [
    text('run_id', (row) => row.runId),
    text('query_id', (row) => row.query.queryId),
    text('text', (row) => row.query.text),
    text('timestamp', (row) => row.query.timestamp),
    text('conversation_id', (row) => row.query.conversationId),
    text('channel', (row) => row.query.channel),
    text('label', (row) => row.query.label),
    text('reference', (row) => row.query.reference),
    text('source_file', (row) => row.query.source.file),
    bigint('source_line', (row) => row.query.source.line),
    integer('turn_index', (row) => row.query.turnIndex),
    text('request_json', (row) => (row.query.request === undefined ? undefined : requestJson(row.query.request))),
  ],
};

export const ROUTES: TableLayout<RouteRecord> = {
  table: 'routes',
  key: (row) => `route of query ${row.queryId}`,
  columns: [
    text('run_id', (row) => row.runId),
    text('query_id', (row) => row.queryId),
    text('policy', (row) => row.policy),
    text('tier', (row) => row.tier),
    text('endpoint', (row) => row.endpoint),
    text('label', (row) => row.label),
    double('prob_simple', (row) => row.probabilities?.simple),
    double('prob_medium', (row) => row.probabilities?.medium),
    double('prob_complex', (row) => row.probabilities?.complex),
    double('latency_us', (row) => row.latencyUs),
    text('router_version', (row) => row.routerVersion),
  ],
};

export const RESPONSES: TableLayout<ResponseRecord> = {
  table: 'responses',
  key: (row) => `${row.role} response of query ${row.queryId}`,
  columns: [
    text('run_id', (row) => row.runId),
    text('query_id', (row) => row.queryId),
    text('role', (row) => row.role),
    text('endpoint', (row) => row.endpoint),
    text('model', (row) => row.model),
    text('source', (row) => row.source),
    text('status', (row) => row.status),
    integer('attempts', (row) => row.attempts),
    text('error', (row) => row.error),
    text('output', (row) => row.output),
    integer('prompt_tokens', (row) => row.promptTokens),
    integer('completion_tokens', (row) => row.completionTokens),
    double('ttft_ms', (row) => row.ttftMs),
    double('latency_ms', (row) => row.latencyMs),
    double('cost_usd', (row) => row.costUsd),
    timestamp('started_at', (row) => row.startedAt),
    text('tool_calls_json', (row) => (row.toolCalls === undefined || row.toolCalls.length === 0 ? undefined : jsonText(row.toolCalls))),
    text('tool_calls_key', (row) => toolCallsKey(row.toolCalls)),
    text('dropped_params', (row) => (row.droppedParams === undefined || row.droppedParams.length === 0 ? undefined : jsonText(row.droppedParams))),
  ],
};

export const JUDGMENTS: TableLayout<JudgmentRecord> = {
  table: 'judgments',
  key: (row) => `${row.kind} judgment by ${row.judge.name} of the ${row.role} answer to query ${row.queryId}`,
  columns: [
    text('run_id', (row) => row.runId),
    text('query_id', (row) => row.queryId),
    text('role', (row) => row.role),
    text('kind', (row) => row.kind),
    text('judge_name', (row) => row.judge.name),
    text('rubric', (row) => row.judge.rubric),
    text('rubric_version', (row) => row.judge.rubricVersion),
    text('prompt_hash', (row) => row.judge.promptHash),
    text('judge_model', (row) => row.judge.model),
    text('judge_settings', (row) => jsonText(row.judge.settings)),
    text('status', (row) => row.verdict.status),
    double('score', (row) => (row.verdict.status === 'scored' ? row.verdict.score : undefined)),
    text('reason', (row) => (row.verdict.status === 'scored' ? row.verdict.reasoning : row.verdict.reason)),
    double('latency_ms', (row) => row.latencyMs),
    timestamp('created_at', (row) => row.createdAt),
  ],
};

export interface RejectRow {
  runId: string;
  reject: Reject;
}

export const REJECTS: TableLayout<RejectRow> = {
  table: 'rejects',
  key: (row) => `reject ${row.reject.file}:${row.reject.line}`,
  columns: [
    text('run_id', (row) => row.runId),
    text('file', (row) => row.reject.file),
    bigint('line', (row) => row.reject.line),
    text('reason', (row) => row.reject.reason),
    text('raw', (row) => row.reject.raw),
  ],
};

export const PRIVACY_DECISIONS: TableLayout<PrivacyRecord> = {
  table: 'privacy_decisions',
  key: (row) => `privacy decision of query ${row.queryId}`,
  columns: [
    text('run_id', (row) => row.runId),
    text('query_id', (row) => row.queryId),
    boolean('sensitive', (row) => row.sensitive),
    text('reasons_json', (row) => jsonText(row.reasons)),
    text('routed_endpoint', (row) => row.routedEndpoint),
    text('candidate_endpoint', (row) => row.candidateEndpoint),
    text('reroute_reason', (row) => row.rerouteReason),
    boolean('baseline_withheld', (row) => row.baselineWithheld),
    boolean('judge_withheld', (row) => row.judgeWithheld),
    text('pii_found_json', (row) => jsonText(row.piiFound)),
  ],
};

export const VALIDATIONS: TableLayout<ValidationRecord> = {
  table: 'validations',
  key: (row) => `validation by ${row.validator.name} of the ${row.role} answer to query ${row.queryId}`,
  columns: [
    text('run_id', (row) => row.runId),
    text('query_id', (row) => row.queryId),
    text('role', (row) => row.role),
    text('validator_name', (row) => row.validator.name),
    text('rubric', (row) => row.validator.rubric),
    text('rubric_version', (row) => row.validator.rubricVersion),
    text('prompt_hash', (row) => row.validator.promptHash),
    text('validator_model', (row) => row.validator.model),
    text('endpoint', (row) => row.endpoint),
    text('escalate_to', (row) => row.escalateTo),
    text('status', (row) => row.verdict.status),
    double('p_acceptable', (row) => (row.verdict.status === 'scored' ? row.verdict.pAcceptable : undefined)),
    text('reason', (row) => (row.verdict.status === 'scored' ? row.verdict.reasoning : row.verdict.reason)),
    integer('prompt_tokens', (row) => row.promptTokens),
    integer('completion_tokens', (row) => row.completionTokens),
    double('cost_usd', (row) => row.costUsd),
    double('latency_ms', (row) => row.latencyMs),
    integer('calls', (row) => row.calls),
    boolean('cached', (row) => row.cached),
    timestamp('created_at', (row) => row.createdAt),
  ],
};

/**
 * The replay's own comparisons, appended with the query's other rows (issue 21). Re-judging
 * (`hybrid-eval judge --pairwise`) replaces rows instead, through judge-tables.ts.
 */
export const PAIRWISE_JUDGMENTS: TableLayout<PairwiseJudgmentRecord> = {
  table: 'pairwise_judgments',
  key: (row) => `pairwise judgment by ${row.judge.name} of query ${row.queryId}`,
  columns: [
    text('run_id', (row) => row.runId),
    text('query_id', (row) => row.queryId),
    text('judge_name', (row) => row.judge.name),
    text('rubric', (row) => row.judge.rubric),
    text('rubric_version', (row) => row.judge.rubricVersion),
    text('prompt_hash', (row) => row.judge.promptHash),
    text('judge_model', (row) => row.judge.model),
    text('judge_settings', (row) => jsonText(row.judge.settings)),
    text('candidate_role', (row) => row.candidateRole),
    text('status', (row) => row.status),
    text('winner', (row) => row.winner),
    text('winner_candidate_first', (row) => row.winnerCandidateFirst),
    text('winner_candidate_second', (row) => row.winnerCandidateSecond),
    optionalBoolean('consistent', (row) => row.consistent),
    text('reason', (row) => row.reason),
    double('latency_ms', (row) => row.latencyMs),
    timestamp('created_at', (row) => row.createdAt),
  ],
};

export const APPENDED_TABLES = [QUERIES, ROUTES, RESPONSES, JUDGMENTS, REJECTS, PRIVACY_DECISIONS, VALIDATIONS, PAIRWISE_JUDGMENTS] as const;
