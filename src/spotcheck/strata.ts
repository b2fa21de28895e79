import { SCORE_BANDS, type ScoreBand } from '../store/spotcheck-tables.ts';
import { seededRandom, shuffle } from './random.ts';

/** What sampling needs to know about one query of a run (from the `pairs` view). */
export interface SampleSource {
  queryId: string;
  tier: string | undefined;
  /** The judge's verdict on the answer the hybrid stack served (the fallback's when it served). */
  candidateStatus: string | undefined;
  candidateScore: number | undefined;
  baselineStatus: string | undefined;
  baselineScore: number | undefined;
  /** A sensitive query: answered on the premises and judged there (or not at all), never by GPT-4. */
  sensitive?: boolean;
}

export interface DrawnItem {
  queryId: string;
  tier: string;
  band: ScoreBand;
  /** `tier/band`, or `tier/band/sensitive`. */
  stratum: string;
  reason: string;
  /** 1-based place in the order raters see the items. */
  position: number;
}

/**
 * Over-sampling: a stratum's share of the sample is proportional to its size times its band's
 * weight, so a low-scored or disputed answer is four times as likely to be drawn as a high-scored one.
 */
export const BAND_WEIGHTS = { unscored: 4, disagree: 4, low: 4, mid: 2, high: 1 } as const satisfies Record<ScoreBand, number>;
/**
 * Sensitive answers rest on the on-prem judge alone (no GPT-4 judge, no baseline to compare): the
 * riskiest answers with the least-checked verdicts, so their strata weigh this many times more.
 */
export const SENSITIVE_WEIGHT = 4;
/** A candidate-baseline judge score gap of this much or more is a judge disagreement. */
export const DISAGREEMENT_GAP = 2;
/** `tier/band`, and `/sensitive` for a sensitive query's answer (over-sampled: SENSITIVE_WEIGHT). */
export function stratumKey(source: SampleSource): string {
  return `${source.tier ?? NO_TIER}/${classify(source).band}${source.sensitive ? '/sensitive' : ''}`;
}

/** Queries without a routing decision. */
export const NO_TIER = 'unrouted';

/** The band of one query, first match wins: unscored, disagree, low (< 3), mid (< 4), high. */
export function classify(source: SampleSource): { band: ScoreBand; reason: string } {
  const candidate = source.candidateStatus === 'scored' ? source.candidateScore : undefined;
  if (source.sensitive) {
    // No baseline leaves the premises for a sensitive query: its band is the on-prem judge's score alone.
    if (candidate === undefined) return { band: 'unscored', reason: `sensitive answer the judge did not score (${source.candidateStatus ?? 'not judged'})` };
    const band: ScoreBand = candidate < 3 ? 'low' : candidate < 4 ? 'mid' : 'high';
    return { band, reason: `sensitive answer judged on the premises only: score ${candidate}` };
  }
  const baseline = source.baselineStatus === 'scored' ? source.baselineScore : undefined;
  if (candidate === undefined || baseline === undefined) {
    const sides = [
      candidate === undefined ? `candidate ${source.candidateStatus ?? 'not judged'}` : undefined,
      baseline === undefined ? `baseline ${source.baselineStatus ?? 'not judged'}` : undefined,
    ].filter((side) => side !== undefined);
    return { band: 'unscored', reason: `judge did not score: ${sides.join(', ')}` };
  }
  const gap = Math.abs(candidate - baseline);
  if (gap >= DISAGREEMENT_GAP) return { band: 'disagree', reason: `judge scores ${gap} apart: candidate ${candidate}, baseline ${baseline}` };
  if (candidate < 3) return { band: 'low', reason: `low candidate score ${candidate} (baseline ${baseline})` };
  if (candidate < 4) return { band: 'mid', reason: `middling candidate score ${candidate} (baseline ${baseline})` };
  return { band: 'high', reason: `high candidate score ${candidate} (baseline ${baseline})` };
}

export interface Stratum {
  key: string;
  size: number;
  weight: number;
}

/**
 * How many items each stratum gives, for a sample of `n` (n < total size). When n covers every
 * stratum, each first gets one, so no tier or band goes unseen. The remaining slots go one at a
 * time to the stratum with the highest size x weight / (2 x slots so far + 1) among those with
 * items left (Sainte-Lague apportionment: proportional, without favouring large strata); ties go
 * to the earlier stratum.
 */
export function allocate(strata: readonly Stratum[], n: number): Map<string, number> {
  const slots = new Map(strata.map((stratum) => [stratum.key, 0]));
  const open = strata.filter((stratum) => stratum.size > 0);
  let left = n;
  if (n >= open.length) {
    for (const stratum of open) slots.set(stratum.key, 1);
    left -= open.length;
  }
  while (left > 0) {
    let best: Stratum | undefined;
    let bestPriority = -1;
    for (const stratum of open) {
      const given = slots.get(stratum.key)!;
      if (given >= stratum.size) continue;
      const priority = (stratum.size * stratum.weight) / (2 * given + 1);
      if (priority > bestPriority) {
        best = stratum;
        bestPriority = priority;
      }
    }
    if (best === undefined) break;
    slots.set(best.key, slots.get(best.key)! + 1);
    left -= 1;
  }
  return slots;
}

/**
 * A stratified sample of `n` queries by tier and judge score band, the same for the same run,
 * sources and seed. Within a stratum the items are a seeded shuffle of the query ids; the drawn
 * items are shuffled again for the order raters see, so strata do not come in blocks.
 */
export function drawSample(sources: readonly SampleSource[], options: { n: number; seed: number; runId: string }): DrawnItem[] {
  const random = seededRandom(`${options.runId}\u0000${options.seed}`);
  const byStratum = new Map<string, { tier: string; band: ScoreBand; sensitive: boolean; items: { queryId: string; reason: string }[] }>();
  for (const source of [...sources].sort((a, b) => compare(a.queryId, b.queryId))) {
    const tier = source.tier ?? NO_TIER;
    const { band, reason } = classify(source);
    const key = stratumKey(source);
    const stratum = byStratum.get(key) ?? { tier, band, sensitive: source.sensitive === true, items: [] };
    stratum.items.push({ queryId: source.queryId, reason });
    byStratum.set(key, stratum);
  }
  // Band order first (most over-sampled first), then tier name: the tie-break order of allocate().
  const keys = [...byStratum.keys()].sort((a, b) => {
    const left = byStratum.get(a)!;
    const right = byStratum.get(b)!;
    return SCORE_BANDS.indexOf(left.band) - SCORE_BANDS.indexOf(right.band) || compare(left.tier, right.tier);
  });
  const total = sources.length;
  const slots =
    options.n >= total
      ? new Map(keys.map((key) => [key, byStratum.get(key)!.items.length]))
      : allocate(
          keys.map((key) => {
            const stratum = byStratum.get(key)!;
            return { key, size: stratum.items.length, weight: BAND_WEIGHTS[stratum.band] * (stratum.sensitive ? SENSITIVE_WEIGHT : 1) };
          }),
          options.n,
        );
  const drawn: Omit<DrawnItem, 'position'>[] = [];
  for (const key of keys) {
    const stratum = byStratum.get(key)!;
    const picked = shuffle([...stratum.items], random).slice(0, slots.get(key) ?? 0);
    for (const item of picked) drawn.push({ queryId: item.queryId, tier: stratum.tier, band: stratum.band, stratum: key, reason: item.reason });
  }
  return shuffle(drawn, random).map((item, index) => ({ ...item, position: index + 1 }));
}

// Code-unit order, the same everywhere (localeCompare depends on the machine's ICU data).
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
