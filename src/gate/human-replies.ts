import type { GateStore } from './metrics.ts';

/**
 * Logged human agents' replies (dataset.answer_source: human), over the whole run. Shown beside the
 * models for the reader; no check reads them, and no baseline or cost figure includes them (those
 * read role 'baseline' and model calls only).
 */
export interface HumanReplies {
  replies: number;
  /** Replies the judge scored; the means below are over these. */
  scored: number;
  meanScore: number | undefined;
  /** On queries where the human reply and the baseline model's answer were both scored. */
  versusBaseline: { n: number; meanHuman: number | undefined; meanBaseline: number | undefined };
  /** On queries where the human reply and the served answer were both scored. */
  versusServed: { n: number; meanHuman: number | undefined; meanServed: number | undefined };
}

const value = (x: number | null | undefined): number | undefined => (x === null || x === undefined ? undefined : Number(x));

/** undefined when the run holds no human reply (most runs): then nothing more is read. */
export async function readHumanReplies(store: GateStore, runId: string): Promise<HumanReplies | undefined> {
  const [present] = await store.all<{ n: number }>(`SELECT count(*) AS n FROM responses WHERE run_id = ? AND role = 'human'`, [runId]);
  if (Number(present?.n ?? 0) === 0) return undefined;
  const [row] = await store.all<Record<string, number | null>>(
    `SELECT count(*) AS replies,
            count(human_score) AS scored,
            avg(human_score) AS mean_score,
            count(human_minus_baseline) AS n_baseline,
            avg(human_score) FILTER (WHERE human_minus_baseline IS NOT NULL) AS human_vs_baseline,
            avg(baseline_score) FILTER (WHERE human_minus_baseline IS NOT NULL) AS baseline_mean,
            count(human_minus_served) AS n_served,
            avg(human_score) FILTER (WHERE human_minus_served IS NOT NULL) AS human_vs_served,
            avg(served_score) FILTER (WHERE human_minus_served IS NOT NULL) AS served_mean
     FROM human_replies WHERE run_id = ?`,
    [runId],
  );
  return {
    replies: Number(row?.['replies'] ?? 0),
    scored: Number(row?.['scored'] ?? 0),
    meanScore: value(row?.['mean_score']),
    versusBaseline: { n: Number(row?.['n_baseline'] ?? 0), meanHuman: value(row?.['human_vs_baseline']), meanBaseline: value(row?.['baseline_mean']) },
    versusServed: { n: Number(row?.['n_served'] ?? 0), meanHuman: value(row?.['human_vs_served']), meanServed: value(row?.['served_mean']) },
  };
}

const score = (x: number | undefined): string => (x === undefined ? 'n/a' : x.toFixed(2));

/** One sentence for the gate's output and both report formats. */
export function describeHumanReplies(human: HumanReplies): string {
  const comparisons = [
    human.versusBaseline.n > 0 ? `${score(human.versusBaseline.meanHuman)} vs the baseline model's ${score(human.versusBaseline.meanBaseline)} on ${human.versusBaseline.n} queries` : undefined,
    human.versusServed.n > 0 ? `${score(human.versusServed.meanHuman)} vs the served answer's ${score(human.versusServed.meanServed)} on ${human.versusServed.n}` : undefined,
  ].filter((part) => part !== undefined);
  return (
    `Human agent replies from the log (role human, beside the models; never the baseline, not in any check or cost): ${human.replies}, ${human.scored} scored, mean ${score(human.meanScore)}` +
    (comparisons.length === 0 ? '' : `; ${comparisons.join(', ')}`)
  );
}
