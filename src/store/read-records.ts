import type { JudgmentRecord, Verdict } from '../core/judgment.ts';
import type { Query, Reject } from '../core/query.ts';
import { CALL_STATUSES, ROLES, type CallStatus, type ResponseRecord, type Role } from '../core/response.ts';
import type { RouteRecord } from '../core/route.ts';
import { isTier, type Tier } from '../core/tier.ts';
import { parseJson } from './sql-values.ts';
import { fromRequestJson } from './request-json.ts';
import type { ToolCall } from '../core/conversation.ts';
import { GATE_DECISIONS, RUN_STATUSES, type GateDecision, type GateDecisionRow, type RunRow, type RunStatus } from './types.ts';

// Rows come from readRows (plainValueConverter): NULL is null here and becomes undefined in records.
type Row = Record<string, unknown>;

const VERDICT_STATUSES = ['scored', 'unscored', 'error'] as const;

function optionalString(row: Row, column: string): string | undefined {
  const value = row[column];
  return value === null || value === undefined ? undefined : String(value);
}

function requiredString(row: Row, column: string): string {
  const value = row[column];
  if (value === null || value === undefined) throw new Error(`stored row has NULL ${column}`);
  return String(value);
}

function optionalNumber(row: Row, column: string): number | undefined {
  const value = row[column];
  return value === null || value === undefined ? undefined : Number(value);
}

function requiredNumber(row: Row, column: string): number {
  const value = optionalNumber(row, column);
  if (value === undefined) throw new Error(`stored row has NULL ${column}`);
  return value;
}

function oneOf<T extends string>(row: Row, column: string, allowed: readonly T[]): T {
  const value = requiredString(row, column);
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`stored ${column} '${value}' is not one of ${allowed.join(', ')}`);
  return value as T;
}

function optionalTier(row: Row, column: string): Tier | undefined {
  const value = optionalString(row, column);
  if (value === undefined) return undefined;
  if (!isTier(value)) throw new Error(`stored ${column} '${value}' is not a tier`);
  return value;
}

function date(row: Row, column: string): Date {
  return new Date(requiredString(row, column));
}

export function toRunRow(row: Row): RunRow {
  return {
    run_id: requiredString(row, 'run_id'),
    created_at: requiredString(row, 'created_at'),
    finished_at: optionalString(row, 'finished_at'),
    status: oneOf<RunStatus>(row, 'status', RUN_STATUSES),
    mode: requiredString(row, 'mode'),
    dataset: requiredString(row, 'dataset'),
    policy: requiredString(row, 'policy'),
    config_json: requiredString(row, 'config_json'),
    notes: optionalString(row, 'notes'),
    query_count: optionalNumber(row, 'query_count'),
    reject_count: optionalNumber(row, 'reject_count'),
    default_judge: optionalString(row, 'default_judge'),
  };
}

/** `loggedAnswer` is not a column: it is stored as a response with source 'log' (role baseline, or human under answer_source: human). */
export function toQuery(row: Row): Query {
  const query: Query = {
    queryId: requiredString(row, 'query_id'),
    text: requiredString(row, 'text'),
    source: { file: requiredString(row, 'source_file'), line: requiredNumber(row, 'source_line') },
  };
  const timestamp = optionalString(row, 'timestamp');
  const conversationId = optionalString(row, 'conversation_id');
  const channel = optionalString(row, 'channel');
  const label = optionalTier(row, 'label');
  const reference = optionalString(row, 'reference');
  // Optional properties stay absent rather than present-but-undefined, as ingest produces them.
  if (timestamp !== undefined) query.timestamp = timestamp;
  if (conversationId !== undefined) query.conversationId = conversationId;
  if (channel !== undefined) query.channel = channel;
  if (label !== undefined) query.label = label;
  if (reference !== undefined) query.reference = reference;
  const turnIndex = optionalNumber(row, 'turn_index');
  if (turnIndex !== undefined) query.turnIndex = turnIndex;
  const request = optionalString(row, 'request_json');
  if (request !== undefined) query.request = fromRequestJson(request);
  return query;
}

