import type { Store } from '../store/types.ts';
import type { QueryFilters } from './filters.ts';
import type { RunIndexes } from './run-index.ts';

type Row = Record<string, unknown>;

export const PAGE_SIZE = 50;

/**
 * Every read the viewer makes. Values always travel as parameters of prepared statements; the only
 * text spliced into SQL is the name of a run's index table (made by run-index.ts from a counter)
 * and fixed fragments chosen from closed lists below.
 */
export interface ViewData {
  runs(): Promise<Row[]>;
  latestRunId(): Promise<string | undefined>;
  run(runId: string): Promise<Row | undefined>;
  /** undefined while the run's index is being built. */
  tiers(runId: string): Promise<Row[] | undefined>;
  scoreCounts(runId: string): Promise<Row[] | undefined>;
  endpoints(runId: string): Promise<string[] | undefined>;
  cost(runId: string): Promise<Row[]>;
  latency(runId: string): Promise<Row[]>;
  gateChecks(runId: string): Promise<Row[]>;
  queryPage(runId: string, filters: QueryFilters): Promise<{ rows: Row[]; total: number } | undefined>;
  rejectPage(runId: string, filters: QueryFilters): Promise<{ rows: Row[]; total: number }>;
  query(runId: string, queryId: string): Promise<QueryDetail | undefined>;
  compareTiers(base: string, runId: string): Promise<Row[] | undefined>;
  regressions(base: string, runId: string, page: number, tier: string | undefined): Promise<{ rows: Row[]; total: number } | undefined>;
  previousRun(runId: string): Promise<string | undefined>;
}

export interface QueryDetail {
  query: Row;
  route: Row | undefined;
  responses: Row[];
  judgments: Row[];
  pairwise: Row[];
  ratings: Row[];
}

