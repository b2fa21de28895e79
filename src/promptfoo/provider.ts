import { UsageError } from '../core/errors.ts';
import { isTier } from '../core/tier.ts';
import { answerFromEndpoint, answerThroughStack, type StackAnswer } from './answer.ts';
import { answerText } from '../judge/judge-context.ts';
import { conversationKey } from '../sim/conversation.ts';
import { promptRequest, userText } from './messages.ts';
import { METADATA_VERSION, PROVIDER_METADATA_KEY, type ProviderMetadataInput } from './metadata.ts';
import { parseOptions, providerConfigSchema, resolveStackKey, type ProviderConfig, type StackKey } from './options.ts';
import type {
  PromptfooCallContext,
  PromptfooCallOptions,
  PromptfooProviderOptions,
  PromptfooProviderResponse,
  PromptfooTokenUsage,
} from './promptfoo-types.ts';
import { closeStacks, displayPath, stackFor, type Stack } from './stack.ts';

/**
 * promptfoo custom provider: each prompt goes through the hybrid stack a hybrid-eval config
 * describes (router -> tier endpoint -> fallback when on-prem fails), or to one named endpoint.
 * Test vars it reads: `tier` (the human label, for the oracle policy) and `reference` (known facts,
 * taught to the sim so it answers as in a replay). A prompt that renders to a chat-completions
 * request body is sent whole: every earlier turn, tool definitions and results, parameters.
 */
export default class HybridEvalProvider {
  readonly label: string | undefined;
  readonly config: ProviderConfig;
  private readonly providerId: string;
  private readonly stackKey: StackKey;
  private readonly env: NodeJS.ProcessEnv;

  constructor(options: PromptfooProviderOptions = {}) {
    this.config = parseOptions(providerConfigSchema, options.config, `hybrid-eval provider${options.label === undefined ? '' : ` "${options.label}"`}: config`);
    // Loading the config here makes a bad file or endpoint name fail the eval before any test runs.
    this.env = { ...process.env, ...options.env };
    this.stackKey = resolveStackKey(this.config, this.env);
    const { config } = this.stack();
    const endpoint = this.config.endpoint;
    if (endpoint !== undefined && config.endpoints[endpoint] === undefined) {
      throw new UsageError(`hybrid-eval provider: endpoint "${endpoint}" is not in ${this.stackKey.configFile} (defined: ${Object.keys(config.endpoints).join(', ')})`);
    }
    this.label = options.label;
    this.providerId = `hybrid-eval:${endpoint ?? 'stack'}`;
  }

  id(): string {
    return this.providerId;
  }

  async callApi(prompt: string, context?: PromptfooCallContext, callOptions?: PromptfooCallOptions): Promise<PromptfooProviderResponse> {
    const started = performance.now();
    const vars = context?.vars ?? {};
    const label = isTier(vars.tier) ? vars.tier : undefined;
    let stack: Stack;
    let answer: StackAnswer;
    try {
      stack = this.stack();
      const { messages, options, conversation } = promptRequest(prompt, stack.config.system_prompt);
      // The sim keys a conversation's reference by all its customer messages, as a replay teaches it.
      const referenceKey = conversation === undefined ? userText(messages) : conversationKey(conversation.filter((message) => message.role === 'user').map((message) => message.content));
      if (typeof vars.reference === 'string' && vars.reference !== '') await stack.addReference(referenceKey, vars.reference, label);
      const request = { messages, options, label, ...(conversation === undefined ? {} : { conversation }), ...(callOptions?.abortSignal === undefined ? {} : { signal: callOptions.abortSignal }) };
      answer = this.config.endpoint === undefined ? await answerThroughStack(stack, request) : await answerFromEndpoint(stack, this.config.endpoint, request);
    } catch (error) {
      // A missing key or an unreachable endpoint: promptfoo shows it as this test's error.
      return { error: `hybrid-eval: ${error instanceof Error ? error.message : String(error)}` };
    }
    return toResponse(answer, this.metadata(answer, stack), performance.now() - started);
  }

  /** promptfoo calls this once the eval is over: the sim and the clients go (a later call starts them again). */
  async cleanup(): Promise<void> {
    await closeStacks();
  }

  /** Looked up per call, not kept: after cleanup() the next call gets a fresh stack. */
  private stack(): Stack {
    return stackFor(this.stackKey, this.env);
  }

  private metadata(answer: StackAnswer, stack: Stack): ProviderMetadataInput {
    const endpoint = this.config.endpoint;
    return {
      version: METADATA_VERSION,
      kind: endpoint === undefined ? 'hybrid' : 'endpoint',
      role: this.config.role ?? (endpoint !== undefined && endpoint === stack.config.baseline ? 'baseline' : 'candidate'),
      configFile: displayPath(stack.key.configFile),
      sim: stack.key.sim,
      route: answer.route,
      calls: answer.calls,
    };
  }
}

function toResponse(answer: StackAnswer, detail: ProviderMetadataInput, elapsedMs: number): PromptfooProviderResponse {
  const { served } = answer;
  const metadata = {
    // Flat keys for assertions (`context.metadata.tier`) and promptfoo's viewer.
    tier: answer.route?.tier,
    routed_endpoint: answer.route?.endpoint,
    endpoint: served.endpoint,
    model: served.model,
    fallback_used: answer.fallbackUsed,
    route_policy: answer.route?.policy,
    status: served.status,
    [PROVIDER_METADATA_KEY]: detail,
  };
  const succeeded = served.status === 'ok' || served.status === 'ok_after_retry';
  const response: PromptfooProviderResponse = {
    // What the caller waited: a failed on-prem attempt before the fallback included.
    latencyMs: Math.round(elapsedMs),
    metadata,
  };
  // An answer that calls a tool is that call, spelled out as the judge reads it (promptfoo takes text).
  const output = served.toolCalls === undefined ? served.output : answerText(served.output ?? '', served.toolCalls);
  if (!succeeded || output === undefined) {
    const failed = answer.calls.map((call) => `${call.endpoint}: ${call.error ?? call.status}`).join('; then ');
    return { ...response, error: `hybrid-eval: no answer (${failed})` };
  }
  response.output = output;
  response.tokenUsage = tokenUsage(served.promptTokens, served.completionTokens, answer.calls.length);
  if (served.costUsd !== undefined) response.cost = served.costUsd;
  return response;
}

/** Unknown counts are left out, never 0: promptfoo then shows no figure rather than a free call. */
function tokenUsage(prompt: number | undefined, completion: number | undefined, requests: number): PromptfooTokenUsage {
  return {
    ...(prompt === undefined ? {} : { prompt }),
    ...(completion === undefined ? {} : { completion }),
    ...(prompt === undefined || completion === undefined ? {} : { total: prompt + completion }),
    numRequests: requests,
  };
}
