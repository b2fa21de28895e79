import { UsageError } from '../core/errors.ts';
import { AGREEMENT_ROLES, type AgreementRole, type HumanRole, type Preference, type SpotcheckTables } from '../store/spotcheck-tables.ts';
import type { Store } from '../store/types.ts';
import { cohenKappa, fleissKappa, quadraticWeightedKappa } from './kappa.ts';
import { spearman } from './spearman.ts';

export const AGREEMENT_METRICS = [
  'judge_human_weighted_kappa',
  'judge_human_spearman',
  'judge_human_preference_kappa',
  'inter_rater_cohen_kappa',
  'inter_rater_fleiss_kappa',
] as const;
export type AgreementMetric = (typeof AGREEMENT_METRICS)[number];

/** Below this many observations a figure is undefined rather than a number no one should trust. */
export const DEFAULT_MIN_ITEMS = 5;
const SCALE = [1, 2, 3, 4, 5] as const;

export interface AgreementFigure {
  metric: AgreementMetric;
  role: AgreementRole;
  /** undefined: not defined (too few observations, no variation, or the wrong number of raters); see note. */
  value: number | undefined;
  /** Observations it rests on: ratings (judge vs human), rated pairs (preference), or answers rated by several raters (inter-rater). */
  n: number;
  /** Distinct raters among those observations. */
  raters: number;
  note: string | undefined;
}

export interface AgreementReport {
  runId: string;
  computedAt: Date;
  minItems: number;
  ratings: number;
  raters: string[];
  figures: AgreementFigure[];
}

interface RatingRow {
  query_id: string;
  rater: string;
  role: HumanRole;
  human_score: number;
  preference: Preference | null;
  judge_status: string | null;
  judge_score: number | null;
}

/**
 * Judge-human and inter-rater agreement over every human rating of the run (sampled or imported):
 * - judge vs human, per role and overall: quadratic-weighted Cohen's kappa of the judge's score
 *   (rounded to the 1-5 scale) against the rater's, and Spearman's rho of the unrounded scores;
 *   one observation per rating of a judge-scored answer (an answer rated by two raters counts twice);
 * - preference: Cohen's kappa of the judge's preference (from its two scores: higher wins, equal
 *   is a tie) against the rater's, one observation per rater and query where both exist;
 * - inter-rater, per role and overall: Cohen's kappa when the run has exactly two raters (answers
 *   both rated), Fleiss' kappa when it has three or more (answers rated by at least two).
 */
export async function computeAgreement(
  store: Store,
  runId: string,
  options: { minItems?: number; now?: () => Date } = {},
): Promise<AgreementReport> {
  const minItems = options.minItems ?? DEFAULT_MIN_ITEMS;
  if ((await store.getRun(runId)) === undefined) throw new UsageError(`run not found: ${runId}`);
  const rows = await store.all<RatingRow>(
    `SELECT query_id, rater, role, human_score, preference, judge_status, judge_score
     FROM judge_human_ratings WHERE run_id = $1 ORDER BY query_id, role, rater`,
    [runId],
  );
  const judgePreferences = await readJudgePreferences(store, runId);
  const figures: AgreementFigure[] = [];
  for (const role of AGREEMENT_ROLES) {
    const scope = role === 'overall' ? rows : rows.filter((row) => row.role === role);
    figures.push(...judgeVersusHuman(scope, role, minItems));
  }
  figures.push(preferenceAgreement(rows, judgePreferences, minItems));
  for (const role of AGREEMENT_ROLES) {
    const scope = role === 'overall' ? rows : rows.filter((row) => row.role === role);
    figures.push(...interRater(scope, role, minItems));
  }
  return {
    runId,
    computedAt: (options.now ?? (() => new Date()))(),
    minItems,
    ratings: rows.length,
    raters: [...new Set(rows.map((row) => row.rater))].sort(),
    figures,
  };
}