export function viewData(store: Pick<Store, 'all'>, indexes: RunIndexes): ViewData {
  // The file is open read-only for the viewer's whole life, so nothing it reads can change: these
  // whole-database aggregates are computed once.
  let runs: Promise<Row[]> | undefined;
  const perRun = new Map<string, Promise<Row[]>>();
  const once = (key: string, load: () => Promise<Row[]>): Promise<Row[]> => {
    let value = perRun.get(key);
    if (value === undefined) {
      value = load();
      value.catch(() => perRun.delete(key));
      perRun.set(key, value);
    }
    return value;
  };
  const indexed = async <T>(runId: string, read: (table: string) => Promise<T>): Promise<T | undefined> => {
    const table = await indexes.ready(runId);
    return table === undefined ? undefined : read(table);
  };

  return {
    runs: () =>
      (runs ??= store.all(`
        WITH decisions AS (
          SELECT run_id, arg_max(decision, decided_at) AS decision, arg_max(step, decided_at) AS step, max(decided_at) AS decided_at
          FROM gate_decisions GROUP BY run_id
        ),
        quality AS (
          SELECT run_id,
            avg(score) FILTER (WHERE role = 'candidate') AS candidate_mean,
            avg(score) FILTER (WHERE role = 'baseline') AS baseline_mean
          FROM judgments WHERE kind = 'single' GROUP BY run_id
        ),
        cost AS (
          SELECT run_id,
            sum(cost_usd) FILTER (WHERE role IN ('candidate', 'fallback')) AS hybrid_cost_usd,
            sum(cost_usd) FILTER (WHERE role = 'baseline') AS baseline_cost_usd,
            count(cost_usd) AS known_cost_calls
          FROM responses WHERE source = 'endpoint' GROUP BY run_id
        )
        SELECT r.run_id, r.created_at, r.status, r.dataset, r.policy, r.query_count, r.reject_count,
          d.decision, d.step, q.candidate_mean, q.baseline_mean, c.hybrid_cost_usd, c.baseline_cost_usd, c.known_cost_calls
        FROM runs AS r
        LEFT JOIN decisions AS d USING (run_id)
        LEFT JOIN quality AS q USING (run_id)
        LEFT JOIN cost AS c USING (run_id)
        ORDER BY r.created_at DESC, r.run_id`)),

    async latestRunId() {
      const [row] = await store.all<{ run_id: string }>(
        `SELECT run_id FROM runs ORDER BY status = 'complete' DESC, created_at DESC, rowid DESC LIMIT 1`,
      );
      return row?.run_id;
    },

    async run(runId) {
      const [row] = await store.all('SELECT * EXCLUDE (config_json) FROM runs WHERE run_id = ?', [runId]);
      return row;
    },

    tiers: (runId) =>
      indexed(runId, (table) =>
        once(`tiers:${runId}`, () =>
          store.all(`
            SELECT tier, count(*) AS n,
              count(*) FILTER (WHERE served_status = 'scored') AS n_scored,
              count(*) FILTER (WHERE served_status IN ('unscored', 'error')) AS n_unscored_or_error,
              count(*) FILTER (WHERE fallback_used) AS n_fallback,
              avg(served_score) AS served_mean, avg(baseline_score) AS baseline_mean,
              avg(score_diff) AS mean_diff, count(score_diff) AS n_paired,
              count(*) FILTER (WHERE served_score <= 2) AS n_low
            FROM ${table} GROUP BY tier
            ORDER BY CASE tier WHEN 'simple' THEN 1 WHEN 'medium' THEN 2 WHEN 'complex' THEN 3 ELSE 4 END, tier`),
        ),
      ),

    scoreCounts: (runId) =>
      indexed(runId, (table) =>
        once(`scores:${runId}`, () =>
          store.all(`
            SELECT 'served' AS side, served_score AS score, count(*) AS answers FROM ${table} WHERE served_score IS NOT NULL GROUP BY ALL
            UNION ALL
            SELECT 'baseline', baseline_score, count(*) FROM ${table} WHERE baseline_score IS NOT NULL GROUP BY ALL
            ORDER BY 1, 2`),
        ),
      ),

    endpoints: (runId) =>
      indexed(runId, async (table) =>
        (await once(`endpoints:${runId}`, () => store.all(`SELECT DISTINCT routed_endpoint AS endpoint FROM ${table} WHERE routed_endpoint IS NOT NULL ORDER BY 1`))).map(
          (row) => String(row['endpoint']),
        ),
      ),

    cost: (runId) =>
      once(`cost:${runId}`, () =>
        store.all(
          `SELECT c.endpoint, c.role, c.source, c.calls, c.known_cost_calls, c.total_cost_usd, c.cost_per_call_usd, l.latency_p50_ms, l.latency_p95_ms, l.error_rate
           FROM cost_by_endpoint AS c JOIN latency_by_endpoint AS l USING (run_id, endpoint, role, source)
           WHERE c.run_id = ? ORDER BY c.role, c.endpoint`,
          [runId],
        ),
      ),

    latency: (runId) => once(`latency:${runId}`, () => store.all('SELECT * FROM latency_by_endpoint WHERE run_id = ? ORDER BY role, endpoint', [runId])),

    gateChecks: (runId) =>
      once(`gate:${runId}`, () =>
        store.all(
          `SELECT plan, step, decision, decided_at, metric, outcome, value, ci_lower, ci_upper, threshold, n, detail
           FROM gate_checks
           WHERE run_id = ? AND decided_at = (SELECT max(decided_at) FROM gate_decisions WHERE run_id = ?)
           ORDER BY position`,
          [runId, runId],
        ),
      ),

    queryPage: (runId, filters) =>
      indexed(runId, async (table) => {
        const { where, params } = queryWhere(filters);
        const [count] = await store.all<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, params);
        const rows = await store.all(
          // No ORDER BY: the index is stored worst first (see run-index.ts), and a scan keeps that order.
          `SELECT query_id, tier, routed_endpoint, served_status, served_score, baseline_score, score_diff, fallback_used, raters, human_candidate_min, pairwise_winner, excerpt
           FROM ${table} WHERE ${where} LIMIT ? OFFSET ?`,
          [...params, PAGE_SIZE, (filters.page - 1) * PAGE_SIZE],
        );
        return { rows, total: count?.n ?? 0 };
      }),

    async rejectPage(runId, filters) {
      const search = filters.q === undefined ? '' : 'AND (contains(lower(raw), ?) OR contains(lower(reason), ?))';
      const params = filters.q === undefined ? [runId] : [runId, filters.q.toLowerCase(), filters.q.toLowerCase()];
      const [count] = await store.all<{ n: number }>(`SELECT count(*) AS n FROM rejects WHERE run_id = ? ${search}`, params);
      const rows = await store.all(`SELECT file, line, reason, left(raw, 300) AS raw FROM rejects WHERE run_id = ? ${search} ORDER BY file, line LIMIT ? OFFSET ?`, [
        ...params,
        PAGE_SIZE,
        (filters.page - 1) * PAGE_SIZE,
      ]);
      return { rows, total: count?.n ?? 0 };
    },

    async query(runId, queryId) {
      const key = [runId, queryId];
      // Where the query's rows are, from the run's index when it is built (see run-index.ts).
      const table = await indexes.ready(runId, 0);
      const [at] = table === undefined ? [] : await store.all<Record<string, number | null>>(`SELECT query_row, route_row, responses_from, responses_to, judgments_from, judgments_to, pairwise_from, pairwise_to FROM ${table} WHERE query_id = ?`, [queryId]);
      // rowid ranges narrow the scan; the key still decides which rows are this query's.
      const range = (from: string, to: string) => (at === undefined ? { sql: '', params: [] } : { sql: ' AND rowid BETWEEN ? AND ?', params: [at[from] ?? -1, at[to] ?? -1] });
      const one = (name: string) => (at === undefined ? { sql: '', params: [] } : { sql: ' AND rowid = ?', params: [at[name] ?? -1] });
      const inQuery = one('query_row');
      const [query] = await store.all(`SELECT * FROM queries WHERE run_id = ? AND query_id = ?${inQuery.sql}`, [...key, ...inQuery.params]);
      if (query === undefined) return undefined;
      const inRoute = one('route_row');
      const inResponses = range('responses_from', 'responses_to');
      const inJudgments = range('judgments_from', 'judgments_to');
      const inPairwise = range('pairwise_from', 'pairwise_to');
      const [route, responses, judgments, pairwise, ratings] = await Promise.all([
        store.all(`SELECT * FROM routes WHERE run_id = ? AND query_id = ?${inRoute.sql}`, [...key, ...inRoute.params]).then((rows) => rows[0]),
        store.all(`SELECT * FROM responses WHERE run_id = ? AND query_id = ?${inResponses.sql} ORDER BY CASE role WHEN 'candidate' THEN 1 WHEN 'fallback' THEN 2 ELSE 3 END`, [...key, ...inResponses.params]),
        store.all(`SELECT * EXCLUDE (judge_settings) FROM judgments WHERE run_id = ? AND query_id = ? AND kind = 'single'${inJudgments.sql} ORDER BY role, created_at DESC`, [...key, ...inJudgments.params]),
        store.all(`SELECT * EXCLUDE (judge_settings) FROM pairwise_judgments WHERE run_id = ? AND query_id = ?${inPairwise.sql} ORDER BY created_at DESC`, [...key, ...inPairwise.params]),
        store.all('SELECT rater, role, score, preference, source, rated_at FROM human_ratings WHERE run_id = ? AND query_id = ? ORDER BY rater, role', key),
      ]);
      return { query, route, responses, judgments, pairwise, ratings };
    },

    async compareTiers(base, runId) {
      const tables = await both(indexes, base, runId);
      if (tables === undefined) return undefined;
      return once(`compare:${base}:${runId}`, () =>
        store.all(`
          SELECT coalesce(a.tier, b.tier) AS tier, a.n AS base_n, a.served_mean AS base_mean, b.n AS run_n, b.served_mean AS run_mean,
            b.served_mean - a.served_mean AS change, w.worse, w.better, w.matched
          FROM (SELECT tier, count(*) AS n, avg(served_score) AS served_mean FROM ${tables[0]} GROUP BY tier) AS a
          FULL JOIN (SELECT tier, count(*) AS n, avg(served_score) AS served_mean FROM ${tables[1]} GROUP BY tier) AS b USING (tier)
          LEFT JOIN (
            SELECT b.tier, count(*) AS matched, count(*) FILTER (WHERE b.served_score < a.served_score) AS worse, count(*) FILTER (WHERE b.served_score > a.served_score) AS better
            FROM ${tables[1]} AS b JOIN ${tables[0]} AS a USING (query_id) GROUP BY b.tier
          ) AS w ON w.tier = coalesce(a.tier, b.tier)
          ORDER BY CASE tier WHEN 'simple' THEN 1 WHEN 'medium' THEN 2 WHEN 'complex' THEN 3 ELSE 4 END, tier`),
      );
    },

    async regressions(base, runId, page, tier) {
      const tables = await both(indexes, base, runId);
      if (tables === undefined) return undefined;
      const where = `b.served_score < a.served_score${tier === undefined ? '' : ' AND b.tier = ?'}`;
      const params = tier === undefined ? [] : [tier];
      const [count] = await store.all<{ n: number }>(`SELECT count(*) AS n FROM ${tables[1]} AS b JOIN ${tables[0]} AS a USING (query_id) WHERE ${where}`, params);
      const rows = await store.all(
        `SELECT query_id, b.tier, a.served_score AS base_score, b.served_score AS run_score, b.served_score - a.served_score AS change,
           a.candidate_endpoint AS base_endpoint, b.candidate_endpoint AS run_endpoint, b.excerpt
         FROM ${tables[1]} AS b JOIN ${tables[0]} AS a USING (query_id)
         WHERE ${where}
         ORDER BY change, b.served_score, query_id LIMIT ? OFFSET ?`,
        [...params, PAGE_SIZE, (page - 1) * PAGE_SIZE],
      );
      return { rows, total: count?.n ?? 0 };
    },

    async previousRun(runId) {
      const [row] = await store.all<{ run_id: string }>(
        `SELECT run_id FROM runs WHERE created_at < (SELECT created_at FROM runs WHERE run_id = ?) ORDER BY created_at DESC LIMIT 1`,
        [runId],
      );
      return row?.run_id;
    },
  };
}

