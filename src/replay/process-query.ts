import type { JudgmentRecord } from '../core/judgment.ts';
import type { Query } from '../core/query.ts';
import type { ResponseRecord, Role } from '../core/response.ts';
import type { Tier } from '../core/tier.ts';
import type { EndpointClient } from '../endpoints/types.ts';
import { callCost } from '../endpoints/pricing.ts';
import type { Judge } from '../judge/llm-judge.ts';
import type { RoutePolicy } from '../router/policy.ts';
import type { QueryRows } from './types.ts';

export interface QueryContext {
  runId: string;
  systemPrompt: string;
  route: RoutePolicy;
  tiers: Record<Tier, string>;
  baseline: string;
  /** Serves the query when an on-prem candidate call fails. */
  fallback: string | undefined;
  clients: ReadonlyMap<string, EndpointClient>;
  onPrem: ReadonlySet<string>;
  judge: Judge;
  now: () => Date;
  signal: AbortSignal;
}

/** Route, call candidate and baseline concurrently (shadow), fall back if on-prem failed, judge. */
export async function processQuery(query: Query, context: QueryContext): Promise<QueryRows> {
  const decision = await context.route(query);
  const candidateName = context.tiers[decision.tier];
  const [candidate, baseline] = await Promise.all([
    callEndpoint(query, candidateName, 'candidate', context),
    query.loggedAnswer !== undefined ? loggedBaseline(query, context) : callEndpoint(query, context.baseline, 'baseline', context),
  ]);
  const responses = [candidate, baseline];
  const needsFallback =
    candidate.status === 'failed' && context.onPrem.has(candidateName) && context.fallback !== undefined && !context.signal.aborted;
  if (needsFallback) responses.push(await callEndpoint(query, context.fallback!, 'fallback', context));

  // Known facts are the best reference; without them the candidate is graded against the baseline's answer.
  const baselineAnswer = baseline.status === 'failed' || baseline.status === 'interrupted' ? undefined : baseline.output;
  const judgments = await Promise.all(
    responses
      .filter((response) => response.output !== undefined && (response.status === 'ok' || response.status === 'ok_after_retry'))
      .map((response) =>
        judgeResponse(query, response, response.role === 'baseline' ? query.reference : (query.reference ?? baselineAnswer), context),
      ),
  );
  return {
    query,
    route: {
      runId: context.runId,
      queryId: query.queryId,
      policy: decision.policy,
      tier: decision.tier,
      endpoint: candidateName,
      label: query.label,
      probabilities: decision.probabilities,
      latencyUs: decision.latencyUs,
      routerVersion: decision.routerVersion,
    },
    responses,
    judgments,
  };
}

async function callEndpoint(query: Query, endpoint: string, role: Role, context: QueryContext): Promise<ResponseRecord> {
  const client = context.clients.get(endpoint);
  if (client === undefined) throw new Error(`no client for endpoint "${endpoint}" (configuration was not validated)`);
  const startedAt = context.now();
  const messages = context.systemPrompt
    ? [{ role: 'system' as const, content: context.systemPrompt }, { role: 'user' as const, content: query.text }]
    : [{ role: 'user' as const, content: query.text }];
  const result = await client.chat(messages, { signal: context.signal });
  const usage = { promptTokens: result.promptTokens, completionTokens: result.completionTokens };
  const succeeded = result.status === 'ok' || result.status === 'ok_after_retry';
  return {
    runId: context.runId,
    queryId: query.queryId,
    role,
    endpoint,
    model: client.settings.model,
    source: 'endpoint',
    status: result.status,
    attempts: result.attempts,
    error: result.error,
    output: result.output,
    ...usage,
    ttftMs: result.ttftMs,
    latencyMs: result.latencyMs,
    // A failed call's cost is unknown to us (the provider may bill partial work): undefined, not 0.
    costUsd: succeeded ? callCost(client.settings.pricing, usage) : undefined,
    startedAt,
  };
}

function loggedBaseline(query: Query, context: QueryContext): ResponseRecord {
  return {
    runId: context.runId,
    queryId: query.queryId,
    role: 'baseline',
    endpoint: context.baseline,
    model: 'logged',
    source: 'log',
    status: 'ok',
    attempts: 0,
    error: undefined,
    output: query.loggedAnswer,
    // Production paid for this answer; the log does not say how much.
    promptTokens: undefined,
    completionTokens: undefined,
    ttftMs: undefined,
    latencyMs: undefined,
    costUsd: undefined,
    startedAt: context.now(),
  };
}

async function judgeResponse(
  query: Query,
  response: ResponseRecord,
  reference: string | undefined,
  context: QueryContext,
): Promise<JudgmentRecord> {
  const result = await context.judge.grade({ query: query.text, answer: response.output ?? '', reference }, context.signal);
  return {
    runId: context.runId,
    queryId: query.queryId,
    role: response.role,
    kind: 'single',
    judge: context.judge.spec,
    verdict: result.verdict,
    latencyMs: result.latencyMs,
    createdAt: context.now(),
  };
}
