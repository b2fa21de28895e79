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
  /** How a resample is drawn; the default picks by size (see meanResampler). For tests. */
  resampling?: Resampling;
}

export type Resampling = 'items' | 'counts';

/** Above this many values, few distinct ones (1-5 scores, their differences) are resampled by counts. */
export const COUNTS_RESAMPLING_FROM = 4096;
const MAX_DISTINCT_FOR_COUNTS = 64;

/**
 * A function returning the mean of one bootstrap resample of `data`. Drawing n items with
 * replacement costs n random numbers per resample: 2,000 resamples of a million judged pairs is
 * two billion, far too slow for the gate. When the values take few distinct levels (judge scores
 * 1-5, paired differences -4..4) the resample is fully described by how often each level is
 * drawn, which is Multinomial(n, observed shares): drawing those counts (one binomial per level)
 * gives exactly the same bootstrap distribution in O(levels) per resample. Small samples keep the
 * item-by-item draw, so their seeded intervals stay what they were.
 */
export function meanResampler(data: Float64Array, random: () => number, resampling?: Resampling): () => number {
  const n = data.length;
  const levels = resampling === 'items' || (resampling === undefined && n < COUNTS_RESAMPLING_FROM) ? undefined : distinctCounts(data);
  if (levels === undefined) {
    return () => {
      let total = 0;
      for (let i = 0; i < n; i++) total += data[Math.floor(random() * n)]!;
      return total / n;
    };
  }
  const { values, counts } = levels;
  return () => {
    let left = n;
    let leftShare = n;
    let total = 0;
    for (let k = 0; k < values.length && left > 0; k++) {
      // Multinomial by conditional binomials: level k's draws among those not yet assigned.
      const drawn = k === values.length - 1 ? left : binomial(left, counts[k]! / leftShare, random);
      total += drawn * values[k]!;
      left -= drawn;
      leftShare -= counts[k]!;
    }
    return total / n;
  };
}

function distinctCounts(data: Float64Array): { values: number[]; counts: number[] } | undefined {
  const counts = new Map<number, number>();
  for (let i = 0; i < data.length; i++) {
    const value = data[i]!;
    counts.set(value, (counts.get(value) ?? 0) + 1);
    if (counts.size > MAX_DISTINCT_FOR_COUNTS) return undefined;
  }
  const values = [...counts.keys()].sort((a, b) => a - b);
  return { values, counts: values.map((value) => counts.get(value)!) };
}

/**
 * One Binomial(n, p) variate, exactly: inversion by geometric waiting times when n·p is small,
 * otherwise Hörmann's BTRS, transformed rejection with squeeze ("The generation of binomial random
 * variates", J. Statist. Comput. Simul. 46, 1993), as PyTorch and TensorFlow implement it.
 */
export function binomial(n: number, p: number, random: () => number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(n, 1 - p, random);
  return n * p < 10 ? binomialInversion(n, p, random) : binomialBtrs(n, p, random);
}

function binomialInversion(n: number, p: number, random: () => number): number {
  const logQ = Math.log1p(-p);
  let trials = 0;
  let successes = 0;
  for (;;) {
    // Trials up to and including the next success: Geometric(p), by inversion of 1 - U in (0, 1].
    trials += Math.max(1, Math.ceil(Math.log(1 - random()) / logQ));
    if (trials > n) return successes;
    successes++;
  }
}

const STIRLING_TAIL = [
  0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509, 0.0166446911898211,
  0.0138761288230707, 0.0118967099458917, 0.010411265261972, 0.00925546218271273, 0.00833056343336287,
];

/** log(k!) minus its Stirling approximation. */
function stirlingTail(k: number): number {
  if (k <= 9) return STIRLING_TAIL[k]!;
  const square = (k + 1) * (k + 1);
  return (1 / 12 - (1 / 360 - 1 / 1260 / square) / square) / (k + 1);
}

function binomialBtrs(n: number, p: number, random: () => number): number {
  const spread = Math.sqrt(n * p * (1 - p));
  const b = 1.15 + 2.53 * spread;
  const a = -0.0873 + 0.0248 * b + 0.01 * p;
  const c = n * p + 0.5;
  const vr = 0.92 - 4.2 / b;
  const r = p / (1 - p);
  const alpha = (2.83 + 5.1 / b) * spread;
  const m = Math.floor((n + 1) * p);
  for (;;) {
    const u = random() - 0.5;
    let v = random();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + c);
    if (!(k >= 0 && k <= n)) continue;
    if (us >= 0.07 && v <= vr) return k;
    v = Math.log((v * alpha) / (a / (us * us) + b));
    const bound =
      (m + 0.5) * Math.log((m + 1) / (r * (n - m + 1))) +
      (n + 1) * Math.log((n - m + 1) / (n - k + 1)) +
      (k + 0.5) * Math.log((r * (n - k + 1)) / (k + 1)) +
      stirlingTail(m) + stirlingTail(n - m) - stirlingTail(k) - stirlingTail(n - k);
    if (v <= bound) return k;
  }
}

/** Bootstrap interval of the mean; makes no normality assumption about 1-5 scores. */
export function bootstrapMean(values: ArrayLike<number>, options: BootstrapOptions = {}): Interval {
  const n = values.length;
  if (n === 0) return { n, mean: undefined, lower: undefined, upper: undefined };
  // Read only below: a Float64Array (the gate's million scores) is used as it is, not copied.
  const data = values instanceof Float64Array ? values : Float64Array.from(values);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += data[i]!;
  const mean = sum / n;
  if (n === 1) return { n, mean, lower: undefined, upper: undefined };
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const random = mulberry32(options.seed ?? 12345);
  const means = new Float64Array(resamples);
  const resampledMean = meanResampler(data, random, options.resampling);
  for (let r = 0; r < resamples; r++) means[r] = resampledMean();
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
  const leftMean = meanResampler(left, random);
  const rightMean = meanResampler(right, random);
  for (let r = 0; r < resamples; r++) differences[r] = leftMean() - rightMean();
  differences.sort();
  const alpha = (1 - (options.confidence ?? 0.95)) / 2;
  return { n, mean, lower: quantileSorted(differences, alpha), upper: quantileSorted(differences, 1 - alpha) };
}
