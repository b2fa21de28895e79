import OpenAI from 'openai';
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import pLimit from 'p-limit';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { UsageError } from '../core/errors.ts';
import { classifyError, toErrorLine, type AttemptFailure } from './call-error.ts';
import { backoffDelayMs } from './retry-policy.ts';
import type {
  CallOptions,
  CallResult,
  ChatMessage,
  EndpointClient,
  EndpointClientDeps,
  EndpointSettings,
} from './types.ts';

/**
 * The SDK insists on a key. A keyless vLLM ignores the header; this placeholder (vLLM's documented
 * convention) also stops the SDK from falling back to OPENAI_API_KEY and sending a real secret on-prem.
 */
export const KEYLESS_PLACEHOLDER = 'EMPTY';

interface AttemptSuccess {
  ok: true;
  output: string;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  ttftMs: number | undefined;
  latencyMs: number;
}
type AttemptOutcome = AttemptSuccess | { ok: false; failure: AttemptFailure };

const defaultNow = (): number => performance.timeOrigin + performance.now();
const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  sleepFor(ms, undefined, signal ? { signal } : {});

export function createEndpointClient(settings: EndpointSettings, deps: EndpointClientDeps = {}): EndpointClient {
  validate(settings);
  const now = deps.now ?? defaultNow;
  const sleep = deps.sleep ?? defaultSleep;
  const random = deps.random ?? Math.random;
  const sdk = new OpenAI({
    apiKey: settings.apiKey ?? KEYLESS_PLACEHOLDER,
    baseURL: settings.baseUrl,
    timeout: settings.timeoutMs,
    maxRetries: 0,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
  const limit = pLimit(settings.maxConcurrency);
  const closed = new AbortController();

  async function attempt(messages: ChatMessage[], options: CallOptions, callSignal: AbortSignal): Promise<AttemptOutcome> {
    // The SDK's own timeout stops at the response headers; this one also covers a body or stream that hangs.
    const controller = new AbortController();
    let stoppedBy: 'timeout' | 'aborted' | undefined;
    const onAbort = (): void => {
      stoppedBy ??= 'aborted';
      controller.abort();
    };
    callSignal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      stoppedBy ??= 'timeout';
      controller.abort();
    }, settings.timeoutMs);
    const startedAt = now();
    let phase: 'request' | 'stream' = 'request';
    const stopped = (): AttemptOutcome => ({ ok: false, failure: stopFailure(stoppedBy ?? 'aborted', settings.timeoutMs) });
    try {
      if (callSignal.aborted) return stopped();
      const body = requestBody(settings, messages, options);
      const requestOptions = { signal: controller.signal, timeout: settings.timeoutMs };
      if (!settings.stream) {
        const completion = await sdk.chat.completions.create({ ...body, stream: false }, requestOptions);
        const latencyMs = now() - startedAt;
        if (stoppedBy) return stopped();
        const choice = completion.choices?.[0];
        if (!choice) {
          return { ok: false, failure: { kind: 'other', retryable: false, message: 'response has no choices', retryAfterMs: undefined } };
        }
        return {
          ok: true,
          output: choice.message?.content ?? '',
          promptTokens: count(completion.usage?.prompt_tokens),
          completionTokens: count(completion.usage?.completion_tokens),
          ttftMs: undefined,
          latencyMs,
        };
      }
      const stream = await sdk.chat.completions.create(
        { ...body, stream: true, stream_options: { include_usage: true } },
        requestOptions,
      );
      phase = 'stream';
      let output = '';
      let ttftMs: number | undefined;
      let finishReason: string | undefined;
      let promptTokens: number | undefined;
      let completionTokens: number | undefined;
      for await (const chunk of stream) {
        const choice = chunk.choices?.[0];
        const content = choice?.delta?.content;
        if (content) {
          ttftMs ??= now() - startedAt;
          output += content;
        }
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        if (chunk.usage) {
          promptTokens = count(chunk.usage.prompt_tokens);
          completionTokens = count(chunk.usage.completion_tokens);
        }
      }
      const latencyMs = now() - startedAt;
      // The SDK ends the iteration quietly when its request is aborted, so a timeout mid-stream lands here.
      if (stoppedBy) return stopped();
      if (finishReason === undefined) {
        return {
          ok: false,
          failure: {
            kind: 'cut_stream',
            retryable: true,
            message: `cut stream: ended without finish_reason after ${output.length} characters`,
            retryAfterMs: undefined,
          },
        };
      }
      return { ok: true, output, promptTokens, completionTokens, ttftMs, latencyMs };
    } catch (error) {
      if (stoppedBy) return stopped();
      return { ok: false, failure: classifyError(error, phase, now()) };
    } finally {
      clearTimeout(timer);
      callSignal.removeEventListener('abort', onAbort);
    }
  }

  async function chat(messages: ChatMessage[], options: CallOptions = {}): Promise<CallResult> {
    const callSignal = options.signal ? AbortSignal.any([options.signal, closed.signal]) : closed.signal;
    const maxAttempts = settings.retries + 1;
    let attempts = 0;
    for (;;) {
      if (callSignal.aborted) return interrupted(attempts);
      // Limited per attempt, not per call: a call sleeping before its retry must not hold a slot.
      const outcome = await limit(() => {
        if (callSignal.aborted) return undefined;
        attempts += 1;
        return attempt(messages, options, callSignal);
      });
      if (outcome === undefined) return interrupted(attempts);
      if (outcome.ok) {
        return {
          status: attempts === 1 ? 'ok' : 'ok_after_retry',
          attempts,
          output: outcome.output,
          promptTokens: outcome.promptTokens,
          completionTokens: outcome.completionTokens,
          ttftMs: outcome.ttftMs,
          latencyMs: outcome.latencyMs,
          error: undefined,
        };
      }
      const failure = outcome.failure;
      if (failure.kind === 'aborted' || callSignal.aborted) return interrupted(attempts);
      if (!failure.retryable || attempts >= maxAttempts) {
        return failed(attempts, toErrorLine(failure.message, settings.apiKey), failure.kind);
      }
      try {
        await sleep(failure.retryAfterMs ?? backoffDelayMs(attempts, random), callSignal);
      } catch {
        // An aborted sleep rejects; the check at the top of the loop reports it.
      }
    }
  }

  return {
    settings,
    chat,
    close(): void {
      closed.abort();
    },
  };
}

