import { TIERS, type Tier } from '../core/tier.ts';
import type { Check } from './decide.ts';
import { fmt, pct, skip } from './decide.ts';
import type { FactTable } from './fact-table.ts';
import type { GateStore, RunMetrics } from './metrics.ts';
import { viewExists, type Absent } from './optional-evidence.ts';
import type { Thresholds } from './plan.ts';

// Issue 15: every served answer is judged, or the gate says why not. A served answer can go
// unjudged because the privacy policy withheld it from an external judge (a sensitive query with no
// on-prem judge), because the judge failed on it (unscored or error), or because it was never sent
// (a run stopped before judging, a judge stage left out). Per-tier quality covers only the judged
// ones, so the gate shows "n judged of m served" and holds when too many are missing.

export const DEFAULT_MAX_UNJUDGED_RATE = 0.02;

export type UnjudgedReason = 'judge withheld (sensitive query, no on-prem judge)' | 'judge failed (unscored or error)' | 'not judged';

export interface TierCoverage {
  tier: Tier;
  served: number;
  judged: number;
  /** Sensitive queries among the served (judged on-prem when privacy.sensitive.judge is set). */
  sensitive: number;
  reasons: Partial<Record<UnjudgedReason, number>>;
}

export interface OnpremJudgeEvidence {
  judgeName: string;
  judgeEndpoint: string;
  judgeModel: string;
  referenceModel: string | undefined;
  sampleRate: number;
  n: number;
  weightedKappa: number | undefined;
  meanBias: number | undefined;
  exact: number | undefined;
  withinOne: number | undefined;
}

export function judgeCoverage(facts: FactTable): TierCoverage[] {
  const coverage = TIERS.map((tier): TierCoverage => ({ tier, served: 0, judged: 0, sensitive: 0, reasons: {} }));
  const scored = facts.servedStatus.codeOf('scored');
  const failed = [facts.servedStatus.codeOf('unscored'), facts.servedStatus.codeOf('error')];
  for (let row = 0; row < facts.length; row++) {
    const tier = facts.tier[row]!;
    if (tier < 0 || facts.servedAnswered[row] === 0) continue;
    const cell = coverage[tier]!;
    cell.served++;
    if (facts.sensitive[row] === 1) cell.sensitive++;
    const status = facts.servedStatus.codes[row]!;
    if (status === scored) {
      cell.judged++;
      continue;
    }
    const reason: UnjudgedReason = failed.includes(status)
      ? 'judge failed (unscored or error)'
      : facts.judgeWithheld[row] === 1
        ? 'judge withheld (sensitive query, no on-prem judge)'
        : 'not judged';
    cell.reasons[reason] = (cell.reasons[reason] ?? 0) + 1;
  }
  return coverage;
}

export function describeCoverage(coverage: TierCoverage): string {
  const missing = coverage.served - coverage.judged;
  const reasons = Object.entries(coverage.reasons).map(([reason, n]) => `${n} ${reason}`);
  return `${coverage.judged} judged of ${coverage.served} served on ${coverage.tier}${missing > 0 ? ` (${missing} unjudged: ${reasons.join(', ')})` : ''}`;
}

/** One check per tier of the step's scope: at most max_unjudged_rate of its served answers unjudged, else hold. */
export function unjudgedChecks(metrics: RunMetrics, thresholds: Thresholds): Check[] {
  const bar = thresholds.max_unjudged_rate ?? DEFAULT_MAX_UNJUDGED_RATE;
  const scope = metrics.scope?.tiers ?? [...TIERS];
  return (metrics.coverage ?? [])
    .filter((coverage) => scope.includes(coverage.tier))
    .map((coverage) => {
      const metric = `unjudged_${coverage.tier}`;
      if (coverage.served === 0) return skip(metric, `no served answers on ${coverage.tier}`, `<= ${pct(bar)}`);
      const rate = (coverage.served - coverage.judged) / coverage.served;
      // Missing evidence is not evidence of a bad answer: too many unjudged holds, never fails.
      return {
        metric,
        outcome: rate <= bar ? 'pass' : 'hold',
        value: rate,
        interval: undefined,
        threshold: `<= ${pct(bar)} of served answers`,
        n: coverage.served,
        detail: `${describeCoverage(coverage)}: ${pct(rate)} unjudged${rate <= bar ? '' : '; quality on this tier does not cover them'}`,
      } satisfies Check;
    });
}