/** Computes and stores the figures (replacing the run's earlier ones). */
export async function recordAgreement(
  tables: SpotcheckTables,
  runId: string,
  options: { minItems?: number; now?: () => Date } = {},
): Promise<AgreementReport> {
  const report = await computeAgreement(tables.store, runId, options);
  await tables.replaceAgreement(
    runId,
    report.figures.map((figure) => ({ runId, ...figure, computedAt: report.computedAt })),
  );
  return report;
}

function judgeVersusHuman(rows: readonly RatingRow[], role: AgreementRole, minItems: number): AgreementFigure[] {
  const scored = rows.filter((row) => row.judge_status === 'scored' && row.judge_score !== null);
  const raters = new Set(scored.map((row) => row.rater)).size;
  const n = scored.length;
  const judge = scored.map((row) => row.judge_score!);
  const human = scored.map((row) => row.human_score);
  const tooFew = n < minItems ? `${n} ratings of judge-scored answers, fewer than ${minItems}` : undefined;
  const kappa = tooFew ? undefined : quadraticWeightedKappa(judge.map(toScale), human, SCALE);
  const rho = tooFew ? undefined : spearman(judge, human);
  return [
    { metric: 'judge_human_weighted_kappa', role, value: kappa, n, raters, note: tooFew ?? (kappa === undefined ? 'no variation: judge and raters gave one and the same score throughout' : undefined) },
    { metric: 'judge_human_spearman', role, value: rho, n, raters, note: tooFew ?? (rho === undefined ? 'no variation: the judge or the raters gave one score throughout' : undefined) },
  ];
}

function preferenceAgreement(rows: readonly RatingRow[], judge: Map<string, Preference>, minItems: number): AgreementFigure {
  const human = new Map<string, { queryId: string; rater: string; preference: Preference }>();
  for (const row of rows) {
    if (row.preference !== null) human.set(`${row.query_id}\u0000${row.rater}`, { queryId: row.query_id, rater: row.rater, preference: row.preference });
  }
  const pairs = [...human.values()].filter((entry) => judge.has(entry.queryId));
  const n = pairs.length;
  const raters = new Set(pairs.map((entry) => entry.rater)).size;
  const base = { metric: 'judge_human_preference_kappa', role: 'overall' } as const;
  if (n < minItems) return { ...base, value: undefined, n, raters, note: `${n} rater preferences on judge-scored pairs, fewer than ${minItems}` };
  const code = { candidate: 1, baseline: 2, tie: 3 } satisfies Record<Preference, number>;
  const value = cohenKappa(pairs.map((entry) => code[judge.get(entry.queryId)!]), pairs.map((entry) => code[entry.preference]));
  return { ...base, value, n, raters, note: value === undefined ? 'no variation: one and the same preference throughout' : undefined };
}

function interRater(rows: readonly RatingRow[], role: AgreementRole, minItems: number): AgreementFigure[] {
  const raterNames = [...new Set(rows.map((row) => row.rater))].sort();
  const answers = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const key = `${row.query_id}\u0000${row.role}`;
    const byRater = answers.get(key) ?? new Map<string, number>();
    byRater.set(row.rater, row.human_score);
    answers.set(key, byRater);
  }
  const raters = raterNames.length;
  let cohen: AgreementFigure;
  if (raters === 2) {
    const [first, second] = raterNames as [string, string];
    const both = [...answers.values()].filter((byRater) => byRater.has(first) && byRater.has(second));
    const n = both.length;
    const value = n < minItems ? undefined : cohenKappa(both.map((byRater) => byRater.get(first)!), both.map((byRater) => byRater.get(second)!));
    const note = n < minItems ? `${n} answers rated by both raters, fewer than ${minItems}` : value === undefined ? 'no variation: both raters gave one score throughout' : undefined;
    cohen = { metric: 'inter_rater_cohen_kappa', role, value, n, raters, note };
  } else {
    cohen = { metric: 'inter_rater_cohen_kappa', role, value: undefined, n: 0, raters, note: `needs exactly two raters, the ratings have ${raters}` };
  }
  let fleiss: AgreementFigure;
  if (raters >= 3) {
    const shared = [...answers.values()].filter((byRater) => byRater.size >= 2);
    const n = shared.length;
    const table = shared.map((byRater) => SCALE.map((score) => [...byRater.values()].filter((value) => value === score).length));
    const value = n < minItems ? undefined : fleissKappa(table);
    const note = n < minItems ? `${n} answers rated by two or more raters, fewer than ${minItems}` : value === undefined ? 'no variation: one score throughout' : undefined;
    fleiss = { metric: 'inter_rater_fleiss_kappa', role, value, n, raters, note };
  } else {
    fleiss = { metric: 'inter_rater_fleiss_kappa', role, value: undefined, n: 0, raters, note: `needs three or more raters, the ratings have ${raters}` };
  }
  return [cohen, fleiss];
}

