import { cumulativeNormal, quantileNormal } from 'vega-statistics';

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

export type BootstrapMethod = 'bca' | 'percentile';

export interface BootstrapOptions {
  resamples?: number;
  confidence?: number;
  seed?: number;
  /**
   * bca (default): bias-corrected and accelerated (Efron 1987). Judge scores are discrete and
   * skewed (mostly 5s, a few 1s); there the plain percentile interval under-covers at small n
   * (measured in bootstrap.test.ts), and BCa corrects for the skew.
   */
  method?: BootstrapMethod;
}

/** Bootstrap interval of the mean; makes no normality assumption about 1-5 scores. */
export function bootstrapMean(values: ArrayLike<number>, options: BootstrapOptions = {}): Interval {
  const n = values.length;
  if (n === 0) return { n, mean: undefined, lower: undefined, upper: undefined };
  const data = Float64Array.from(values);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += data[i]!;
  const mean = sum / n;
  if (n === 1) return { n, mean, lower: undefined, upper: undefined };
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const random = mulberry32(options.seed ?? 12345);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += data[Math.floor(random() * n)]!;
    means[r] = total / n;
  }
  means.sort();
  const alpha = (1 - confidence) / 2;
  if ((options.method ?? 'bca') === 'percentile') {
    return { n, mean, lower: quantileSorted(means, alpha), upper: quantileSorted(means, 1 - alpha) };
  }
  const [lowerLevel, upperLevel] = bcaLevels(data, sum, mean, means, alpha);
  return { n, mean, lower: quantileSorted(means, lowerLevel), upper: quantileSorted(means, upperLevel) };
}

/**
 * The BCa-adjusted percentile levels. Bias correction z0 from the share of bootstrap means below
 * the observed mean (ties count half, which keeps discrete data unbiased); acceleration from the
 * jackknife, which for the mean has a closed form (leave-one-out means).
 */
function bcaLevels(data: Float64Array, sum: number, mean: number, sortedMeans: Float64Array, alpha: number): [number, number] {
  const n = data.length;
  const resamples = sortedMeans.length;
  let below = 0;
  let equal = 0;
  for (let r = 0; r < resamples; r++) {
    if (sortedMeans[r]! < mean) below++;
    else if (sortedMeans[r] === mean) equal++;
  }
  if (equal === resamples) return [alpha, 1 - alpha]; // every value equal: no skew to correct
  const share = Math.min(1 - 0.5 / resamples, Math.max(0.5 / resamples, (below + equal / 2) / resamples));
  const z0 = quantileNormal(share);
  let cubes = 0;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const deviation = mean - (sum - data[i]!) / (n - 1);
    squares += deviation * deviation;
    cubes += deviation * deviation * deviation;
  }
  const acceleration = squares === 0 ? 0 : cubes / (6 * Math.pow(squares, 1.5));
  const level = (z: number): number => {
    const shifted = z0 + z;
    return cumulativeNormal(z0 + shifted / (1 - acceleration * shifted));
  };
  return [level(quantileNormal(alpha)), level(quantileNormal(1 - alpha))];
}

export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const clamped = Math.min(1, Math.max(0, q));
  const position = (sorted.length - 1) * clamped;
  const below = Math.floor(position);
  const above = Math.ceil(position);
  const low = sorted[below]!;
  return low + (sorted[above]! - low) * (position - below);
}

/**
 * Percentile bootstrap interval of mean(a) - mean(b) for two independent samples (two runs over
 * different queries): each resampled on its own. Used only when queries cannot be paired.
 */
export function bootstrapMeanDifference(a: ArrayLike<number>, b: ArrayLike<number>, options: { resamples?: number; confidence?: number; seed?: number } = {}): Interval {
  const n = Math.min(a.length, b.length);
  if (a.length === 0 || b.length === 0) return { n, mean: undefined, lower: undefined, upper: undefined };
  const left = Float64Array.from(a);
  const right = Float64Array.from(b);
  const meanOf = (data: Float64Array): number => data.reduce((sum, value) => sum + value, 0) / data.length;
  const mean = meanOf(left) - meanOf(right);
  if (left.length < 2 || right.length < 2) return { n, mean, lower: undefined, upper: undefined };
  const resamples = options.resamples ?? 2000;
  const random = mulberry32(options.seed ?? 12345);
  const differences = new Float64Array(resamples);
  const resampledMean = (data: Float64Array): number => {
    let total = 0;
    for (let i = 0; i < data.length; i++) total += data[Math.floor(random() * data.length)]!;
    return total / data.length;
  };
  for (let r = 0; r < resamples; r++) differences[r] = resampledMean(left) - resampledMean(right);
  differences.sort();
  const alpha = (1 - (options.confidence ?? 0.95)) / 2;
  return { n, mean, lower: quantileSorted(differences, alpha), upper: quantileSorted(differences, 1 - alpha) };
}
