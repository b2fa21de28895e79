import type { JudgmentRecord } from '../core/judgment.ts';
import type { AnswerSource, Query } from '../core/query.ts';
import { HUMAN_ENDPOINT, type ResponseRecord, type Role } from '../core/response.ts';
import type { Tier } from '../core/tier.ts';
import type { EndpointClient, Pricing } from '../endpoints/types.ts';
import { callCost } from '../endpoints/pricing.ts';
import type { Judge } from '../judge/llm-judge.ts';
import type { PairwiseJudge } from '../judge/pairwise-judge.ts';
import { pairwiseRecord } from '../judge/replay-pairwise.ts';
import { pairwiseWork } from '../judge/judge-work.ts';
import type { PairwiseJudgmentRecord } from '../store/judge-tables.ts';
import { validateCandidate, type CascadeStage } from '../cascade/validate-stage.ts';
import type { RouteDecision, RoutePolicy } from '../router/policy.ts';
import type { QueryRows } from './types.ts';
import { outboundJudgeInput, outboundText } from '../privacy/outbound.ts';
import { answerText, judgeContext, type JudgeContext } from '../judge/judge-context.ts';
import type { ToolCall } from '../core/conversation.ts';
import { redactMessages } from '../privacy/redact-messages.ts';
import { outboundRequest } from './outbound-request.ts';
import { customerMessages, querySensitivity } from '../privacy/customer-text.ts';
import { planPrivacy, type PrivacySettings, type Send, type Withheld } from '../privacy/plan.ts';
import { privacyRecord } from '../privacy/record.ts';
import { createRedactor, type Redactor } from '../privacy/redact.ts';
import type { SensitivityPolicy } from '../privacy/sensitivity.ts';
import type { RedactOptions, RedactResult } from '../privacy/types.ts';

/** judge.context_tokens' default, for callers that build a context by hand. */
const DEFAULT_JUDGE_CONTEXT_TOKENS = 2000;

/** What the privacy stage needs per query: built once per run from config.privacy. */
export interface QueryPrivacy {
  redact: RedactOptions;
  policy: SensitivityPolicy;
  settings: PrivacySettings;
  /** Every configured endpoint and whether it is on-prem. */
  endpoints: Readonly<Record<string, { onPrem: boolean }>>;
}

export interface QueryContext {
  runId: string;
  systemPrompt: string;
  route: RoutePolicy;
  tiers: Record<Tier, string>;
  baseline: string;
  /**
   * Who wrote a logged answer (dataset.answer_source). Omitted: baseline, the production model's
   * answer, which stands in for the baseline call.
   */
  answerSource?: AnswerSource;
  /** Prices a logged baseline's usage when no baseline client exists (the baseline comes from the log). */
  baselinePricing?: Pricing;
  /** Serves the query when an on-prem candidate call fails. */
  fallback: string | undefined;
  clients: ReadonlyMap<string, EndpointClient>;
  onPrem: ReadonlySet<string>;
  judge: Judge;
  /** The judge's endpoint name (external unless on_prem). */
  judgeEndpoint: string;
  /** Judges sensitive queries on-prem (privacy.sensitive.judge), when that is not the judge itself. */
  sensitiveJudge: Judge | undefined;
  /**
   * Compares the served answer with the baseline in both orders (judge.pairwise_rubric), on the
   * judge's client and so under the judge's limiter, as soon as the query's answers exist.
   */
  pairwiseJudge?: PairwiseJudge;
  privacy: QueryPrivacy;
  /** Token budget for the conversation shown to the judge (judge.context_tokens). */
  judgeContextTokens?: number;
  /** Send multi-turn requests without their history (the experiment that measures what it is worth). */
  stripHistory?: boolean;
  /** The validator cascade (config.cascade): validates the candidate's answer per tier. */
  cascade?: CascadeStage;
  now: () => Date;
  signal: AbortSignal;
}

/**
 * Route (unless the engine routed it ahead), apply the privacy policy (a sensitive query stays
 * on-prem; text for external endpoints is redacted), call candidate and baseline concurrently
 * (shadow), fall back if on-prem failed, judge.
 */