export function describeOnpremJudge(evidence: OnpremJudgeEvidence): string {
  const bias = evidence.meanBias === undefined ? 'unknown' : `${evidence.meanBias >= 0 ? '+' : ''}${fmt(evidence.meanBias)}`;
  return `on-prem judge ${evidence.judgeEndpoint} (${evidence.judgeModel}) vs ${evidence.referenceModel ?? 'the main judge'}: weighted kappa ${fmt(evidence.weightedKappa)}, mean bias ${bias}, exact ${pct(evidence.exact)}, within one ${pct(evidence.withinOne)} on n=${evidence.n} non-sensitive answers both judged (sample ${pct(evidence.sampleRate)})`;
}

/** min_onprem_judge_kappa: the on-prem judge that grades sensitive answers alone agrees with the main judge. */
export function onpremJudgeCheck(metrics: RunMetrics, thresholds: Thresholds): Check[] {
  const minimum = thresholds.min_onprem_judge_kappa;
  if (minimum === undefined) return [];
  const threshold = `weighted kappa >= ${minimum}`;
  const evidence = metrics.onpremJudge;
  const sensitiveServed = (metrics.coverage ?? []).reduce((sum, coverage) => sum + coverage.sensitive, 0);
  if (evidence === undefined || 'absent' in evidence) {
    const why = evidence?.absent ?? 'not measured';
    // Without sensitive answers nothing was judged on-prem alone: nothing to trust or distrust.
    if (sensitiveServed === 0) return [skip('onprem_judge_kappa', `${why}; no sensitive answers were served`, threshold)];
    return [{ metric: 'onprem_judge_kappa', outcome: 'hold', value: undefined, interval: undefined, threshold, n: 0, detail: `${why}; ${sensitiveServed} sensitive answers rest on it` }];
  }
  const base = { metric: 'onprem_judge_kappa', value: evidence.weightedKappa, interval: undefined, threshold, n: evidence.n };
  const detail = describeOnpremJudge(evidence);
  const minimumPairs = thresholds.min_human_ratings ?? 30;
  if (evidence.n < minimumPairs || evidence.weightedKappa === undefined) {
    return [{ ...base, outcome: 'hold', detail: `${detail}: ${evidence.weightedKappa === undefined ? 'no variation to measure agreement on' : `fewer than ${minimumPairs} pairs`}` }];
  }
  return [{ ...base, outcome: evidence.weightedKappa >= minimum ? 'pass' : 'fail', detail }];
}

export async function readOnpremJudge(store: GateStore, runId: string): Promise<OnpremJudgeEvidence | Absent> {
  if (!(await viewExists(store, 'onprem_judge_agreement'))) return { absent: 'this database predates the on-prem judge measurement' };
  const rows = await store.all<Record<string, unknown>>(
    `SELECT judge_name, judge_endpoint, judge_model, reference_model, sample_rate, n, weighted_kappa, mean_bias, exact, within_one
     FROM onprem_judge_agreement WHERE run_id = ? ORDER BY computed_at DESC LIMIT 1`,
    [runId],
  );
  const row = rows[0];
  if (row === undefined) return { absent: 'no on-prem judge agreement was measured on this run (privacy.sensitive.judge unset, or agreement_sample 0)' };
  const number = (value: unknown): number | undefined => (value === null || value === undefined ? undefined : Number(value));
  return {
    judgeName: String(row.judge_name),
    judgeEndpoint: String(row.judge_endpoint),
    judgeModel: String(row.judge_model),
    referenceModel: row.reference_model === null ? undefined : String(row.reference_model),
    sampleRate: Number(row.sample_rate),
    n: Number(row.n),
    weightedKappa: number(row.weighted_kappa),
    meanBias: number(row.mean_bias),
    exact: number(row.exact),
    withinOne: number(row.within_one),
  };
}
