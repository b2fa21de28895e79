import type { Query } from '../core/query.ts';
import { ROLES, type ResponseRecord, type Role } from '../core/response.ts';
import type { JudgeInput } from './llm-judge.ts';
import type { PairwiseInput, PairwiseOrder } from './pairwise-judge.ts';
import { answerText, judgeContext } from './judge-context.ts';

/** One stored answer to grade. */
export interface SingleWork {
  queryId: string;
  role: Role;
  input: JudgeInput;
}

/** One query's served answer against its baseline. */
export interface PairwiseWork {
  queryId: string;
  candidateRole: 'candidate' | 'fallback';
  input: PairwiseInput;
}

const answered = (response: ResponseRecord | undefined): response is ResponseRecord & { output: string } =>
  response !== undefined && response.output !== undefined && (response.status === 'ok' || response.status === 'ok_after_retry');

function byQuery(responses: readonly ResponseRecord[]): Map<string, Partial<Record<Role, ResponseRecord>>> {
  const grouped = new Map<string, Partial<Record<Role, ResponseRecord>>>();
  for (const response of responses) {
    const roles = grouped.get(response.queryId) ?? {};
    roles[response.role] = response;
    grouped.set(response.queryId, roles);
  }
  return grouped;
}

/**
 * Every answered response of the run, with the reference the replay would have used: known facts,
 * or (for the candidate, the fallback and a human reply, when there are none) the baseline's answer.
 */
export function singleWork(queries: readonly Query[], responses: readonly ResponseRecord[], contextTokens = 2000): SingleWork[] {
  const grouped = byQuery(responses);
  const work: SingleWork[] = [];
  for (const query of queries) {
    const roles = grouped.get(query.queryId) ?? {};
    const baseline = roles.baseline;
    const baselineAnswer = answered(baseline) ? answerText(baseline.output, baseline.toolCalls) : undefined;
    // A multi-turn request is judged in its conversation, as the replay judged it.
    const context = judgeContext(query.request?.messages, contextTokens).text;
    // A human reply (role human) is graded like the candidate: against known facts, else the baseline's answer.
    for (const role of ROLES) {
      const response = roles[role];
      if (!answered(response)) continue;
      const reference = role === 'baseline' ? query.reference : (query.reference ?? baselineAnswer);
      const input = { query: query.text, answer: answerText(response.output, response.toolCalls), reference };
      work.push({ queryId: query.queryId, role, input: context === undefined ? input : { ...input, context } });
    }
  }
  return work;
}

/**
 * One comparison per query whose served answer (the fallback's when it was called, else the
 * candidate's) and baseline both answered. Queries without both are left out: nothing to compare.
 */
export function pairwiseWork(queries: readonly Query[], responses: readonly ResponseRecord[], contextTokens = 2000): PairwiseWork[] {
  const grouped = byQuery(responses);
  const work: PairwiseWork[] = [];
  for (const query of queries) {
    const roles = grouped.get(query.queryId) ?? {};
    const candidateRole = roles.fallback !== undefined ? 'fallback' : 'candidate';
    const served = roles[candidateRole];
    const baseline = roles.baseline;
    if (!answered(served) || !answered(baseline)) continue;
    // As for single answers: a multi-turn request is compared in its conversation, and an answer
    // that calls a tool shows the call (an empty text would otherwise lose to any sentence).
    const context = judgeContext(query.request?.messages, contextTokens).text;
    const input = {
      query: query.text,
      reference: query.reference,
      candidate: answerText(served.output, served.toolCalls),
      baseline: answerText(baseline.output, baseline.toolCalls),
    };
    work.push({ queryId: query.queryId, candidateRole, input: context === undefined ? input : { ...input, context } });
  }
  return work;
}

export type RequestOrder = 'single' | PairwiseOrder;

/** custom_id of a Batch API line: run/query/role/order, each part URI-encoded so a '/' in an id stays unambiguous. */
export function customId(runId: string, queryId: string, role: Role, order: RequestOrder): string {
  return [runId, queryId, role, order].map(encodeURIComponent).join('/');
}

export function parseCustomId(id: string): { runId: string; queryId: string; role: Role; order: RequestOrder } | undefined {
  const parts = id.split('/');
  if (parts.length !== 4) return undefined;
  try {
    const [runId, queryId, role, order] = parts.map(decodeURIComponent) as [string, string, string, string];
    if (!(ROLES as readonly string[]).includes(role) || !['single', 'ab', 'ba'].includes(order)) return undefined;
    return { runId, queryId, role: role as Role, order: order as RequestOrder };
  } catch {
    return undefined;
  }
}
