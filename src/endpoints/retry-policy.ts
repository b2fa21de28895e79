/*
 * Retries are done here rather than by the SDK (maxRetries: 0) or a retry library so that every
 * attempt is counted, each attempt takes its own concurrency slot, and backoff sleeps are injectable
 * and abortable. The rules mirror the SDK's own: 408/409/429/5xx, connection errors and timeouts.
 */

export const BACKOFF_BASE_MS = 250;
export const BACKOFF_CAP_MS = 8_000;
/** A server asking for more than this is waited on for this long only: a run must not stall for hours. */
export const RETRY_AFTER_CAP_MS = 60_000;

const NEVER_RETRIED = new Set([400, 401, 403, 404, 422]);

export function isRetryableStatus(status: number): boolean {
  if (NEVER_RETRIED.has(status)) return false;
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Exponential backoff with "equal jitter": half the ceiling fixed, half random, so retries spread out but never hammer. */
export function backoffDelayMs(retryNumber: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, retryNumber - 1));
  return ceiling / 2 + random() * (ceiling / 2);
}

/** Delay the server asked for, from `retry-after-ms` (OpenAI's) or `retry-after` (seconds or an HTTP date). */
/** What retryAfterMs reads: a fetch `Headers`, or any lookup by lower-case name. */
export interface HeaderReader {
  get(name: string): string | null;
}

export function retryAfterMs(headers: HeaderReader | undefined, nowMs: number): number | undefined {
  if (!headers) return undefined;
  const asked = parseRetryAfter(headers, nowMs);
  return asked === undefined ? undefined : Math.min(asked, RETRY_AFTER_CAP_MS);
}

function parseRetryAfter(headers: HeaderReader, nowMs: number): number | undefined {
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && /^\s*\d+(\.\d+)?\s*$/.test(milliseconds)) return Number(milliseconds);
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
