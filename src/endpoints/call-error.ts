import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import { isRetryableStatus, retryAfterMs } from './retry-policy.ts';
import type { CallErrorKind } from './types.ts';

/** Why one attempt failed, and whether another attempt could help. */
export interface AttemptFailure {
  kind: CallErrorKind;
  retryable: boolean;
  message: string;
  /** What the server asked us to wait, if it said. */
  retryAfterMs: number | undefined;
}

const MAX_MESSAGE_LENGTH = 500;

/**
 * Classifies an error thrown by the SDK during one attempt.
 * `phase` says whether the answer had started streaming: anything that breaks a started stream is a cut stream.
 */
export function classifyError(error: unknown, phase: 'request' | 'stream', nowMs: number): AttemptFailure {
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    return {
      kind: kindForStatus(status),
      retryable: isRetryableStatus(status),
      message: error.message.startsWith(String(status)) ? error.message : `${status} ${error.message}`,
      retryAfterMs: isRetryableStatus(status) ? retryAfterMs(error.headers, nowMs) : undefined,
    };
  }
  if (error instanceof APIConnectionTimeoutError) {
    return { kind: 'timeout', retryable: true, message: 'timeout: request timed out', retryAfterMs: undefined };
  }
  if (error instanceof APIUserAbortError) {
    return { kind: 'aborted', retryable: false, message: 'interrupted: call aborted', retryAfterMs: undefined };
  }
  if (phase === 'stream') {
    // An error event inside the SSE stream (no status), a socket closed mid-answer, a truncated JSON line.
    return { kind: 'cut_stream', retryable: true, message: `cut stream: ${describe(error)}`, retryAfterMs: undefined };
  }
  if (error instanceof APIConnectionError) {
    return { kind: 'connection', retryable: true, message: `connection error: ${describe(error.cause ?? error)}`, retryAfterMs: undefined };
  }
  if (error instanceof TypeError && /fetch failed|terminated|socket|ECONN|other side closed/i.test(describe(error))) {
    // undici failing while reading a non-streamed body after the headers came
    return { kind: 'connection', retryable: true, message: `connection error: ${describe(error)}`, retryAfterMs: undefined };
  }
  return { kind: 'other', retryable: false, message: describe(error), retryAfterMs: undefined };
}

function kindForStatus(status: number): CallErrorKind {
  if (status === 429) return 'rate_limit';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  if (status >= 400 && status < 500 && status !== 409) return 'bad_request';
  return 'other';
}

/** The message and its causes' codes, e.g. "fetch failed (connect ECONNREFUSED 127.0.0.1:1)". */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error && cause.message && cause.message !== error.message) {
    return `${error.message} (${cause.message})`;
  }
  return error.message || error.name;
}

/** One line, bounded, with the key (and any bearer token) removed: error text ends up in databases and reports. */
export function toErrorLine(message: string, secret: string | undefined): string {
  let line = message.replace(/\s+/g, ' ').trim();
  line = scrubSecret(line, secret);
  if (line.length > MAX_MESSAGE_LENGTH) line = `${line.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
  return line;
}

export function scrubSecret(text: string, secret: string | undefined): string {
  let scrubbed = text;
  if (secret) scrubbed = scrubbed.split(secret).join('[redacted]');
  return scrubbed.replace(/\b(Bearer\s+)(?!\[redacted\])\S+/gi, '$1[redacted]');
}
