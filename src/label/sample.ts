import { UsageError } from '../core/errors.ts';
import type { Tier } from '../core/tier.ts';
import { parseFieldFlags } from '../ingest/field-mapping.ts';
import { openLog } from '../ingest/open-log.ts';
import { redact, type RedactOptions } from '../privacy/index.ts';
import { loadRouter } from '../router/load-router.ts';
import { seededRandom, shuffle } from '../spotcheck/random.ts';
import type { LabelItem, LabelTables } from '../store/label-tables.ts';
import { dedupKey, pickDiverse, uncertainty, type UncertaintyStrategy } from './select.ts';

export const SAMPLE_STRATEGIES = ['margin', 'entropy', 'random'] as const;
export type SampleStrategy = (typeof SAMPLE_STRATEGIES)[number];

export interface SampleOptions {
  data: string;
  fields: readonly string[];
  /** Items for this round's training labels. */
  n: number;
  /** Training round; default: one after the last sampled. */
  round: number | undefined;
  /** Size of the random test slice, drawn once per database before the first round. */
  testN: number;
  model: string;
  strategy: SampleStrategy;
  seed: number;
  /** The config's privacy settings (order number formats, allow-list, ...); default: the privacy module's. */
  redactOptions?: RedactOptions;
  now?: () => Date;
}

export interface SampleResult {
  data: string;
  round: number;
  strategy: SampleStrategy;
  routerVersion: string | undefined;
  /** Queries read from the log (rejected records not counted). */
  queries: number;
  rejects: number;
  /** Distinct queries after near-duplicates collapsed. */
  distinct: number;
  /** Distinct queries already in label_items (an earlier round or the test slice). */
  alreadySelected: number;
  testItems: number;
  trainItems: number;
  /** Mean uncertainty of the picked items and of all candidates (margin/entropy). */
  meanUncertainty: { picked: number; candidates: number } | undefined;
}

interface Candidate {
  key: string;
  text: string;
  display: string;
  duplicates: number;
  file: string;
  line: number;
  queryId: string;
}

/**
 * `label sample`: what to label next. The test slice comes first (random, seeded, drawn once, so
 * it measures every later router without bias); each round then takes the queries the current
 * router is least sure of (or a random draw, the baseline), one per near-duplicate group. Raters
 * only ever see the redacted text; the original stays in label_items.
 */
