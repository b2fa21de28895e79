import type { Random } from './random.ts';

const HOUR_MS = 3_600_000;

// Relative traffic by hour of day: quiet overnight, busy through office hours, an evening tail.
const HOURLY_WEIGHTS = [
  0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.7, 0.9, 1, 1, 1, 0.95, 1, 1, 0.95, 0.9, 0.85, 0.8, 0.8, 0.75, 0.6, 0.45, 0.25,
];

/**
 * Monotonic timestamps for `count` queries spread over `days` days, denser in the daytime
 * and a little lighter at weekends, so per-hour charts look like real traffic.
 */
export function createTimeline(count: number, options: { start: Date; days: number }): (index: number, random: Random) => string {
  const hours = options.days * 24;
  const cumulative: number[] = [0];
  for (let hour = 0; hour < hours; hour++) {
    const at = new Date(options.start.getTime() + hour * HOUR_MS);
    const weekday = at.getUTCDay();
    const weight = (HOURLY_WEIGHTS[at.getUTCHours()] ?? 1) * (weekday === 0 || weekday === 6 ? 0.7 : 1);
    cumulative.push((cumulative[hour] ?? 0) + weight);
  }
  const total = cumulative[hours] ?? 1;
  return (index, random) => {
    const target = ((index + random.next()) / count) * total;
    let low = 0;
    let high = hours - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((cumulative[middle] ?? 0) <= target) low = middle;
      else high = middle - 1;
    }
    const from = cumulative[low] ?? 0;
    const to = cumulative[low + 1] ?? from + 1;
    const fraction = to > from ? (target - from) / (to - from) : 0;
    const millis = options.start.getTime() + (low + fraction) * HOUR_MS;
    return new Date(Math.floor(millis / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  };
}
