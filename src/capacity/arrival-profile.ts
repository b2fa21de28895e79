import { UsageError } from '../core/errors.ts';
import { openLog, type LogSource } from '../ingest/open-log.ts';

/** Share of a week's traffic in each hour of the week: index day_of_week x 24 + hour (UTC, Sunday = 0). */
export interface ArrivalProfile {
  kind: 'log' | 'flat';
  shares: number[];
  /** Timestamped queries it was built from (0 for flat). */
  queries: number;
  /** Days between the first and last timestamp, for volume from the log. */
  spanDays: number | undefined;
  detail: string;
}

export const HOURS_IN_WEEK = 168;

export function flatProfile(): ArrivalProfile {
  return { kind: 'flat', shares: Array.from({ length: HOURS_IN_WEEK }, () => 1 / HOURS_IN_WEEK), queries: 0, spanDays: undefined, detail: 'flat: the same traffic every hour (--profile flat)' };
}

/**
 * The profile of a log's timestamps. Share(day, hour) = share of the day x share of the hour: a
 * sample of a few thousand queries spread over 168 cells would make the peak cell mostly noise,
 * while the hour-of-day and day-of-week shapes each rest on the whole log. The cost: a day whose
 * daily shape differs (a Sunday with a late peak) is averaged into the others.
 */
export function profileFromTimestamps(timestamps: readonly Date[]): ArrivalProfile {
  const byHour = new Array<number>(24).fill(0);
  const byDay = new Array<number>(7).fill(0);
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const time of timestamps) {
    byHour[time.getUTCHours()]!++;
    byDay[time.getUTCDay()]!++;
    first = Math.min(first, time.getTime());
    last = Math.max(last, time.getTime());
  }
  const total = timestamps.length;
  const shares = Array.from({ length: HOURS_IN_WEEK }, (_, index) => (byDay[Math.floor(index / 24)]! / total) * (byHour[index % 24]! / total));
  const spanDays = total >= 2 && last > first ? (last - first) / 86_400_000 : undefined;
  return { kind: 'log', shares, queries: total, spanDays, detail: `${total.toLocaleString('en-US')} timestamped queries${spanDays === undefined ? '' : ` over ${spanDays.toFixed(1)} days`} (hour-of-day x day-of-week, UTC)` };
}

/** Reads the log's timestamps; a log without any is a usage error that says what to do. */
export async function readArrivalProfile(source: LogSource): Promise<ArrivalProfile> {
  const reader = await openLog(source);
  const timestamps: Date[] = [];
  let queries = 0;
  try {
    for await (const item of reader.items()) {
      if (item.kind !== 'query') continue;
      queries++;
      const raw = item.query.timestamp;
      if (raw === undefined) continue;
      const parsed = new Date(raw);
      if (!Number.isNaN(parsed.getTime())) timestamps.push(parsed);
    }
  } finally {
    await reader.close();
  }
  if (timestamps.length === 0) {
    throw new UsageError(
      `${source.path}: none of its ${queries} queries has a timestamp to build the arrival profile from: ` +
        'map a timestamp field (dataset.fields.timestamp, or --field timestamp=COLUMN) or give --profile flat',
    );
  }
  return profileFromTimestamps(timestamps);
}
