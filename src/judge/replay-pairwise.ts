import type { JudgeSpec } from '../core/judgment.ts';
import type { Query } from '../core/query.ts';
import type { ResponseRecord } from '../core/response.ts';
import type { PairwiseJudgmentRecord } from '../store/judge-tables.ts';
import { pairwiseWork, type PairwiseWork } from './judge-work.ts';
import type { PairwiseJudge, OrderResult, PairwiseOutcome } from './pairwise-judge.ts';

/** The stored row of one comparison (table pairwise_judgments). */
export function pairwiseRecord(runId: string, work: Pick<PairwiseWork, 'queryId' | 'candidateRole'>, spec: JudgeSpec, outcome: PairwiseOutcome, createdAt: Date): PairwiseJudgmentRecord {
  const winnerOf = (order: OrderResult) => (order.status === 'scored' ? order.winner : undefined);
  return {
    runId,
    queryId: work.queryId,
    judge: spec,
    candidateRole: work.candidateRole,
    status: outcome.status,
    winner: outcome.winner,
    winnerCandidateFirst: winnerOf(outcome.orders.ab),
    winnerCandidateSecond: winnerOf(outcome.orders.ba),
    consistent: outcome.consistent,
    reason: outcome.reason,
    latencyMs: outcome.latencyMs,
    createdAt,
  };
}

/**
 * For the replay: compares one query's served answer (the fallback's when it served, else the
 * candidate's) with its baseline, in both orders. undefined when there is nothing to compare (either
 * side failed) or when the comparison was cut short by `signal`: a resume or `hybrid-eval judge
 * --pairwise` fills it in later.
 */
export async function judgePairwiseForQuery(
  judge: PairwiseJudge,
  query: Query,
  responses: readonly ResponseRecord[],
  context: { runId: string; now: () => Date; signal?: AbortSignal },
): Promise<PairwiseJudgmentRecord | undefined> {
  const [work] = pairwiseWork([query], responses);
  if (work === undefined) return undefined;
  const outcome = await judge.compare(work.input, context.signal);
  if (outcome.status === 'error' && context.signal?.aborted) return undefined;
  return pairwiseRecord(context.runId, work, judge.spec, outcome, context.now());
}
