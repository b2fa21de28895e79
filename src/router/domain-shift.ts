import type { Tier } from '../core/tier.ts';

/**
 * Does a log look like the router's training data? The router's own uncertainty is the signal
 * that needs no labels: on text like its training data a calibrated router is rarely unsure, so a
 * share of low-confidence routes far above the training set's says the log is from elsewhere.
 * (It cannot see a change of labelling policy on familiar text: only labels show that; `router
 * eval` on a labelled sample does.)
 */
export const LOW_CONFIDENCE_BELOW = 0.8;
/** Fewer routes than this say nothing either way. */
export const MIN_ROUTES_FOR_SHIFT = 100;

export interface DomainProfile {
  n: number;
  /** Share of queries whose top probability is below LOW_CONFIDENCE_BELOW. */
  low_confidence_share: number;
  mean_top_probability: number;
  low_confidence_below: number;
}

/** Stored at training time in the model folder's training-log.json under `domain_reference`. */
export type DomainReference = DomainProfile & { data: string };

export interface DomainShift {
  profile: DomainProfile;
  reference: DomainReference | undefined;
  shifted: boolean | undefined;
  message: string | undefined;
}

export function domainProfile(results: readonly { probabilities: Record<Tier, number> }[]): DomainProfile {
  let low = 0;
  let topSum = 0;
  for (const result of results) {
    const top = Math.max(result.probabilities.simple, result.probabilities.medium, result.probabilities.complex);
    topSum += top;
    if (top < LOW_CONFIDENCE_BELOW) low++;
  }
  const n = results.length;
  return { n, low_confidence_share: n === 0 ? 0 : low / n, mean_top_probability: n === 0 ? 0 : topSum / n, low_confidence_below: LOW_CONFIDENCE_BELOW };
}

/** Shifted when the low-confidence share is at least twice the training set's and 2 points above it. */
export function compareToReference(profile: DomainProfile, reference: DomainReference | undefined): DomainShift {
  if (reference === undefined) {
    return { profile, reference, shifted: undefined, message: undefined };
  }
  if (profile.n < MIN_ROUTES_FOR_SHIFT) return { profile, reference, shifted: undefined, message: undefined };
  const limit = Math.max(2 * reference.low_confidence_share, reference.low_confidence_share + 0.02);
  const shifted = profile.low_confidence_share > limit;
  const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
  return {
    profile,
    reference,
    shifted,
    message: shifted
      ? `domain shift: ${pct(profile.low_confidence_share)} of routes are low-confidence (top probability < ${LOW_CONFIDENCE_BELOW}) against ${pct(reference.low_confidence_share)} on the router's training data: this log does not look like what the router learned from; label a sample of it (hybrid-eval label sample) and train a router on it (hybrid-eval router train)`
      : undefined,
  };
}

/** Reads `domain_reference` from a parsed training-log.json; undefined when absent or malformed. */
export function readDomainReference(trainingLog: unknown): DomainReference | undefined {
  if (trainingLog === null || typeof trainingLog !== 'object') return undefined;
  const value = (trainingLog as Record<string, unknown>)['domain_reference'];
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  const share = record['low_confidence_share'];
  const n = record['n'];
  if (typeof share !== 'number' || typeof n !== 'number' || record['low_confidence_below'] !== LOW_CONFIDENCE_BELOW) return undefined;
  return {
    n,
    low_confidence_share: share,
    mean_top_probability: typeof record['mean_top_probability'] === 'number' ? record['mean_top_probability'] : 0,
    low_confidence_below: LOW_CONFIDENCE_BELOW,
    data: typeof record['data'] === 'string' ? record['data'] : '',
  };
}

/** The reference stored with a router folder (training-log.json), if any. */
export async function readFolderDomainReference(dir: string): Promise<DomainReference | undefined> {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  try {
    return readDomainReference(JSON.parse(await readFile(join(dir, 'training-log.json'), 'utf8')));
  } catch {
    return undefined;
  }
}
