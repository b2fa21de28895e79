import type { ConversationMessage, ToolCall } from '../core/conversation.ts';
import type { CallStatus, Role } from '../core/response.ts';
import type { Tier } from '../core/tier.ts';
import { callCost } from '../endpoints/pricing.ts';
import type { CallOptions, ChatMessage } from '../endpoints/types.ts';
import type { RouteDecision } from '../router/policy.ts';
import { userText } from './messages.ts';
import type { Stack } from './stack.ts';

/** One endpoint call, as `hybrid-eval promptfoo import` stores it in `responses`. Unknown is undefined. */
export interface CallRecord {
  /** candidate: the routed (or named) endpoint; fallback: the endpoint that served after an on-prem failure. */
  role: Extract<Role, 'candidate' | 'fallback'>;
  endpoint: string;
  model: string;
  status: CallStatus;
  attempts: number;
  error: string | undefined;
  output: string | undefined;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  ttftMs: number | undefined;
  latencyMs: number | undefined;
  costUsd: number | undefined;
  startedAt: string;
  /** The tool calls the answer made (a request that offered tools may be answered by a call). */
  toolCalls?: ToolCall[];
}

export interface RouteTaken extends RouteDecision {
  /** The tier's candidate endpoint. */
  endpoint: string;
}

export interface StackAnswer {
  /** undefined when one endpoint was named: nothing was routed. */
  route: RouteTaken | undefined;
  calls: CallRecord[];
  /** The call whose answer the user gets: the fallback's when it was called, else the candidate's. */
  served: CallRecord;
  fallbackUsed: boolean;
}

export interface StackRequest {
  messages: ChatMessage[];
  /** A logged request's tools and parameters, sent as logged (the endpoint drops what it cannot take). */
  options?: Pick<CallOptions, 'tools' | 'parameters'>;
  /** The parsed conversation of a multi-turn prompt: the router reads it as a replay's does (routing.router.context). */
  conversation?: ConversationMessage[];
  /** The human tier label, for the oracle policy. */
  label: Tier | undefined;
  signal?: AbortSignal;
  now?: () => Date;
}

/** Routes the query, calls the tier's endpoint, and falls back when an on-prem call fails: the production path. */
export async function answerThroughStack(stack: Stack, request: StackRequest): Promise<StackAnswer> {
  const policy = await stack.route();
  const decision = await policy({
    queryId: 'promptfoo',
    text: userText(request.messages),
    label: request.label,
    source: { file: 'promptfoo', line: 0 },
    ...(request.conversation === undefined ? {} : { request: { messages: request.conversation, parameters: {} } }),
  });
  const endpoint = stack.config.routing.tiers[decision.tier];
  const candidate = await callEndpoint(stack, endpoint, 'candidate', request);
  const fallback = stack.config.routing.fallback;
  const needsFallback = candidate.status === 'failed' && stack.onPrem.has(endpoint) && fallback !== undefined && !request.signal?.aborted;
  const calls = needsFallback ? [candidate, await callEndpoint(stack, fallback, 'fallback', request)] : [candidate];
  return { route: { ...decision, endpoint }, calls, served: calls.at(-1)!, fallbackUsed: needsFallback };
}

/** One configured endpoint, no routing and no fallback: for side-by-side comparisons. */
export async function answerFromEndpoint(stack: Stack, endpoint: string, request: StackRequest): Promise<StackAnswer> {
  const call = await callEndpoint(stack, endpoint, 'candidate', request);
  return { route: undefined, calls: [call], served: call, fallbackUsed: false };
}

async function callEndpoint(stack: Stack, endpoint: string, role: CallRecord['role'], request: StackRequest): Promise<CallRecord> {
  const client = await stack.client(endpoint);
  const startedAt = (request.now ?? (() => new Date()))().toISOString();
  const result = await client.chat(request.messages, { ...request.options, ...(request.signal === undefined ? {} : { signal: request.signal }) });
  const usage = { promptTokens: result.promptTokens, completionTokens: result.completionTokens };
  const succeeded = result.status === 'ok' || result.status === 'ok_after_retry';
  return {
    role,
    endpoint,
    model: client.settings.model,
    status: result.status,
    attempts: result.attempts,
    error: result.error,
    output: result.output,
    ...usage,
    ttftMs: result.ttftMs,
    latencyMs: result.latencyMs,
    // A failed call's cost is unknown (the provider may bill partial work): undefined, not 0.
    costUsd: succeeded ? callCost(client.settings.pricing, usage) : undefined,
    startedAt,
    ...(result.toolCalls === undefined || result.toolCalls.length === 0 ? {} : { toolCalls: result.toolCalls }),
  };
}
