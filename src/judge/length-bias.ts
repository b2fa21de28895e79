/**
 * Length bias: does the judge's score follow the answer's length? Pearson for a linear relation,
 * Spearman for any monotone one (ties share their average rank: src/stats/correlation.ts).
 */
import { averageRanks, pearson as pearsonOfAny, spearman as spearmanOfAny } from '../stats/correlation.ts';

export { averageRanks };

/** undefined when it is not defined: fewer than 3 pairs (two points always line up), or either variable constant. */
export function pearson(x: readonly number[], y: readonly number[]): number | undefined {
  if (x.length === y.length && x.length < 3) return undefined;
  return pearsonOfAny(x, y);
}

export function spearman(x: readonly number[], y: readonly number[]): number | undefined {
  if (x.length === y.length && x.length < 3) return undefined;
  return spearmanOfAny(x, y);
}

/** Answer length in words: closer to what a reader perceives as "long" than characters or tokens. */
export function answerLength(text: string): number {
  const words = text.trim().split(/\s+/);
  return words[0] === '' ? 0 : words.length;
}

export interface LengthBias {
  /** Pairs the coefficients rest on. */
  n: number;
  pearson: number | undefined;
  spearman: number | undefined;
  meanLength: number | undefined;
}

/** Correlation of score with answer length (in words) over scored answers. */
export function lengthBias(items: readonly { score: number; length: number }[]): LengthBias {
  const scores = items.map((item) => item.score);
  const lengths = items.map((item) => item.length);
  return {
    n: items.length,
    pearson: pearson(lengths, scores),
    spearman: spearman(lengths, scores),
    meanLength: items.length === 0 ? undefined : lengths.reduce((sum, value) => sum + value, 0) / items.length,
  };
}

export function formatCorrelation(value: number | undefined): string {
  return value === undefined ? 'n/a' : (value >= 0 ? '+' : '') + value.toFixed(2);
}
