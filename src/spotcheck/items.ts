import { UsageError } from '../core/errors.ts';
import type { HumanRole, Preference } from '../store/spotcheck-tables.ts';
import type { Store } from '../store/types.ts';
import { blindOrder } from './blind-order.ts';
import { redactForDisplay } from './redact.ts';

/** One sampled query as a rater sees it: redacted, with the answers in their blind order. */
export interface SpotcheckItem {
  queryId: string;
  position: number;
  query: string;
  /** Answer 1 and Answer 2. */
  answers: [string, string];
  /** Which role each answer is: for the server and the importer, never sent to a rater. */
  roles: [HumanRole, HumanRole];
}

/** Shown in place of an answer the endpoint never gave (a failed call), so both sides stay rateable. */
export const NO_ANSWER = '(no answer: the call failed)';

/** The run's sample, in the order raters see it. A run without a sample is a UsageError. */
export async function loadItems(store: Store, runId: string): Promise<SpotcheckItem[]> {
  if ((await store.getRun(runId)) === undefined) throw new UsageError(`run not found: ${runId}`);
  // The candidate side is what the hybrid stack served: the fallback's answer when it answered.
  const rows = await store.all<{
    query_id: string;
    position: number;
    query_text: string | null;
    candidate_output: string | null;
    fallback_used: boolean | null;
    fallback_output: string | null;
    baseline_output: string | null;
  }>(
    `SELECT s.query_id, s.position, p.query_text, p.candidate_output, p.fallback_used, f.output AS fallback_output, p.baseline_output
     FROM spotcheck_samples AS s
     JOIN pairs AS p ON p.run_id = s.run_id AND p.query_id = s.query_id
     LEFT JOIN responses AS f ON f.run_id = s.run_id AND f.query_id = s.query_id AND f.role = 'fallback'
     WHERE s.run_id = $1
     ORDER BY s.position`,
    [runId],
  );
  if (rows.length === 0) {
    throw new UsageError(`run ${runId} has no spot-check sample; draw one first: hybrid-eval spotcheck sample --run ${runId} --n 50`);
  }
  return rows.map((row) => {
    const text: Record<HumanRole, string> = {
      candidate: (row.fallback_used ? row.fallback_output : row.candidate_output) ?? NO_ANSWER,
      baseline: row.baseline_output ?? NO_ANSWER,
    };
    const roles = blindOrder(runId, row.query_id);
    return {
      queryId: row.query_id,
      position: row.position,
      query: redactForDisplay(row.query_text ?? ''),
      answers: [redactForDisplay(text[roles[0]]), redactForDisplay(text[roles[1]])],
      roles,
    };
  });
}

/** A rater's stored rating of one item, in blind terms (scores of Answer 1 and 2, preference 1 / 2 / tie). */
export interface BlindRating {
  scores: [number | undefined, number | undefined];
  preference: '1' | '2' | 'tie' | undefined;
}

export async function loadBlindRatings(store: Store, runId: string, rater: string, items: readonly SpotcheckItem[]): Promise<Map<string, BlindRating>> {
  const rows = await store.all<{ query_id: string; role: HumanRole; score: number; preference: Preference | null }>(
    'SELECT query_id, role, score, preference FROM human_ratings WHERE run_id = $1 AND rater = $2',
    [runId, rater],
  );
  const roles = new Map(items.map((item) => [item.queryId, item.roles]));
  const ratings = new Map<string, BlindRating>();
  for (const row of rows) {
    const order = roles.get(row.query_id);
    if (order === undefined) continue;
    const rating = ratings.get(row.query_id) ?? { scores: [undefined, undefined], preference: undefined };
    rating.scores[order.indexOf(row.role)] = row.score;
    if (row.preference !== null) rating.preference = blindPreference(row.preference, order);
    ratings.set(row.query_id, rating);
  }
  return ratings;
}

export function blindPreference(preference: Preference, order: readonly [HumanRole, HumanRole]): '1' | '2' | 'tie' {
  if (preference === 'tie') return 'tie';
  return order[0] === preference ? '1' : '2';
}

export function unblindPreference(preference: '1' | '2' | 'tie', order: readonly [HumanRole, HumanRole]): Preference {
  if (preference === 'tie') return 'tie';
  return preference === '1' ? order[0] : order[1];
}