export async function processQuery(query: Query, context: QueryContext, decided?: RouteDecision): Promise<QueryRows> {
  const decision = decided ?? (await context.route(query));
  const routed = context.tiers[decision.tier];
  const logged = query.loggedAnswer !== undefined || query.loggedResponse !== undefined;
  // A human agent's reply never stands in for the baseline: GPT-4 is called as if nothing were logged.
  const humanReply = logged && context.answerSource === 'human';
  const fromLog = logged && !humanReply;
  const plan = planPrivacy(
    {
      // Every user message and tool result of a logged request, not only the last turn.
      sensitivity: querySensitivity(query, context.privacy.policy),
      routed,
      baseline: fromLog ? undefined : context.baseline,
      fallback: context.fallback,
      judge: context.judgeEndpoint,
      tierEndpoints: [context.tiers.simple, context.tiers.medium, context.tiers.complex],
      endpoints: context.privacy.endpoints,
    },
    context.privacy.settings,
  );
  // One redactor per query: the query, its answers and its reference share placeholder numbers.
  const redactor = memoised(createRedactor(context.privacy.redact));
  const candidateName = plan.candidate.withheld ? routed : plan.candidate.endpoint;
  const [candidate, baseline] = await Promise.all([
    send(query, candidateName, 'candidate', plan.candidate, redactor, context),
    fromLog ? loggedBaseline(query, context) : send(query, context.baseline, 'baseline', plan.baseline!, redactor, context),
  ]);
  const responses = [candidate, baseline];
  if (humanReply) responses.push(loggedHumanReply(query, context));
  const needsFallback =
    candidate.status === 'failed' && context.onPrem.has(candidateName) && context.fallback !== undefined && !context.signal.aborted;
  // A sensitive query's fallback is external and withheld: its failed on-prem call stays a failure.
  if (needsFallback && plan.fallback !== undefined && !plan.fallback.withheld) {
    responses.push(await callEndpoint(query, context.fallback!, 'fallback', plan.fallback, redactor, context));
  }

  // The cascade's validator runs beside the judge: it sees only the request and the candidate's answer.
  const validating = validateCandidate(context.cascade, query, decision.tier, responses, context);
  // Known facts are the best reference; without them the candidate is graded against the baseline's answer.
  const baselineAnswer = baseline.status === 'ok' || baseline.status === 'ok_after_retry' ? baseline.output : undefined;
  const judgeTarget = plan.judge;
  const judge = judgeTarget.withheld ? undefined : judgeTarget.endpoint === context.judgeEndpoint ? context.judge : context.sensitiveJudge;
  if (!judgeTarget.withheld && judge === undefined) throw new Error(`no judge for endpoint "${judgeTarget.endpoint}" (configuration was not validated)`);
  // The conversation the judges see, once per query (redacted like the rest for an external judge), cut to the budget.
  const shown = judgeTarget.withheld ? undefined : shownContext(query, judgeTarget, redactor, context);
  const comparing = judgeTarget.withheld ? Promise.resolve([]) : comparePairwise(query, responses, judgeTarget, shown!, redactor, context);
  const judging =
    judgeTarget.withheld || judge === undefined
      ? Promise.resolve([])
      : Promise.all(
          responses
            .filter((response) => response.output !== undefined && (response.status === 'ok' || response.status === 'ok_after_retry'))
            .map((response) =>
              judgeResponse(
                query,
                response,
                response.role === 'baseline' ? query.reference : (query.reference ?? (baselineAnswer === undefined ? undefined : answerText(baselineAnswer, baseline.toolCalls))),
                judge,
                judgeTarget,
                shown!,
                redactor,
                context,
              ),
            ),
        );
  // Awaited together: a rejection of either is never left unhandled while the other is awaited.
  const [judgments, pairwise] = await Promise.all([judging, comparing]);
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
    // Counts by type only: the placeholder numbers this redactor gave do not change them.
    // Message by message: the memoised redactor has already redacted each for an external endpoint.
    privacy: privacyRecord(context.runId, query.queryId, plan, customerMessages(query).flatMap((text) => redactor.redact(text).findings)),
    validations: await validating,
    ...(pairwise.length === 0 ? {} : { pairwise }),
  };
}

