import type { Store } from '../store/types.ts';

/**
 * One row per query of a run with everything the query table filters and sorts on, built once per
 * run into a temporary table of the viewer's session. The viewer holds the file read-only, so no
 * writer can change a run while it serves and the table never goes stale. Over a million queries
 * the `pairs` view takes seconds per page (three window passes over the judgments); this table
 * answers a filtered, sorted page in milliseconds.
 *
 * The rows are stored in the query table's order (worst first), and DuckDB scans a table in the
 * order its rows were inserted (preserve_insertion_order, on by default): a page is a filtered scan
 * with LIMIT/OFFSET that stops after the page, not a sort, so page 10,000 costs a scan of half the
 * table rather than a top-N heap of half a million rows.
 *
 * Judgments are picked as `current_judgments` picks them: the run's default judge (any judge when
 * it names none), the most recent single-answer verdict per query and role.
 */
export const INDEX_SQL = (table: string) => `
CREATE TEMP TABLE ${table} AS
WITH run AS (SELECT default_judge FROM runs WHERE run_id = $1),
j AS (
  SELECT query_id,
    arg_max({'score': score, 'status': status}, created_at) FILTER (WHERE role = 'candidate') AS candidate,
    arg_max({'score': score, 'status': status}, created_at) FILTER (WHERE role = 'baseline') AS baseline,
    arg_max({'score': score, 'status': status}, created_at) FILTER (WHERE role = 'fallback') AS fallback
  FROM judgments
  WHERE run_id = $1 AND kind = 'single'
    AND ((SELECT default_judge FROM run) IS NULL OR judge_name = (SELECT default_judge FROM run))
  GROUP BY query_id
),
jr AS (SELECT query_id, min(rowid) AS first_row, max(rowid) AS last_row FROM judgments WHERE run_id = $1 GROUP BY query_id),
r AS (
  SELECT query_id,
    any_value(endpoint) FILTER (WHERE role = 'candidate') AS candidate_endpoint,
    any_value(status) FILTER (WHERE role = 'candidate') AS candidate_status,
    any_value(status) FILTER (WHERE role = 'baseline') AS baseline_status,
    count(*) FILTER (WHERE role = 'fallback') > 0 AS fallback_used,
    min(rowid) AS first_row, max(rowid) AS last_row
  FROM responses WHERE run_id = $1 GROUP BY query_id
),
h AS (
  SELECT query_id, count(DISTINCT rater) AS raters, min(score) FILTER (WHERE role = 'candidate') AS human_candidate_min
  FROM human_ratings WHERE run_id = $1 GROUP BY query_id
),
p AS (
  SELECT query_id, arg_max(winner, created_at) AS pairwise_winner, min(rowid) AS first_row, max(rowid) AS last_row
  FROM pairwise_judgments WHERE run_id = $1 GROUP BY query_id
)
SELECT
  q.query_id,
  rt.tier,
  rt.endpoint AS routed_endpoint,
  r.candidate_endpoint,
  r.candidate_status,
  coalesce(r.fallback_used, false) AS fallback_used,
  CASE WHEN r.fallback_used THEN j.fallback.status ELSE j.candidate.status END AS served_status,
  CASE WHEN r.fallback_used THEN j.fallback.score ELSE j.candidate.score END AS served_score,
  j.baseline.score AS baseline_score,
  (CASE WHEN r.fallback_used THEN j.fallback.score ELSE j.candidate.score END) - j.baseline.score AS score_diff,
  coalesce(h.raters, 0) AS raters,
  h.human_candidate_min,
  p.pairwise_winner,
  left(q.text, 160) AS excerpt,
  -- Text search is over the whole query, case-folded once here rather than on every search.
  lower(q.text) AS folded_text,
  -- Where this query's rows are stored: one query's page reads them by rowid range, which DuckDB
  -- prunes to a block or two, instead of scanning million-row tables for a (run, query) key.
  q.rowid AS query_row, rt.rowid AS route_row,
  r.first_row AS responses_from, r.last_row AS responses_to,
  jr.first_row AS judgments_from, jr.last_row AS judgments_to,
  p.first_row AS pairwise_from, p.last_row AS pairwise_to
FROM queries AS q
LEFT JOIN routes AS rt ON rt.run_id = q.run_id AND rt.query_id = q.query_id
LEFT JOIN r ON r.query_id = q.query_id
LEFT JOIN j ON j.query_id = q.query_id
LEFT JOIN jr ON jr.query_id = q.query_id
LEFT JOIN h ON h.query_id = q.query_id
LEFT JOIN p ON p.query_id = q.query_id
WHERE q.run_id = $1
ORDER BY served_score NULLS LAST, score_diff NULLS LAST, q.query_id`;

export interface RunIndexes {
  /**
   * The temp table holding `runId`'s rows. Starts the build on first use and waits for it up to
   * `waitMs`; undefined while it is still being built (a million queries take seconds), so a page
   * can say so instead of hanging. A failed build is thrown, and retried by the next call.
   */
  ready(runId: string, waitMs?: number): Promise<string | undefined>;
}

const DEFAULT_WAIT_MS = 250;

export function runIndexes(store: Pick<Store, 'all'>): RunIndexes {
  const builds = new Map<string, { table: Promise<string>; done: boolean }>();
  let count = 0;
  return {
    async ready(runId, waitMs = DEFAULT_WAIT_MS) {
      let build = builds.get(runId);
      if (build === undefined) {
        // A counter, not the run id, names the table: the id is data and never goes into SQL text.
        count += 1;
        const name = `view_rows_${count}`;
        const entry = { table: store.all(INDEX_SQL(name), [runId]).then(() => name), done: false };
        entry.table.then(
          () => (entry.done = true),
          () => builds.delete(runId),
        );
        builds.set(runId, entry);
        build = entry;
      }
      if (build.done) return build.table;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), waitMs);
      });
      try {
        return await Promise.race([build.table, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
