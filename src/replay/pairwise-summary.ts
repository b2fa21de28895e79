import type { PairwiseStats } from '../judge/pairwise-judge.ts';
import type { ReplayStore } from './engine.ts';

/** The run's stored comparisons by one pairwise judge, all invocations of a resumed run together. */
export interface ReplayPairwiseSummary {
  judgeName: string;
  /** Comparisons stored (one per query whose served answer and baseline both answered). */
  items: number;
  scored: number;
  unscored: number;
  errors: number;
  pairwise: PairwiseStats;
}

/** Counted in DuckDB, not read row by row: a million-query run has a million comparisons. */
export async function readPairwiseSummary(store: Pick<ReplayStore, 'all'>, runId: string, judgeName: string): Promise<ReplayPairwiseSummary> {
  const [row] = await store.all<Record<string, number | bigint | null>>(
    `SELECT count(*) AS items,
            count(*) FILTER (WHERE status = 'scored') AS scored,
            count(*) FILTER (WHERE status = 'unscored') AS unscored,
            count(*) FILTER (WHERE status = 'error') AS errors,
            count(*) FILTER (WHERE winner = 'candidate') AS candidate_wins,
            count(*) FILTER (WHERE winner = 'baseline') AS baseline_wins,
            count(*) FILTER (WHERE winner = 'tie') AS ties,
            count(consistent) AS both_orders,
            count(*) FILTER (WHERE consistent) AS consistent
       FROM pairwise_judgments WHERE run_id = ? AND judge_name = ?`,
    [runId, judgeName],
  );
  const count = (name: string): number => Number(row?.[name] ?? 0);
  const bothOrders = count('both_orders');
  return {
    judgeName,
    items: count('items'),
    scored: count('scored'),
    unscored: count('unscored'),
    errors: count('errors'),
    pairwise: {
      candidateWins: count('candidate_wins'),
      baselineWins: count('baseline_wins'),
      ties: count('ties'),
      bothOrders,
      positionConsistency: bothOrders === 0 ? undefined : count('consistent') / bothOrders,
    },
  };
}
