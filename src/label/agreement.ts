import { TIERS, type Tier } from '../core/tier.ts';
import { cohenKappa, fleissKappa } from '../spotcheck/kappa.ts';
import type { Store } from '../store/types.ts';
import { krippendorffAlphaNominal, specificAgreement } from './krippendorff.ts';

export const DEFAULT_TARGET = 0.9;
/** Below this many items labelled by two or more raters, agreement is not measured. */
export const MIN_OVERLAP_ITEMS = 10;

export interface RaterPair {
  raters: [string, string];
  /** Items both labelled (skips left out). */
  n: number;
  /** confusion[first's label][second's label]. */
  confusion: Record<Tier, Record<Tier, number>>;
  cohen_kappa: number | undefined;
}

export interface Disagreement {
  item_id: string;
  text: string;
  ratings: Record<string, Tier>;
}

export interface LabelAgreement {
  round: number | undefined;
  target: number;
  items: number;
  ratings: number;
  raters: string[];
  /** Items with two or more (non-skip) labels: the overlap agreement is measured on. */
  overlap_items: number;
  fleiss_kappa: number | undefined;
  krippendorff_alpha: number | undefined;
  per_class: Record<Tier, number | undefined>;
  pairs: RaterPair[];
  /** pass: both figures reach the target; fail: one does not; undefined: too little overlap. */
  verdict: 'pass' | 'fail' | 'undefined';
  note: string | undefined;
  disagreements: Disagreement[];
  adjudicated: number;
}

/**
 * Rater agreement over the items labelled by two or more raters ("skip" counts as no label):
 * Fleiss' kappa (spotcheck/kappa.ts, the unequal-raters generalisation), Krippendorff's nominal
 * alpha (missing ratings allowed), specific agreement per tier, and per pair of raters their
 * confusion table and Cohen's kappa. Disagreements without an adjudication are listed; an
 * adjudicated item's final label is the adjudicator's (the label_final view).
 */
export async function labelAgreement(store: Store, options: { round?: number; target?: number } = {}): Promise<LabelAgreement> {
  const target = options.target ?? DEFAULT_TARGET;
  const where = options.round === undefined ? '' : 'WHERE i.round = $1';
  const params = options.round === undefined ? [] : [options.round];
  const rows = await store.all<{ item_id: string; text: string; rater: string | null; label: string | null; adjudicated: string | null }>(
    `SELECT i.item_id, i.display_text AS text, r.rater, r.label, a.label AS adjudicated
     FROM label_items i LEFT JOIN label_ratings r USING (item_id) LEFT JOIN label_adjudications a USING (item_id)
     ${where} ORDER BY i.item_id, r.rater`,
    params,
  );
  const byItem = new Map<string, { text: string; ratings: Map<string, Tier>; adjudicated: boolean }>();
  let ratings = 0;
  const raters = new Set<string>();
  for (const row of rows) {
    const item = byItem.get(row.item_id) ?? { text: row.text, ratings: new Map<string, Tier>(), adjudicated: row.adjudicated !== null };
    byItem.set(row.item_id, item);
    if (row.rater !== null && row.label !== null && row.label !== 'skip') {
      item.ratings.set(row.rater, row.label as Tier);
      raters.add(row.rater);
      ratings++;
    }
  }
  const shared = [...byItem.entries()].filter(([, item]) => item.ratings.size >= 2);
  const counts = shared.map(([, item]) => TIERS.map((tier) => [...item.ratings.values()].filter((label) => label === tier).length));
  const enough = shared.length >= MIN_OVERLAP_ITEMS;
  const fleiss = enough ? fleissKappa(counts) : undefined;
  const alpha = enough ? krippendorffAlphaNominal(counts) : undefined;
  const perClass = Object.fromEntries(TIERS.map((tier, index) => [tier, enough ? specificAgreement(counts, index) : undefined])) as Record<Tier, number | undefined>;

  const names = [...raters].sort();
  const pairs: RaterPair[] = [];
  for (let a = 0; a < names.length; a++) {
    for (let b = a + 1; b < names.length; b++) {
      const first = names[a]!;
      const second = names[b]!;
      const confusion = Object.fromEntries(TIERS.map((tier) => [tier, Object.fromEntries(TIERS.map((other) => [other, 0]))])) as Record<Tier, Record<Tier, number>>;
      const x: number[] = [];
      const y: number[] = [];
      for (const [, item] of shared) {
        const one = item.ratings.get(first);
        const two = item.ratings.get(second);
        if (one === undefined || two === undefined) continue;
        confusion[one][two]++;
        x.push(TIERS.indexOf(one));
        y.push(TIERS.indexOf(two));
      }
      if (x.length > 0) pairs.push({ raters: [first, second], n: x.length, confusion, cohen_kappa: x.length >= MIN_OVERLAP_ITEMS ? cohenKappa(x, y) : undefined });
    }
  }
  const disagreements = shared
    .filter(([, item]) => !item.adjudicated && new Set(item.ratings.values()).size > 1)
    .map(([itemId, item]) => ({ item_id: itemId, text: item.text, ratings: Object.fromEntries(item.ratings) }));
  let verdict: LabelAgreement['verdict'];
  let note: string | undefined;
  if (!enough) {
    verdict = 'undefined';
    note = `${shared.length} items labelled by two or more raters, fewer than ${MIN_OVERLAP_ITEMS}: label more of the overlap (label serve --overlap)`;
  } else if (fleiss === undefined || alpha === undefined) {
    verdict = 'undefined';
    note = 'no variation: every overlap label is the same tier';
  } else {
    verdict = fleiss >= target && alpha >= target ? 'pass' : 'fail';
  }
  return {
    round: options.round,
    target,
    items: byItem.size,
    ratings,
    raters: names,
    overlap_items: shared.length,
    fleiss_kappa: fleiss,
    krippendorff_alpha: alpha,
    per_class: perClass,
    pairs,
    verdict,
    note,
    disagreements,
    adjudicated: [...byItem.values()].filter((item) => item.adjudicated).length,
  };
}