function requestBody(
  settings: EndpointSettings,
  messages: ChatMessage[],
  options: CallOptions,
): ChatCompletionCreateParamsBase {
  const body: ChatCompletionCreateParamsBase = {
    model: settings.model,
    messages: messages.map((message) => ({ role: message.role, content: message.content })),
  };
  if (options.temperature !== undefined) body.temperature = options.temperature;
  // max_tokens rather than max_completion_tokens: vLLM, GPT-3.5 and GPT-4 all accept it.
  if (options.maxTokens !== undefined) body.max_tokens = options.maxTokens;
  if (options.responseFormat) {
    const format = options.responseFormat.json_schema;
    body.response_format = {
      type: 'json_schema',
      json_schema: {
        name: format.name,
        schema: format.schema as Record<string, unknown>,
        ...(format.strict !== undefined ? { strict: format.strict } : {}),
      },
    };
  }
  return body;
}

/** Token counts the server did not give stay undefined: unknown is not free. */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function stopFailure(reason: 'timeout' | 'aborted', timeoutMs: number): AttemptFailure {
  return reason === 'timeout'
    ? { kind: 'timeout', retryable: true, message: `timeout: no complete answer within ${timeoutMs} ms`, retryAfterMs: undefined }
    : { kind: 'aborted', retryable: false, message: 'interrupted: call aborted', retryAfterMs: undefined };
}

function interrupted(attempts: number): CallResult {
  return { ...emptyResult(attempts), status: 'interrupted', error: 'interrupted: call aborted', errorKind: 'aborted' };
}

function failed(attempts: number, error: string, errorKind: CallResult['errorKind']): CallResult {
  return { ...emptyResult(attempts), status: 'failed', error, ...(errorKind ? { errorKind } : {}) };
}

function emptyResult(attempts: number): Omit<CallResult, 'status'> {
  return {
    attempts,
    output: undefined,
    promptTokens: undefined,
    completionTokens: undefined,
    ttftMs: undefined,
    latencyMs: undefined,
    error: undefined,
  };
}

function validate(settings: EndpointSettings): void {
  const problems: string[] = [];
  if (!Number.isInteger(settings.maxConcurrency) || settings.maxConcurrency < 1) problems.push('maxConcurrency must be an integer >= 1');
  if (!Number.isInteger(settings.retries) || settings.retries < 0) problems.push('retries must be an integer >= 0');
  if (!(settings.timeoutMs > 0)) problems.push('timeoutMs must be > 0');
  if (problems.length > 0) throw new UsageError(`endpoint "${settings.name}": ${problems.join('; ')}`);
}