async function both(indexes: RunIndexes, base: string, runId: string): Promise<[string, string] | undefined> {
  const [a, b] = await Promise.all([indexes.ready(base), indexes.ready(runId)]);
  return a === undefined || b === undefined ? undefined : [a, b];
}

/** The WHERE clause of the query table: fixed fragments, one parameter per given filter. */
export function queryWhere(filters: QueryFilters): { where: string; params: unknown[] } {
  const clauses: string[] = ['true'];
  const params: unknown[] = [];
  if (filters.tier !== undefined) {
    clauses.push('tier = ?');
    params.push(filters.tier);
  }
  if (filters.endpoint !== undefined) {
    clauses.push('routed_endpoint = ?');
    params.push(filters.endpoint);
  }
  if (filters.maxScore !== undefined) {
    clauses.push('served_score <= ?');
    params.push(filters.maxScore);
  }
  if (filters.fallback === 'yes') clauses.push('fallback_used');
  if (filters.fallback === 'no') clauses.push('NOT fallback_used');
  if (filters.rating === 'rated') clauses.push('raters > 0');
  if (filters.rating === 'unrated') clauses.push('raters = 0');
  if (filters.rating === 'low') clauses.push('human_candidate_min <= 2');
  if (filters.judged === 'unscored') clauses.push("(served_status IS DISTINCT FROM 'scored')");
  if (filters.q !== undefined) {
    clauses.push('contains(folded_text, ?)');
    params.push(filters.q.toLowerCase());
  }
  return { where: clauses.join(' AND '), params };
}
