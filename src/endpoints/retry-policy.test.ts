import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { backoffDelayMs, isRetryableStatus, retryAfterMs, BACKOFF_CAP_MS, RETRY_AFTER_CAP_MS } from './retry-policy.ts';
import { scrubSecret, toErrorLine } from './call-error.ts';

describe('isRetryableStatus', () => {
  it('retries 408, 409, 429 and 5xx, never 400/401/403/404/422', () => {
    for (const status of [408, 409, 429, 500, 502, 503, 504]) expect(isRetryableStatus(status)).toBe(true);
    for (const status of [400, 401, 403, 404, 422, 413]) expect(isRetryableStatus(status)).toBe(false);
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially from 250 ms, with jitter in the upper half', () => {
    expect(backoffDelayMs(1, () => 0)).toBe(125);
    expect(backoffDelayMs(1, () => 0.999999)).toBeCloseTo(250, 2);
    expect(backoffDelayMs(3, () => 0)).toBe(500);
  });

  it('never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 0.9999999, noNaN: true }), (retry, r) => {
        const delay = backoffDelayMs(retry, () => r);
        return delay > 0 && delay <= BACKOFF_CAP_MS;
      }),
    );
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads retry-after-ms first, then retry-after seconds or an HTTP date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '300', 'retry-after': '9' }), now)).toBe(300);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': '0.5' }), now)).toBe(500);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Tue, 31 Dec 2024 23:00:00 GMT' }), now)).toBe(0);
  });
  it('ignores garbage and caps huge requests', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMs(new Headers({}), now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs(new Headers({ 'retry-after': '86400' }), now)).toBe(RETRY_AFTER_CAP_MS);
  });
});

describe('scrubbing error text', () => {
  it('removes the key and bearer tokens, and makes one bounded line', () => {
    const key = 'sk-test-SECRET-1234567890';
    const line = toErrorLine(`401 bad key ${key}\nheader: Authorization: Bearer ${key}\n${'x'.repeat(2000)}`, key);
    expect(line).not.toContain(key);
    expect(line).not.toContain('\n');
    expect(line.length).toBeLessThanOrEqual(500);
    expect(line.startsWith('401 bad key [redacted]')).toBe(true);
    expect(scrubSecret('Bearer abc.def', undefined)).toBe('Bearer [redacted]');
  });
});
