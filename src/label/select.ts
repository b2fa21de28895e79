import { createHash } from 'node:crypto';
import type { Tier } from '../core/tier.ts';

export const UNCERTAINTY_STRATEGIES = ['margin', 'entropy'] as const;
export type UncertaintyStrategy = (typeof UNCERTAINTY_STRATEGIES)[number];

/**
 * The text two near-duplicate queries share: lower case, every digit run one "0", every run of
 * non-letters one space. Applied to the redacted text, so "cancel order 1135426" and "Cancel
 * order #99!" (both "cancel order [ORDER]") are one query to label, not two.
 */
export function normaliseForDedup(text: string): string {
  return text
    .toLowerCase()
    .replace(/\d+/g, '0')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function dedupKey(text: string): string {
  return createHash('sha256').update(normaliseForDedup(text)).digest('hex').slice(0, 16);
}

/** 1 - (top probability - second): 1 when the router cannot tell its two best tiers apart. */
export function marginUncertainty(probabilities: Record<Tier, number>): number {
  const sorted = [probabilities.simple, probabilities.medium, probabilities.complex].sort((a, b) => b - a);
  return 1 - (sorted[0]! - sorted[1]!);
}

/** Entropy of the three tier probabilities over log 3: 1 when uniform. */
export function entropyUncertainty(probabilities: Record<Tier, number>): number {
  let entropy = 0;
  for (const p of [probabilities.simple, probabilities.medium, probabilities.complex]) if (p > 0) entropy -= p * Math.log(p);
  return entropy / Math.log(3);
}

export function uncertainty(probabilities: Record<Tier, number>, strategy: UncertaintyStrategy): number {
  return strategy === 'margin' ? marginUncertainty(probabilities) : entropyUncertainty(probabilities);
}

/** Word bigrams (a one-word text: the word) of the normalised text. */
export function shingles(text: string): Set<string> {
  const words = normaliseForDedup(text).split(' ').filter(Boolean);
  if (words.length < 2) return new Set(words);
  const set = new Set<string>();
  for (let i = 0; i + 1 < words.length; i++) set.add(`${words[i]} ${words[i + 1]}`);
  return set;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const item of small) if (large.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Two queries whose word-bigram sets overlap this much are one query to label. */
export const NEAR_DUPLICATE_JACCARD = 0.8;

/**
 * Picks up to `n` of `ranked` (most wanted first), skipping any whose word bigrams overlap one
 * already picked by NEAR_DUPLICATE_JACCARD or more: uncertainty sampling otherwise spends a round
 * on twenty phrasings of the same confusing request. Exact duplicates were collapsed before.
 */
export function pickDiverse<T>(ranked: readonly T[], n: number, textOf: (item: T) => string): T[] {
  const picked: T[] = [];
  const pickedShingles: Set<string>[] = [];
  for (const item of ranked) {
    if (picked.length >= n) break;
    const own = shingles(textOf(item));
    if (pickedShingles.some((other) => jaccard(own, other) >= NEAR_DUPLICATE_JACCARD)) continue;
    picked.push(item);
    pickedShingles.push(own);
  }
  return picked;
}
