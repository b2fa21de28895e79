import { scrubUrlsInText } from '../core/secrets.ts';
import { isRetryableStatus, retryAfterMs, type HeaderReader } from './retry-policy.ts';
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
 * An HTTP error status: `<status> <the server's message>`, the message taken from OpenAI's
 * `{ error: { message } }` body (vLLM sends the same), else the body text.
 */
export function statusFailure(status: number, body: string, headers: HeaderReader, nowMs: number): AttemptFailure {
  const message = serverMessage(body);
  return {
    kind: kindForStatus(status),
    retryable: isRetryableStatus(status),
    message: message === undefined ? `${status} status code (no body)` : `${status} ${message}`,
    retryAfterMs: isRetryableStatus(status) ? retryAfterMs(headers, nowMs) : undefined,
  };
}

function serverMessage(body: string): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown };
    const error = (parsed.error ?? parsed) as { message?: unknown } | string;
    if (typeof error === 'string') return error;
    if (typeof error?.message === 'string') return error.message;
    return JSON.stringify(error);
  } catch {
    return text;
  }
}

/** Socket-level failures: the server is down, restarting or dropped us. Worth another attempt. */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Classifies an error thrown during one attempt (the HTTP status was not an answer: the transport
 * or the body failed). `phase` says whether the answer had started streaming: anything that breaks
 * a started stream is a cut stream.
 */
export function classifyError(error: unknown, phase: 'request' | 'stream'): AttemptFailure {
  if (phase === 'stream') {
    // An error event inside the SSE stream, a socket closed mid-answer, a truncated JSON line.
    return { kind: 'cut_stream', retryable: true, message: `cut stream: ${describe(error)}`, retryAfterMs: undefined };
  }
  if (isConnectionError(error)) {
    return { kind: 'connection', retryable: true, message: `connection error: ${describe(error)}`, retryAfterMs: undefined };
  }
  return { kind: 'other', retryable: false, message: describe(error), retryAfterMs: undefined };
}

function isConnectionError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
    // fetch (an injected one) reports every network failure as this TypeError, the reason in its cause.
    if (current instanceof TypeError && /fetch failed|terminated|socket|ECONN|other side closed/i.test(current.message)) return true;
  }
  return false;
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

function kindForStatus(status: number): CallErrorKind {
  if (status === 429) return 'rate_limit';
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status >= 500) return 'server';
  if (status >= 400 && status < 500 && status !== 409) return 'bad_request';
  return 'other';
}

/** One line, bounded, with the key (and any bearer token) removed: error text ends up in databases and reports. */
export function toErrorLine(message: string, secret: string | undefined): string {
  let line = message.replace(/\s+/g, ' ').trim();
  line = scrubSecret(line, secret);
  if (line.length > MAX_MESSAGE_LENGTH) line = `${line.slice(0, MAX_MESSAGE_LENGTH - 1)}…`;
  return line;
}

export function scrubSecret(text: string, secret: string | undefined): string {
  let scrubbed = scrubUrlsInText(text);
  if (secret) scrubbed = scrubbed.split(secret).join('[redacted]');
  return scrubbed.replace(/\b(Bearer\s+)(?!\[redacted\])\S+/gi, '$1[redacted]');
}
