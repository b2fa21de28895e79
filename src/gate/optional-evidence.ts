import type { Tier } from '../core/tier.ts';
import { isTier } from '../core/tier.ts';
import type { Interval } from './bootstrap.ts';
import { ordinalAgreement, wilsonInterval, type Agreement } from './intervals.ts';
import type { GateStore } from './metrics.ts';

// Pairwise verdicts (migration 3, `pairwise_results`) and human ratings (migration 4,
// `judge_human_ratings`) are optional evidence: a database may predate them, and a run may have
// none. Each is read only when its view exists, and its absence is a reason, never a zero.

export interface Absent {
  absent: string;
}

export interface PairwiseRow {
  tier: Tier | undefined;
  status: string;
  winner: 'candidate' | 'baseline' | 'tie' | undefined;
}

export interface PairwiseResult {
  judge: string;
  n: number;
  scored: number;
  wins: number;
  ties: number;
  losses: number;
  /** Share of scored comparisons the candidate won or tied, with a Wilson interval. */
  winOrTie: Interval;
}

export interface HumanRow {
  tier: Tier | undefined;
  role: string;
  rater: string;
  humanScore: number;
  judgeStatus: string | undefined;
  judgeScore: number | undefined;
}

export interface HumanAgreement {
  ratings: number;
  raters: number;
  /** Ratings whose answer the judge scored: the pairs agreement is computed on. */
  agreement: Agreement;
  /** (human, judge) score -> count, for the report's heatmap. */
  matrix: Array<{ human: number; judge: number; n: number }>;
}

export async function viewExists(store: GateStore, name: string): Promise<boolean> {
  const rows = await store.all<{ n: number }>(
    `SELECT count(*) AS n FROM (SELECT view_name AS name FROM duckdb_views() UNION ALL SELECT table_name FROM duckdb_tables()) WHERE name = ?`,
    [name],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

/** The latest pairwise verdict per query (a re-judge replaces an older one). */
export async function readPairwise(store: GateStore, runId: string): Promise<{ judge: string; rows: PairwiseRow[] } | Absent> {
  if (!(await viewExists(store, 'pairwise_results'))) return { absent: 'this database has no pairwise judgments (it predates pairwise judging)' };
  const rows = await store.all<{ tier: string | null; status: string; winner: string | null; judge_name: string }>(
    // The view's tier without the view: it joins every query of the run (their texts too) before
    // the filter, which cost 100 MB of DuckDB's memory over a million queries with no verdict at all.
    `SELECT rt.tier, p.status, p.winner, p.judge_name
     FROM (SELECT run_id, query_id, status, winner, judge_name FROM pairwise_judgments WHERE run_id = ?
           QUALIFY row_number() OVER (PARTITION BY query_id ORDER BY created_at DESC, judge_name) = 1) AS p
     LEFT JOIN routes AS rt ON rt.run_id = p.run_id AND rt.query_id = p.query_id`,
    [runId],
  );
  if (rows.length === 0) return { absent: 'no pairwise judgments for this run' };
  const judges = [...new Set(rows.map((row) => row.judge_name))];
  return {
    judge: judges.join(', '),
    rows: rows.map((row) => ({
      tier: isTier(row.tier) ? row.tier : undefined,
      status: row.status,
      winner: row.winner === 'candidate' || row.winner === 'baseline' || row.winner === 'tie' ? row.winner : undefined,
    })),
  };
}

export function summarisePairwise(data: { judge: string; rows: PairwiseRow[] }, tiers: readonly Tier[]): PairwiseResult | Absent {
  const rows = data.rows.filter((row) => row.tier !== undefined && tiers.includes(row.tier));
  if (rows.length === 0) return { absent: `no pairwise judgments on the ${tiers.join('/')} tier(s)` };
  const wins = rows.filter((row) => row.winner === 'candidate').length;
  const ties = rows.filter((row) => row.winner === 'tie').length;
  const losses = rows.filter((row) => row.winner === 'baseline').length;
  const scored = wins + ties + losses;
  return { judge: data.judge, n: rows.length, scored, wins, ties, losses, winOrTie: wilsonInterval(wins + ties, scored) };
}

export async function readHumanRatings(store: GateStore, runId: string): Promise<HumanRow[] | Absent> {
  if (!(await viewExists(store, 'judge_human_ratings'))) return { absent: 'this database has no human ratings (it predates spot-checks)' };
  // The view's judgment side is worked out over the whole judgments table before the join; on a
  // million-query run that is half a second even when nobody rated anything.
  const [rated] = await store.all<{ n: number }>(`SELECT count(*) AS n FROM human_ratings WHERE run_id = ?`, [runId]);
  if (Number(rated?.n ?? 0) === 0) return { absent: 'no human ratings for this run' };
  const rows = await store.all<{ tier: string | null; role: string; rater: string; human_score: number; judge_status: string | null; judge_score: number | null }>(
    `SELECT tier, role, rater, human_score, judge_status, judge_score FROM judge_human_ratings WHERE run_id = ?`,
    [runId],
  );
  if (rows.length === 0) return { absent: 'no human ratings for this run' };
  return rows.map((row) => ({
    tier: isTier(row.tier) ? row.tier : undefined,
    role: row.role,
    rater: row.rater,
    humanScore: Number(row.human_score),
    judgeStatus: row.judge_status ?? undefined,
    judgeScore: row.judge_score ?? undefined,
  }));
}

/** Judge vs human on every rated answer (candidate and baseline alike: the judge grades both). */
export function summariseHumanAgreement(rows: HumanRow[]): HumanAgreement {
  const pairs = rows.flatMap((row) => (row.judgeStatus === 'scored' && row.judgeScore !== undefined ? [[row.humanScore, row.judgeScore] as const] : []));
  const matrix = new Map<string, { human: number; judge: number; n: number }>();
  for (const [human, judge] of pairs) {
    const key = `${human}/${Math.round(judge)}`;
    const cell = matrix.get(key) ?? { human, judge: Math.round(judge), n: 0 };
    cell.n++;
    matrix.set(key, cell);
  }
  return {
    ratings: rows.length,
    raters: new Set(rows.map((row) => row.rater)).size,
    agreement: ordinalAgreement(pairs),
    matrix: [...matrix.values()],
  };
}