function shownContext(query: Query, target: Send, redactor: Redactor, context: QueryContext): JudgeContext {
  const messages = query.request === undefined ? undefined : target.redact ? redactMessages(query.request.messages, redactor) : query.request.messages;
  return judgeContext(messages, context.judgeContextTokens ?? DEFAULT_JUDGE_CONTEXT_TOKENS);
}

/**
 * The served answer (the fallback's when it served) against the baseline, both orders, as
 * `hybrid-eval judge --pairwise` would compare it: only by the main judge (a sensitive query that
 * privacy.sensitive.judge grades on-prem is not shown to it), redacted for an external judge, with
 * the conversation. Nothing to compare (either side failed) is no row.
 */
async function comparePairwise(
  query: Query,
  responses: readonly ResponseRecord[],
  target: Send,
  shown: JudgeContext,
  redactor: Redactor,
  context: QueryContext,
): Promise<PairwiseJudgmentRecord[]> {
  const judge = context.pairwiseJudge;
  if (judge === undefined || target.endpoint !== context.judgeEndpoint) return [];
  const [work] = pairwiseWork([query], responses);
  if (work === undefined) return [];
  const text = (value: string): string => outboundText(value, target, redactor);
  const input = {
    query: text(work.input.query),
    reference: work.input.reference === undefined ? undefined : text(work.input.reference),
    candidate: text(work.input.candidate),
    baseline: text(work.input.baseline),
    ...(shown.text === undefined ? {} : { context: shown.text }),
  };
  const outcome = await judge.compare(input, context.signal);
  const spec = shown.cut === undefined ? judge.spec : { ...judge.spec, settings: { ...judge.spec.settings, context_cut: shown.cut } };
  // An error cut short by shutdown is kept here and dropped with its query by the engine: --resume compares again.
  return [pairwiseRecord(context.runId, work, spec, outcome, context.now())];
}

/**
 * The same text redacted again by the same redactor comes out the same (its placeholder numbers
 * are already assigned), so the query (sent to candidate, baseline and two judge calls) and the
 * reference (two judge calls) are redacted once each. Redaction was a sixth of the replay's CPU.
 */
function memoised(redactor: Redactor): Redactor & { originals: Map<string, string> } {
  const done = new Map<string, RedactResult>();
  // placeholder -> the value it replaced, for tool-call arguments (restoreToolCalls).
  const originals = new Map<string, string>();
  return {
    originals,
    redact(text) {
      let result = done.get(text);
      if (result === undefined) {
        result = redactor.redact(text);
        done.set(text, result);
        for (const finding of result.findings) if (!originals.has(finding.placeholder)) originals.set(finding.placeholder, text.slice(finding.start, finding.end));
      }
      return result;
    },
  };
}

/**
 * An external model that was sent "[ORDER_1]" calls the tool with "[ORDER_1]". The tool runs on
 * the premises, where the gateway that redacted the request puts the value back: the stored call
 * is the one that would run, and it compares with the baseline's like for like.
 */
function restoreToolCalls(calls: ToolCall[] | undefined, originals: ReadonlyMap<string, string>): ToolCall[] | undefined {
  if (calls === undefined || originals.size === 0) return calls;
  return calls.map((call) => ({ ...call, arguments: call.arguments.replace(/\[[A-Z]+_\d+\]/g, (placeholder) => {
      const original = originals.get(placeholder);
      // Arguments are JSON: the value goes back escaped as the inside of a JSON string.
      return original === undefined ? placeholder : JSON.stringify(original).slice(1, -1);
    }) }));
}

function send(query: Query, endpoint: string, role: Role, target: Send | Withheld, redactor: Redactor, context: QueryContext): Promise<ResponseRecord> {
  return target.withheld ? Promise.resolve(withheldResponse(query, endpoint, role, target.reason, context)) : callEndpoint(query, endpoint, role, target, redactor, context);
}

/** A call the privacy policy forbids: stored so the query is accounted for, never sent. */
function withheldResponse(query: Query, endpoint: string, role: Role, reason: string, context: QueryContext): ResponseRecord {
  const client = context.clients.get(endpoint);
  return {
    runId: context.runId,
    queryId: query.queryId,
    role,
    endpoint,
    model: client?.settings.model ?? endpoint,
    source: 'endpoint',
    status: 'withheld',
    attempts: 0,
    error: reason,
    output: undefined,
    promptTokens: undefined,
    completionTokens: undefined,
    ttftMs: undefined,
    latencyMs: undefined,
    costUsd: undefined,
    startedAt: context.now(),
  };
}