export async function sampleForLabelling(tables: LabelTables, options: SampleOptions): Promise<SampleResult> {
  const now = (options.now ?? (() => new Date()))();
  const existing = await tables.store.all<{ dedup_key: string; split: string; round: number }>('SELECT dedup_key, split, round FROM label_items');
  const lastRound = existing.filter((row) => row.split === 'train').reduce((max, row) => Math.max(max, row.round), 0);
  const round = options.round ?? lastRound + 1;
  if (round < 1) throw new UsageError(`--round must be 1 or more, got ${round}`);
  if (existing.some((row) => row.split === 'train' && row.round === round)) {
    throw new UsageError(`round ${round} is already sampled in ${tables.store.path}; the next round is ${lastRound + 1}`);
  }
  const taken = new Set(existing.map((row) => row.dedup_key));

  const reader = await openLog({ path: options.data, mapping: parseFieldFlags(options.fields) });
  const groups = new Map<string, Candidate>();
  let queries = 0;
  let rejects = 0;
  try {
    for await (const item of reader.items()) {
      if (item.kind === 'reject') {
        rejects++;
        continue;
      }
      queries++;
      const { query } = item;
      // Un-numbered placeholders: a rater needs to know an email was there, not to tell two apart.
      const display = redact(query.text, { ...options.redactOptions, numbered: false }).text;
      const key = dedupKey(display);
      const group = groups.get(key);
      if (group !== undefined) group.duplicates++;
      else groups.set(key, { key, text: query.text, display, duplicates: 1, file: query.source.file, line: query.source.line, queryId: query.queryId });
    }
  } finally {
    await reader.close();
  }
  if (queries === 0) throw new UsageError(`${options.data}: no query to sample from`);

  const random = seededRandom(`label-sample:${options.seed}:${round}`);
  let candidates = [...groups.values()].filter((group) => !taken.has(group.key));
  const alreadySelected = groups.size - candidates.length;
  const rows: LabelItem[] = [];
  const row = (candidate: Candidate, split: 'test' | 'train', selectedBy: LabelItem['selectedBy'], extra: Partial<LabelItem> = {}): LabelItem => ({
    itemId: `L-${candidate.key}`,
    split,
    round: split === 'test' ? 0 : round,
    selectedBy,
    uncertainty: undefined,
    routerVersion: undefined,
    probabilities: undefined,
    originalText: candidate.text,
    displayText: candidate.display,
    dedupKey: candidate.key,
    duplicates: candidate.duplicates,
    sourceFile: candidate.file,
    sourceLine: candidate.line,
    sourceQueryId: candidate.queryId,
    createdAt: now,
    ...extra,
  });

  let testItems = 0;
  if (!existing.some((item) => item.split === 'test') && options.testN > 0) {
    const testRandom = seededRandom(`label-test:${options.seed}`);
    const test = shuffle([...candidates].sort((a, b) => (a.key < b.key ? -1 : 1)), testRandom).slice(0, options.testN);
    const testKeys = new Set(test.map((candidate) => candidate.key));
    rows.push(...test.map((candidate) => row(candidate, 'test', 'random')));
    candidates = candidates.filter((candidate) => !testKeys.has(candidate.key));
    testItems = test.length;
  }

  // File order, then a seeded shuffle: ties in uncertainty and the random strategy do not depend on the log's order.
  candidates = shuffle(candidates.sort((a, b) => (a.key < b.key ? -1 : 1)), random);
  let routerVersion: string | undefined;
  let meanUncertainty: SampleResult['meanUncertainty'];
  let picked: { candidate: Candidate; probabilities?: Record<Tier, number>; score?: number }[];
  if (options.strategy === 'random') {
    picked = pickDiverse(candidates, options.n, (candidate) => candidate.display).map((candidate) => ({ candidate }));
  } else {
    const strategy: UncertaintyStrategy = options.strategy;
    const router = await loadRouter(options.model);
    try {
      routerVersion = router.version;
      const results = await router.classifyBatch(candidates.map((candidate) => candidate.text));
      const scored = candidates.map((candidate, index) => ({ candidate, probabilities: results[index]!.probabilities, score: uncertainty(results[index]!.probabilities, strategy) }));
      scored.sort((a, b) => b.score - a.score);
      picked = pickDiverse(scored, options.n, (entry) => entry.candidate.display);
      const mean = (values: number[]) => (values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length);
      meanUncertainty = { picked: mean(picked.map((entry) => entry.score!)), candidates: mean(scored.map((entry) => entry.score)) };
    } finally {
      await router.close();
    }
  }
  rows.push(
    ...picked.map((entry) =>
      row(entry.candidate, 'train', options.strategy, {
        uncertainty: entry.score,
        routerVersion,
        probabilities: entry.probabilities,
      }),
    ),
  );
  if (rows.length === 0) throw new UsageError(`${options.data}: every query in it is already selected for labelling; nothing new to sample`);
  await tables.insertItems(rows);
  return {
    data: options.data,
    round,
    strategy: options.strategy,
    routerVersion,
    queries,
    rejects,
    distinct: groups.size,
    alreadySelected,
    testItems,
    trainItems: picked.length,
    meanUncertainty,
  };
}

export function formatSample(result: SampleResult): string {
  const lines = [
    `${result.data}: ${result.queries} queries (${result.rejects} rejected), ${result.distinct} distinct after collapsing near-duplicates, ${result.alreadySelected} already selected`,
  ];
  if (result.testItems > 0) lines.push(`test slice: ${result.testItems} queries set aside at random (labelled like the others, never trained on)`);
  lines.push(
    `round ${result.round}: ${result.trainItems} queries to label, ` +
      (result.strategy === 'random'
        ? 'drawn at random'
        : `the ${result.strategy} uncertainty of router ${result.routerVersion} highest first (mean ${result.meanUncertainty?.picked.toFixed(3)} picked vs ${result.meanUncertainty?.candidates.toFixed(3)} over all candidates)`),
  );
  lines.push('next: hybrid-eval label serve (or label export --out FILE for raters who work in a spreadsheet)');
  return `${lines.join('\n')}\n`;
}
