import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSpotcheckTables, type HumanRating, type SpotcheckTables } from '../store/spotcheck-tables.ts';
import { tempDir } from '../store/test-records.ts';
import { computeAgreement, recordAgreement } from './agreement.ts';
import { cohenKappa, quadraticWeightedKappa } from './kappa.ts';
import { spearman } from './spearman.ts';
import { scored, writeTestRun } from './test-run.ts';

const RUN = 'r1';
// Judge scores per query: candidate, baseline. q03's fallback served and was judged 5; q07's candidate went unscored.
const JUDGE = [
  [4, 5], [2, 5], [3, 3], [5, 4], [1, 2], [4, 4], [3, 5], [2, 2],
] as const;

let dir: ReturnType<typeof tempDir>;
let tables: SpotcheckTables;
beforeEach(async () => {
  dir = tempDir('hybrid-eval-agreement-');
  const path = join(dir.path, 'a.duckdb');
  await writeTestRun(
    path,
    RUN,
    JUDGE.map(([candidate, baseline], index) => ({
      id: `q0${index}`,
      candidate: index === 7 ? { status: 'unscored', reason: 'no JSON' } : scored(candidate),
      baseline: scored(baseline),
      ...(index === 3 ? { fallback: scored(5) } : {}),
    })),
  );
  tables = await openSpotcheckTables(path, { now: () => new Date('2025-06-01T00:00:00Z') });
});
afterEach(async () => {
  await tables.close();
  dir.remove();
});

function ratings(rater: string, scores: readonly (readonly [number, number])[], preference?: (index: number) => HumanRating['preference']): HumanRating[] {
  return scores.flatMap(([candidate, baseline], index) =>
    (['candidate', 'baseline'] as const).map((role) => ({
      runId: RUN,
      queryId: `q0${index}`,
      rater,
      role,
      score: role === 'candidate' ? candidate : baseline,
      preference: preference?.(index),
      ratedAt: new Date('2025-06-01T00:00:00Z'),
      source: 'import' as const,
    })),
  );
}

const ANN = [[4, 5], [1, 4], [3, 3], [5, 4], [2, 2], [4, 5], [3, 4], [2, 3]] as const;
const BO = [[5, 5], [2, 4], [3, 2], [5, 5], [1, 2], [3, 4], [3, 5], [1, 3]] as const;

describe('computeAgreement', () => {
  it('compares each rating with the judge, reading the fallback verdict where the fallback served', async () => {
    await tables.upsertRatings([...ratings('ann', ANN, (index) => (index % 2 === 0 ? 'baseline' : 'tie')), ...ratings('bo', BO)]);
    const report = await computeAgreement(tables.store, RUN);
    const figure = (metric: string, role: string) => report.figures.find((entry) => entry.metric === metric && entry.role === role)!;

    // The judge's candidate side: q03 is the fallback's 5, q07 is unscored and left out.
    const judgeCandidate = JUDGE.map(([candidate], index) => (index === 3 ? 5 : candidate)).slice(0, 7);
    const humanCandidate = [...ANN.slice(0, 7).map((pair) => pair[0]), ...BO.slice(0, 7).map((pair) => pair[0])];
    const judgeBoth = [...judgeCandidate, ...judgeCandidate];
    expect(figure('judge_human_weighted_kappa', 'candidate')).toMatchObject({ n: 14, raters: 2 });
    expect(figure('judge_human_weighted_kappa', 'candidate').value).toBeCloseTo(quadraticWeightedKappa(judgeBoth, humanCandidate, [1, 2, 3, 4, 5])!, 12);
    expect(figure('judge_human_spearman', 'candidate').value).toBeCloseTo(spearman(judgeBoth, humanCandidate)!, 12);
    expect(figure('judge_human_weighted_kappa', 'baseline').n).toBe(16);
    expect(figure('judge_human_weighted_kappa', 'overall').n).toBe(30);

    // Two raters: Cohen's kappa over the 16 answers both rated; Fleiss needs three.
    const annAll = ANN.flatMap((pair) => [...pair]);
    const boAll = BO.flatMap((pair) => [...pair]);
    expect(figure('inter_rater_cohen_kappa', 'overall')).toMatchObject({ n: 16, raters: 2 });
    expect(figure('inter_rater_cohen_kappa', 'overall').value).toBeCloseTo(cohenKappa(annAll, boAll)!, 12);
    expect(figure('inter_rater_fleiss_kappa', 'overall')).toMatchObject({ value: undefined, note: 'needs three or more raters, the ratings have 2' });

    // Preference: ann's against the judge's (higher score wins) on the 7 pairs the judge scored.
    const judgePreference = JUDGE.slice(0, 7).map(([candidate, baseline], index) => {
      const served = index === 3 ? 5 : candidate;
      return served > baseline ? 1 : served < baseline ? 2 : 3;
    });
    const annPreference = [0, 1, 2, 3, 4, 5, 6].map((index) => (index % 2 === 0 ? 2 : 3));
    expect(figure('judge_human_preference_kappa', 'overall')).toMatchObject({ n: 7, raters: 1 });
    expect(figure('judge_human_preference_kappa', 'overall').value).toBeCloseTo(cohenKappa(judgePreference, annPreference)!, 12);
  });

  it('uses Fleiss kappa for three raters', async () => {
    const cy = ANN.map(([candidate, baseline]) => [candidate, Math.max(1, baseline - 1)] as const);
    await tables.upsertRatings([...ratings('ann', ANN), ...ratings('bo', BO), ...ratings('cy', cy)]);
    const report = await computeAgreement(tables.store, RUN);
    const fleiss = report.figures.find((entry) => entry.metric === 'inter_rater_fleiss_kappa' && entry.role === 'overall')!;
    expect(fleiss).toMatchObject({ n: 16, raters: 3 });
    expect(fleiss.value).toEqual(expect.any(Number));
    expect(report.figures.find((entry) => entry.metric === 'inter_rater_cohen_kappa' && entry.role === 'overall')!.value).toBeUndefined();
  });

  it('leaves a figure undefined, never 0, below the minimum, and stores what it reports', async () => {
    await tables.upsertRatings(ratings('ann', ANN.slice(0, 2)));
    const report = await recordAgreement(tables, RUN);
    const kappa = report.figures.find((entry) => entry.metric === 'judge_human_weighted_kappa' && entry.role === 'overall')!;
    expect(kappa).toMatchObject({ value: undefined, n: 4, note: '4 ratings of judge-scored answers, fewer than 5' });
    const stored = await tables.store.all('SELECT metric, role, value, n, note FROM spotcheck_agreement WHERE run_id = $1 ORDER BY metric, role', [RUN]);
    expect(stored).toHaveLength(report.figures.length);
    expect(stored.every((row) => row.value === null)).toBe(true);
    const view = await tables.store.all("SELECT n_ratings, weighted_kappa, weighted_kappa_n, figures_stale FROM judge_human_agreement WHERE role = 'overall'");
    expect(view).toEqual([{ n_ratings: 4, weighted_kappa: null, weighted_kappa_n: 4, figures_stale: false }]);
  });
});
