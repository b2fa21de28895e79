import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import pLimit from 'p-limit';
import { answerLength, lengthBias, type LengthBias } from './length-bias.ts';
import type { Judge } from './llm-judge.ts';
import { pairwiseStats, type PairwiseJudge, type PairwiseStats } from './pairwise-judge.ts';

/** The same query answered twice: at length and briefly. */
export interface AnswerPair {
  query: string;
  long: string;
  short: string;
}

export interface LengthBiasStudy {
  pairs: number;
  meanWords: { long: number; short: number };
  single: {
    /** Pairs where both answers were scored: what the means and differences rest on. */
    paired: number;
    unscored: number;
    meanLong: number | undefined;
    meanShort: number | undefined;
    /** Mean of (long score - short score) over paired queries. */
    meanDifference: number | undefined;
    longHigher: number;
    equal: number;
    shortHigher: number;
    /** Score against length over all scored answers of both kinds. */
    pooled: LengthBias;
    withinLong: LengthBias;
    withinShort: LengthBias;
  };
  /** The long answer as the candidate, the short one as the baseline. */
  pairwise?: PairwiseStats & { compared: number };
}

const mean = (values: readonly number[]): number | undefined => (values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0) / values.length);

/**
 * Judges both answers of each pair (no reference: none exists for them), and optionally compares
 * them pairwise in both orders. What it measures is the judge given, nothing else.
 */
export async function lengthBiasStudy(pairs: readonly AnswerPair[], judges: { judge: Judge; pairwise?: PairwiseJudge; concurrency?: number }): Promise<LengthBiasStudy> {
  const limit = pLimit(judges.concurrency ?? 16);
  const graded = await Promise.all(
    pairs.map((pair) =>
      limit(async () => {
        const [long, short] = await Promise.all([
          judges.judge.grade({ query: pair.query, answer: pair.long, reference: undefined }),
          judges.judge.grade({ query: pair.query, answer: pair.short, reference: undefined }),
        ]);
        const comparison = judges.pairwise ? await judges.pairwise.compare({ query: pair.query, reference: undefined, candidate: pair.long, baseline: pair.short }) : undefined;
        return { pair, long: long.verdict, short: short.verdict, comparison };
      }),
    ),
  );
  const scoredLong: { score: number; length: number }[] = [];
  const scoredShort: { score: number; length: number }[] = [];
  const differences: number[] = [];
  let unscored = 0;
  for (const result of graded) {
    if (result.long.status === 'scored') scoredLong.push({ score: result.long.score, length: answerLength(result.pair.long) });
    else unscored++;
    if (result.short.status === 'scored') scoredShort.push({ score: result.short.score, length: answerLength(result.pair.short) });
    else unscored++;
    if (result.long.status === 'scored' && result.short.status === 'scored') differences.push(result.long.score - result.short.score);
  }
  const study: LengthBiasStudy = {
    pairs: pairs.length,
    meanWords: { long: mean(pairs.map((pair) => answerLength(pair.long))) ?? 0, short: mean(pairs.map((pair) => answerLength(pair.short))) ?? 0 },
    single: {
      paired: differences.length,
      unscored,
      meanLong: mean(scoredLong.map((item) => item.score)),
      meanShort: mean(scoredShort.map((item) => item.score)),
      meanDifference: mean(differences),
      longHigher: differences.filter((difference) => difference > 0).length,
      equal: differences.filter((difference) => difference === 0).length,
      shortHigher: differences.filter((difference) => difference < 0).length,
      pooled: lengthBias([...scoredLong, ...scoredShort]),
      withinLong: lengthBias(scoredLong),
      withinShort: lengthBias(scoredShort),
    },
  };
  const comparisons = graded.flatMap((result) => (result.comparison ? [result.comparison] : []));
  if (judges.pairwise) study.pairwise = { ...pairwiseStats(comparisons), compared: comparisons.filter((comparison) => comparison.status === 'scored').length };
  return study;
}

/**
 * Bitext's two recordings of the same utterances (responses-detailed.csv, responses-terse.csv):
 * `n` utterances present in both, spread evenly over the sorted list so every intent is represented.
 */
export function readBitextPairs(dir: string, n: number): AnswerPair[] {
  const read = (file: string): Map<string, string> => {
    const rows = parse(readFileSync(join(dir, file)), { columns: true, skip_empty_lines: true }) as { instruction?: string; response?: string }[];
    const answers = new Map<string, string>();
    for (const row of rows) if (row.instruction && row.response && !answers.has(row.instruction)) answers.set(row.instruction, row.response);
    return answers;
  };
  const detailed = read('responses-detailed.csv');
  const terse = read('responses-terse.csv');
  const shared = [...detailed.keys()].filter((query) => terse.has(query)).sort();
  const count = Math.min(n, shared.length);
  return Array.from({ length: count }, (_, index) => {
    const query = shared[Math.floor((index * shared.length) / count)]!;
    return { query, long: detailed.get(query)!, short: terse.get(query)! };
  });
}