/** The judge's preference per query where both answers were scored: the higher score wins, equal is a tie. */
async function readJudgePreferences(store: Store, runId: string): Promise<Map<string, Preference>> {
  const rows = await store.all<{ query_id: string; served_score: number; baseline_score: number }>(
    `SELECT query_id, served_score, baseline_score FROM pairs
     WHERE run_id = $1 AND served_judge_status = 'scored' AND baseline_judge_status = 'scored'
       AND query_id IN (SELECT query_id FROM human_ratings WHERE run_id = $1)`,
    [runId],
  );
  return new Map(
    rows.map((row) => [
      row.query_id,
      row.served_score > row.baseline_score ? 'candidate' : row.served_score < row.baseline_score ? 'baseline' : 'tie',
    ]),
  );
}

function toScale(score: number): number {
  return Math.min(5, Math.max(1, Math.round(score)));
}

/** The report as one JSON-ready object: undefined figures are null. */
export function agreementJson(report: AgreementReport): Record<string, unknown> {
  return {
    run_id: report.runId,
    computed_at: report.computedAt.toISOString(),
    min_items: report.minItems,
    ratings: report.ratings,
    raters: report.raters,
    figures: report.figures.map((figure) => ({
      metric: figure.metric,
      role: figure.role,
      value: figure.value ?? null,
      n: figure.n,
      raters: figure.raters,
      note: figure.note ?? null,
    })),
  };
}

const LABELS: Record<AgreementMetric, string> = {
  judge_human_weighted_kappa: 'judge vs human, quadratic-weighted kappa',
  judge_human_spearman: 'judge vs human, Spearman',
  judge_human_preference_kappa: 'judge vs human preference, Cohen kappa',
  inter_rater_cohen_kappa: 'inter-rater, Cohen kappa',
  inter_rater_fleiss_kappa: 'inter-rater, Fleiss kappa',
};

/** Plain text: one line per figure that applies (the inter-rater kappa that needs another number of raters is left out). */
export function formatAgreement(report: AgreementReport): string {
  const lines = [
    `spot-check agreement for run ${report.runId}: ${report.ratings} ratings by ${report.raters.length} rater(s)` +
      (report.raters.length > 0 ? ` (${report.raters.join(', ')})` : '') +
      `; a figure needs ${report.minItems} or more observations`,
  ];
  for (const figure of report.figures) {
    if (figure.metric === 'inter_rater_cohen_kappa' && figure.raters !== 2) continue;
    if (figure.metric === 'inter_rater_fleiss_kappa' && figure.raters < 3) continue;
    const value = figure.value === undefined ? 'undefined' : figure.value.toFixed(3);
    lines.push(`  ${LABELS[figure.metric].padEnd(42)} ${figure.role.padEnd(10)} ${value.padStart(9)}  n=${figure.n}${figure.note ? `  (${figure.note})` : ''}`);
  }
  if (report.raters.length < 2) lines.push('  inter-rater agreement needs two or more raters');
  return `${lines.join('\n')}\n`;
}
