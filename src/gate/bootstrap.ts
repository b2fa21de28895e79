/** Seeded PRNG (mulberry32): the same run gives the same interval every time it is gated. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Interval {
  n: number;
  mean: number | undefined;
  lower: number | undefined;
  upper: number | undefined;
}

/** Percentile bootstrap interval of the mean; makes no normality assumption about 1-5 scores. */
export function bootstrapMean(values: ArrayLike<number>, options: { resamples?: number; confidence?: number; seed?: number } = {}): Interval {
  const n = values.length;
  if (n === 0) return { n, mean: undefined, lower: undefined, upper: undefined };
  const data = Float64Array.from(values);
  const mean = data.reduce((sum, value) => sum + value, 0) / n;
  if (n === 1) return { n, mean, lower: undefined, upper: undefined };
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const random = mulberry32(options.seed ?? 12345);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += data[Math.floor(random() * n)]!;
    means[r] = sum / n;
  }
  means.sort();
  const alpha = (1 - confidence) / 2;
  return { n, mean, lower: quantileSorted(means, alpha), upper: quantileSorted(means, 1 - alpha) };
}

export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below]!;
  return low + (sorted[above]! - low) * (position - below);
}
