import type { ToolCall } from './conversation.ts';

/**
 * Which side of the shadow pair a call served. 'human' is a logged reply a human agent wrote
 * (dataset.answer_source: human): stored beside the models' answers, never the baseline.
 */
export const ROLES = ['candidate', 'baseline', 'fallback', 'human'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The endpoint column of a human reply. It holds a space, which no configured endpoint name may
 * (letters, digits, - and _), so no per-endpoint figure can ever mix it with a model's calls.
 */
export const HUMAN_ENDPOINT = 'human agent';

/** ok: first attempt; ok_after_retry: succeeded after >= 1 retry; failed: gave up; interrupted: shutdown; withheld: the privacy policy forbade sending it. */
export const CALL_STATUSES = ['ok', 'ok_after_retry', 'failed', 'interrupted', 'withheld'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** Token usage. undefined means the endpoint did not say: unknown is not free. */
export interface Usage {
  promptTokens: number | undefined;
  completionTokens: number | undefined;
}

/** One endpoint call (or one logged answer), as stored. */
export interface ResponseRecord {
  runId: string;
  queryId: string;
  role: Role;
  endpoint: string;
  model: string;
  source: 'endpoint' | 'log';
  status: CallStatus;
  attempts: number;
  error: string | undefined;
  output: string | undefined;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  ttftMs: number | undefined;
  latencyMs: number | undefined;
  costUsd: number | undefined;
  startedAt: Date;
  /** The function calls the answer made (a logged answer's too); undefined when it made none. */
  toolCalls?: ToolCall[];
  /** Logged request parameters left out because the endpoint cannot take them. */
  droppedParams?: string[];
}
