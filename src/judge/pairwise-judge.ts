import type { JudgeSpec } from '../core/judgment.ts';
import { UsageError } from '../core/errors.ts';
import type { EndpointClient, TextMessage } from '../endpoints/types.ts';
import { judgeCacheKey, type JudgeCache } from './judge-cache.ts';
import { judgeSpec } from './llm-judge.ts';
import { section } from './neutralise.ts';
import { parsePreferenceReply, type Preference, type PreferenceVerdict } from './pairwise-verdict.ts';
import { PROMPT_TEMPLATES, responseFormatFor, type Rubric } from './rubric.ts';
import { callWithRepair } from './structured-call.ts';

export interface PairwiseInput {
  query: string;
  /** Known facts, when the log has them. */
  reference: string | undefined;
  /** The routed stack's answer (the fallback's when the fallback served). */
  candidate: string;
  baseline: string;
  /** The conversation around the compared turn (judge-context.ts), for a multi-turn request, as the single judge sees it. */
  context?: string;
}

/** 'ab': the candidate is shown as answer A; 'ba': as answer B. */
export const PAIRWISE_ORDERS = ['ab', 'ba'] as const;
export type PairwiseOrder = (typeof PAIRWISE_ORDERS)[number];

export type Winner = 'candidate' | 'baseline' | 'tie';

export type OrderResult = (
  | { status: 'scored'; preference: Preference; winner: Winner; reasoning: string }
  | { status: 'unscored'; reason: string }
  | { status: 'error'; reason: string }
) & { latencyMs: number | undefined; cached: boolean; calls: number };

export interface PairwiseOutcome {
  status: 'scored' | 'unscored' | 'error';
  /** undefined unless scored. A disagreement between the two orders is a tie. */
  winner: Winner | undefined;
  /** Both orders scored and named the same winner; undefined unless both were scored. */
  consistent: boolean | undefined;
  orders: Record<PairwiseOrder, OrderResult>;
  /** Both orders' reasoning when scored, otherwise why not. */
  reason: string;
  latencyMs: number | undefined;
  calls: number;
}

export interface PairwiseJudge {
  spec: JudgeSpec;
  /** Both orders, concurrently, combined. */
  compare(input: PairwiseInput, signal?: AbortSignal): Promise<PairwiseOutcome>;
  compareOrder(input: PairwiseInput, order: PairwiseOrder, signal?: AbortSignal): Promise<OrderResult>;
}

export function shownAnswers(input: PairwiseInput, order: PairwiseOrder): { answerA: string; answerB: string } {
  return order === 'ab' ? { answerA: input.candidate, answerB: input.baseline } : { answerA: input.baseline, answerB: input.candidate };
}

/** Maps the judge's A/B/tie back to the candidate or the baseline, given which was shown first. */
export function winnerOf(preference: Preference, order: PairwiseOrder): Winner {
  if (preference === 'tie') return 'tie';
  const candidateLetter = order === 'ab' ? 'A' : 'B';
  return preference === candidateLetter ? 'candidate' : 'baseline';
}

export function pairwiseMessages(rubric: Rubric, input: PairwiseInput, order: PairwiseOrder): TextMessage[] {
  const { answerA, answerB } = shownAnswers(input, order);
  // The earlier turns decide which answer fits (the order number the customer gave, the tool result).
  const parts = input.context === undefined ? [] : [section('conversation', input.context)];
  parts.push(section('query', input.query));
  if (input.reference !== undefined) parts.push(section('reference', input.reference));
  parts.push(section('answer_a', answerA), section('answer_b', answerB));
  return [
    { role: 'system', content: rubric.system },
    { role: 'user', content: `${parts.join('\n\n')}\n\n${PROMPT_TEMPLATES.pairwise.instruction}` },
  ];
}

export function pairwiseCallOptions(rubric: Rubric): { responseFormat: ReturnType<typeof responseFormatFor>; temperature: number; maxTokens: number } {
  return { responseFormat: responseFormatFor('pairwise'), temperature: rubric.settings.temperature, maxTokens: rubric.settings.max_tokens };
}

export function pairwiseCacheKey(spec: JudgeSpec, input: PairwiseInput, order: PairwiseOrder): string {
  return judgeCacheKey(spec, {
    kind: 'pairwise',
    query: input.query,
    reference: input.reference,
    ...shownAnswers(input, order),
    order,
    ...(input.context === undefined ? {} : { context: input.context }),
  });
}

export function orderFromVerdict(verdict: PreferenceVerdict, order: PairwiseOrder): { status: 'scored'; preference: Preference; winner: Winner; reasoning: string } {
  return { status: 'scored', preference: verdict.preference, winner: winnerOf(verdict.preference, order), reasoning: verdict.reasoning };
}