async function callEndpoint(query: Query, endpoint: string, role: Role, target: Send, redactor: Redactor & { originals?: Map<string, string> }, context: QueryContext): Promise<ResponseRecord> {
  const client = context.clients.get(endpoint);
  if (client === undefined) throw new Error(`no client for endpoint "${endpoint}" (configuration was not validated)`);
  const startedAt = context.now();
  const outbound = outboundRequest(query, context.systemPrompt, target, redactor, context.stripHistory);
  const result = await client.chat(outbound.messages, { ...outbound.options, signal: context.signal });
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
    ...(result.toolCalls === undefined ? {} : { toolCalls: target.redact && redactor.originals !== undefined ? restoreToolCalls(result.toolCalls, redactor.originals)! : result.toolCalls }),
    ...(result.droppedParams === undefined ? {} : { droppedParams: result.droppedParams }),
  };
}

/**
 * A human agent's logged reply (dataset.answer_source: human), stored as role 'human' beside the
 * models' answers and judged like them. Never priced: its cost is not a token price, and no cost or
 * baseline figure reads this role.
 */
function loggedHumanReply(query: Query, context: QueryContext): ResponseRecord {
  const logged = query.loggedResponse;
  return {
    runId: context.runId,
    queryId: query.queryId,
    role: 'human',
    endpoint: HUMAN_ENDPOINT,
    model: 'human',
    source: 'log',
    status: 'ok',
    attempts: 0,
    error: undefined,
    output: query.loggedAnswer ?? logged?.content,
    promptTokens: undefined,
    completionTokens: undefined,
    ttftMs: undefined,
    latencyMs: logged?.latencyMs,
    costUsd: undefined,
    startedAt: context.now(),
    ...(logged?.toolCalls === undefined || logged.toolCalls.length === 0 ? {} : { toolCalls: logged.toolCalls }),
  };
}

/**
 * The answer production gave, as the baseline (source 'log'). With a logged response its usage,
 * latency and tool calls come along, and its cost is the baseline endpoint's price for the logged
 * usage; without usage the cost is unknown (NULL), never 0: production paid for it.
 */
function loggedBaseline(query: Query, context: QueryContext): ResponseRecord {
  const logged = query.loggedResponse;
  const usage = { promptTokens: logged?.promptTokens, completionTokens: logged?.completionTokens };
  const pricing = context.clients.get(context.baseline)?.settings.pricing ?? context.baselinePricing;
  return {
    runId: context.runId,
    queryId: query.queryId,
    role: 'baseline',
    endpoint: context.baseline,
    model: logged?.model ?? 'logged',
    source: 'log',
    status: 'ok',
    attempts: 0,
    error: undefined,
    output: query.loggedAnswer ?? logged?.content,
    ...usage,
    ttftMs: undefined,
    latencyMs: logged?.latencyMs,
    costUsd: pricing === undefined || usage.promptTokens === undefined || usage.completionTokens === undefined ? undefined : callCost(pricing, usage),
    startedAt: context.now(),
    ...(logged?.toolCalls === undefined || logged.toolCalls.length === 0 ? {} : { toolCalls: logged.toolCalls }),
  };
}

async function judgeResponse(
  query: Query,
  response: ResponseRecord,
  reference: string | undefined,
  judge: Judge,
  target: Send,
  shown: JudgeContext,
  redactor: Redactor,
  context: QueryContext,
): Promise<JudgmentRecord> {
  const input = outboundJudgeInput({ query: query.text, answer: answerText(response.output ?? '', response.toolCalls), reference }, target, redactor);
  const result = await judge.grade(shown.text === undefined ? input : { ...input, context: shown.text }, context.signal);
  const spec = shown.cut === undefined ? judge.spec : { ...judge.spec, settings: { ...judge.spec.settings, context_cut: shown.cut } };
  return {
    runId: context.runId,
    queryId: query.queryId,
    role: response.role,
    kind: 'single',
    judge: spec,
    verdict: result.verdict,
    latencyMs: result.latencyMs,
    createdAt: context.now(),
  };
}
