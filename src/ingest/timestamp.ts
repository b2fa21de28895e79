/**
 * Timestamps arrive as ISO 8601 text, epoch seconds or epoch milliseconds (numbers or digit
 * strings); everything downstream (the log's own query rate in gate/volume.ts, reports) reads
 * ISO 8601, so each form is normalised here to UTC ISO 8601 (`2025-03-03T06:11:01Z`, milliseconds
 * kept when present). Seconds and milliseconds are told apart by size: below 1e11 is seconds (1e11 s
 * is the year 5138), from 1e11 on milliseconds (1e11 ms is 1973); past 1e14 (microseconds or
 * nanoseconds) is refused rather than guessed.
 */

const EPOCH_MS_FROM = 1e11;
const EPOCH_MAX = 1e14;
// Date, then optionally a time with 'T' or a space (SQL exports), fraction and zone.
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

function format(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** The ISO 8601 form of a logged timestamp, or `{ error }` saying why it is none of the three forms. */
export function normaliseTimestamp(value: string | number | bigint): string | { error: string } {
  if (typeof value === 'bigint') value = Number(value);
  if (typeof value === 'number') return fromEpoch(value, String(value));
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return fromEpoch(Number(text), text);
  const match = ISO.exec(text);
  if (match === null) return { error: `${JSON.stringify(text)} is not ISO 8601, epoch seconds or epoch milliseconds` };
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone] = match;
  let offsetMinutes = 0;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    const sign = digits.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || '0'));
  }
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), millis);
  const check = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)));
  // Date.UTC rolls 2025-02-30 over to March; a date that does not exist is a mistake in the log.
  if (
    check.getUTCFullYear() !== Number(year) ||
    check.getUTCMonth() !== Number(month) - 1 ||
    check.getUTCDate() !== Number(day) ||
    check.getUTCHours() !== Number(hour) ||
    check.getUTCMinutes() !== Number(minute) ||
    check.getUTCSeconds() !== Number(second)
  ) {
    return { error: `${JSON.stringify(text)} is not a valid date and time` };
  }
  return format(utc - offsetMinutes * 60_000);
}

function fromEpoch(number: number, text: string): string | { error: string } {
  if (!Number.isFinite(number) || number < 0) return { error: `${text} is not ISO 8601, epoch seconds or epoch milliseconds` };
  if (number >= EPOCH_MAX) return { error: `${text} is too large for epoch seconds or milliseconds (microseconds or nanoseconds are not accepted)` };
  return format(number >= EPOCH_MS_FROM ? Math.round(number) : Math.round(number * 1000));
}