export function toRoute(row: Row): RouteRecord {
  const simple = optionalNumber(row, 'prob_simple');
  const medium = optionalNumber(row, 'prob_medium');
  const complex = optionalNumber(row, 'prob_complex');
  const tier = optionalTier(row, 'tier');
  if (tier === undefined) throw new Error('stored route has NULL tier');
  return {
    runId: requiredString(row, 'run_id'),
    queryId: requiredString(row, 'query_id'),
    policy: requiredString(row, 'policy'),
    tier,
    endpoint: requiredString(row, 'endpoint'),
    label: optionalTier(row, 'label'),
    probabilities:
      simple === undefined || medium === undefined || complex === undefined ? undefined : { simple, medium, complex },
    latencyUs: optionalNumber(row, 'latency_us'),
    routerVersion: optionalString(row, 'router_version'),
  };
}

export function toResponse(row: Row): ResponseRecord {
  return {
    runId: requiredString(row, 'run_id'),
    queryId: requiredString(row, 'query_id'),
    role: oneOf<Role>(row, 'role', ROLES),
    endpoint: requiredString(row, 'endpoint'),
    model: requiredString(row, 'model'),
    source: oneOf(row, 'source', ['endpoint', 'log'] as const),
    status: oneOf(row, 'status', CALL_STATUSES),
    attempts: requiredNumber(row, 'attempts'),
    error: optionalString(row, 'error'),
    output: optionalString(row, 'output'),
    promptTokens: optionalNumber(row, 'prompt_tokens'),
    completionTokens: optionalNumber(row, 'completion_tokens'),
    ttftMs: optionalNumber(row, 'ttft_ms'),
    latencyMs: optionalNumber(row, 'latency_ms'),
    costUsd: optionalNumber(row, 'cost_usd'),
    startedAt: date(row, 'started_at'),
    ...optionalJson<ToolCall[]>(row, 'tool_calls_json', 'toolCalls'),
    ...optionalJson<string[]>(row, 'dropped_params', 'droppedParams'),
  };
}

/** A JSON column as an optional property: absent when NULL (a row from before migration 10 has neither). */
function optionalJson<T>(row: Row, column: string, key: string): Record<string, T> {
  const value = row[column];
  if (value === null || value === undefined) return {};
  return { [key]: (typeof value === 'string' ? JSON.parse(value) : value) as T };
}

function toVerdict(row: Row): Verdict {
  const status = oneOf(row, 'status', VERDICT_STATUSES);
  const reason = optionalString(row, 'reason') ?? '';
  if (status === 'scored') return { status, score: requiredNumber(row, 'score'), reasoning: reason };
  return { status, reason };
}

export function toJudgment(row: Row): JudgmentRecord {
  return {
    runId: requiredString(row, 'run_id'),
    queryId: requiredString(row, 'query_id'),
    role: oneOf<Role>(row, 'role', ROLES),
    kind: oneOf(row, 'kind', ['single'] as const),
    judge: {
      name: requiredString(row, 'judge_name'),
      rubric: requiredString(row, 'rubric'),
      rubricVersion: requiredString(row, 'rubric_version'),
      promptHash: requiredString(row, 'prompt_hash'),
      model: requiredString(row, 'judge_model'),
      settings: (parseJson(row['judge_settings']) ?? {}) as Record<string, unknown>,
    },
    verdict: toVerdict(row),
    latencyMs: optionalNumber(row, 'latency_ms'),
    createdAt: date(row, 'created_at'),
  };
}

export function toReject(row: Row): Reject {
  const reject: Reject = {
    file: requiredString(row, 'file'),
    line: requiredNumber(row, 'line'),
    reason: requiredString(row, 'reason'),
  };
  const raw = optionalString(row, 'raw');
  if (raw !== undefined) reject.raw = raw;
  return reject;
}

export function toGateDecision(row: Row): GateDecisionRow {
  return {
    runId: requiredString(row, 'run_id'),
    plan: requiredString(row, 'plan'),
    step: requiredString(row, 'step'),
    decision: oneOf<GateDecision>(row, 'decision', GATE_DECISIONS),
    reasons: parseJson(row['reasons_json']),
    metrics: parseJson(row['metrics_json']),
    decidedAt: requiredString(row, 'decided_at'),
  };
}