const fixed = (value: number | undefined) => (value === undefined ? 'undefined' : value.toFixed(3));

export function formatLabelAgreement(report: LabelAgreement): string {
  const lines = [
    `label agreement${report.round === undefined ? '' : ` (round ${report.round})`}: ${report.items} items, ${report.ratings} labels by ${report.raters.length} rater(s)${report.raters.length ? ` (${report.raters.join(', ')})` : ''}; ${report.overlap_items} items labelled by two or more`,
    `  Fleiss' kappa        ${fixed(report.fleiss_kappa)}`,
    `  Krippendorff's alpha ${fixed(report.krippendorff_alpha)} (nominal)`,
    `  per tier (specific agreement): ${TIERS.map((tier) => `${tier} ${fixed(report.per_class[tier])}`).join(', ')}`,
  ];
  for (const pair of report.pairs) {
    lines.push(`  ${pair.raters[0]} vs ${pair.raters[1]}: ${pair.n} items, Cohen's kappa ${fixed(pair.cohen_kappa)}; rows ${pair.raters[0]}, columns ${pair.raters[1]} (${TIERS.join('/')}):`);
    for (const tier of TIERS) lines.push(`    ${tier.padEnd(8)}${TIERS.map((other) => String(pair.confusion[tier][other]).padStart(6)).join('')}`);
  }
  lines.push(
    `${report.verdict.toUpperCase()}: target ${report.target} for both figures` + (report.note ? ` (${report.note})` : ''),
    `${report.disagreements.length} disagreement(s) to adjudicate, ${report.adjudicated} adjudicated`,
  );
  for (const item of report.disagreements.slice(0, 20)) {
    lines.push(`  ${item.item_id}  ${Object.entries(item.ratings).map(([rater, label]) => `${rater}=${label}`).join(' ')}  ${JSON.stringify(item.text.slice(0, 100))}`);
  }
  if (report.disagreements.length > 20) lines.push(`  ... ${report.disagreements.length - 20} more (--disagreements FILE writes them all)`);
  return `${lines.join('\n')}\n`;
}