/**
 * Position swap: the verdict stands only when both orders name the same winner; otherwise the judge
 * followed the position, not the answers, and the comparison is a tie. A failed order makes the
 * whole comparison an error (or unscored), never a guess from the other order.
 */
export function combineOrders(ab: OrderResult, ba: OrderResult): PairwiseOutcome {
  const base = {
    orders: { ab, ba },
    latencyMs: ab.latencyMs === undefined || ba.latencyMs === undefined ? undefined : ab.latencyMs + ba.latencyMs,
    calls: ab.calls + ba.calls,
  };
  const failed = [ab, ba].find((order) => order.status === 'error') ?? [ab, ba].find((order) => order.status === 'unscored');
  if (failed !== undefined && (failed.status === 'error' || failed.status === 'unscored')) {
    const which = failed === ab ? 'candidate-first order' : 'candidate-second order';
    return { ...base, status: failed.status, winner: undefined, consistent: undefined, reason: `${which}: ${failed.reason}` };
  }
  if (ab.status !== 'scored' || ba.status !== 'scored') throw new Error('unreachable: both orders are scored here');
  const consistent = ab.winner === ba.winner;
  const reason =
    `candidate as A: ${ab.preference} (${ab.winner}) ${ab.reasoning} | candidate as B: ${ba.preference} (${ba.winner}) ${ba.reasoning}` +
    (consistent ? '' : ' | the orders disagree: tie');
  return { ...base, status: 'scored', winner: consistent ? ab.winner : 'tie', consistent, reason };
}

/** A pairwise judge backed by an LLM endpoint: both orders, one repair each, cached per order. */
export function pairwiseJudge(options: { rubric: Rubric; client: EndpointClient; cache?: JudgeCache; name?: string }): PairwiseJudge {
  const { rubric, client, cache } = options;
  if (rubric.kind !== 'pairwise') throw new UsageError(`${rubric.file}: a ${rubric.kind} rubric cannot compare two answers; use a pairwise rubric`);
  const spec = judgeSpec(rubric, client.settings.model, options.name);
  const callOptions = pairwiseCallOptions(rubric);

  async function compareOrder(input: PairwiseInput, order: PairwiseOrder, signal?: AbortSignal): Promise<OrderResult> {
    const key = cache === undefined ? undefined : pairwiseCacheKey(spec, input, order);
    if (cache !== undefined && key !== undefined) {
      const hit = await cache.get(key);
      if (hit !== undefined) {
        const common = { latencyMs: hit.latencyMs, cached: true, calls: 0 };
        return hit.outcome.status === 'scored'
          ? { ...orderFromVerdict(hit.outcome.value as PreferenceVerdict, order), ...common }
          : { status: 'unscored', reason: hit.outcome.reason, ...common };
      }
    }
    const result = await callWithRepair(
      client,
      pairwiseMessages(rubric, input, order),
      { ...callOptions, ...(signal ? { signal } : {}) },
      parsePreferenceReply,
      PROMPT_TEMPLATES.pairwise.repair,
    );
    const { outcome } = result;
    if (cache !== undefined && key !== undefined && outcome.status !== 'error') {
      cache.put(key, { kind: 'pairwise', judgeModel: spec.model, promptHash: spec.promptHash, outcome, latencyMs: result.latencyMs });
    }
    const common = { latencyMs: result.latencyMs, cached: false, calls: result.calls };
    return outcome.status === 'scored' ? { ...orderFromVerdict(outcome.value, order), ...common } : { ...outcome, ...common };
  }

  return {
    spec,
    compareOrder,
    async compare(input, signal) {
      const [ab, ba] = await Promise.all([compareOrder(input, 'ab', signal), compareOrder(input, 'ba', signal)]);
      return combineOrders(ab, ba);
    },
  };
}

export interface PairwiseStats {
  candidateWins: number;
  baselineWins: number;
  ties: number;
  /** Comparisons where both orders were scored: what the consistency rate rests on. */
  bothOrders: number;
  /** Share of those where both orders named the same winner; undefined with none. */
  positionConsistency: number | undefined;
}

/** Win counts and the position-consistency rate of a set of comparisons. */
export function pairwiseStats(outcomes: readonly Pick<PairwiseOutcome, 'status' | 'winner' | 'consistent'>[]): PairwiseStats {
  const count = (winner: string) => outcomes.filter((outcome) => outcome.winner === winner).length;
  const judged = outcomes.filter((outcome) => outcome.consistent !== undefined);
  return {
    candidateWins: count('candidate'),
    baselineWins: count('baseline'),
    ties: count('tie'),
    bothOrders: judged.length,
    positionConsistency: judged.length === 0 ? undefined : judged.filter((outcome) => outcome.consistent).length / judged.length,
  };
}
