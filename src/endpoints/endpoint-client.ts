import pLimit from 'p-limit';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { UsageError } from '../core/errors.ts';
import { classifyError, statusFailure, toErrorLine, type AttemptFailure } from './call-error.ts';
import { fetchTransport, undiciTransport, type Transport } from './http-transport.ts';
import { backoffDelayMs } from './retry-policy.ts';
import { createSseParser } from './sse-parser.ts';
import { plainDeltaReader } from './stream-delta.ts';
import { createBodyEncoder, requestBody, type ChatRequestBody } from './request-body.ts';
import { contextOverflow } from './context-size.ts';
import { AbortFanOut } from './abort-fan-out.ts';
import { createToolCallAccumulator, readToolCalls } from './tool-calls.ts';
import type { ToolCall } from '../core/conversation.ts';
import type {
  CallOptions,
  CallResult,
  ChatMessage,
  EndpointClient,
  EndpointClientDeps,
  EndpointSettings,
} from './types.ts';

/**
 * Servers want a key. A keyless vLLM ignores the header; this placeholder (vLLM's documented
 * convention) also makes sure no real secret (say OPENAI_API_KEY) is ever sent on-prem by default.
 */
export const KEYLESS_PLACEHOLDER = 'EMPTY';

interface AttemptSuccess {
  ok: true;
  output: string;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  ttftMs: number | undefined;
  latencyMs: number;
  toolCalls: ToolCall[] | undefined;
}
type AttemptOutcome = AttemptSuccess | { ok: false; failure: AttemptFailure };

/** The parts of a chat completion (or a stream chunk) the client reads. */
interface CompletionJson {
  choices?: Array<{
    message?: { content?: string | null; tool_calls?: unknown };
    delta?: { content?: string | null; tool_calls?: unknown };
    finish_reason?: string | null;
  }>;
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
  error?: unknown;
}

const defaultNow = (): number => performance.timeOrigin + performance.now();
const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  sleepFor(ms, undefined, signal ? { signal } : {});

/**
 * A client for one OpenAI-compatible chat endpoint (vLLM, OpenAI): concurrency limit, per-attempt
 * timeout covering the whole body or stream, retries with backoff and Retry-After, and a result
 * that never throws. Speaks the wire protocol itself over undici (see http-transport.ts for why
 * not the openai SDK); the Batch API still goes through the SDK (src/judge/batch-judge.ts).
 */
export function createEndpointClient(settings: EndpointSettings, deps: EndpointClientDeps = {}): EndpointClient {
  validate(settings);
  const now = deps.now ?? defaultNow;
  const sleep = deps.sleep ?? defaultSleep;
  const random = deps.random ?? Math.random;
  const transportSettings = {
    baseUrl: settings.baseUrl,
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${settings.apiKey ?? KEYLESS_PLACEHOLDER}`,
      'user-agent': 'hybrid-eval',
    },
    connections: settings.maxConcurrency,
  };
  const transport: Transport = deps.fetch ? fetchTransport(transportSettings, deps.fetch) : undiciTransport(transportSettings);
  const limit = pLimit(settings.maxConcurrency);
  const encodeBody = createBodyEncoder();
  const closed = new AbortController();
  const aborts = new AbortFanOut();

  async function attempt(body: ChatRequestBody, options: CallOptions): Promise<AttemptOutcome> {
    // One timer per attempt, covering the headers and the whole body or stream.
    const controller = new AbortController();
    let stoppedBy: 'timeout' | 'aborted' | undefined;
    const onAbort = (): void => {
      stoppedBy ??= 'aborted';
      controller.abort();
    };
    const external = options.signal;
    const unwatchExternal = external === undefined ? undefined : aborts.watch(external, onAbort);
    const unwatchClosed = aborts.watch(closed.signal, onAbort);
    const timer = setTimeout(() => {
      stoppedBy ??= 'timeout';
      controller.abort();
    }, settings.timeoutMs);
    const startedAt = now();
    let phase: 'request' | 'stream' = 'request';
    const stopped = (): AttemptOutcome => ({ ok: false, failure: stopFailure(stoppedBy ?? 'aborted', settings.timeoutMs) });
    try {
      if (external?.aborted || closed.signal.aborted) return stopped();
      const response = await transport.post('/chat/completions', encodeBody(body), controller.signal);
      if (response.status < 200 || response.status >= 300) {
        const text = await response.text().catch(() => '');
        if (stoppedBy) return stopped();
        return { ok: false, failure: statusFailure(response.status, text, response.headers, now()) };
      }
      if (!settings.stream) {
        const text = await response.text();
        const latencyMs = now() - startedAt;
        if (stoppedBy) return stopped();
        const completion = parseJson(text);
        if (completion === undefined) {
          return { ok: false, failure: { kind: 'other', retryable: false, message: `response is not JSON: ${text.slice(0, 120)}`, retryAfterMs: undefined } };
        }
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
          toolCalls: readToolCalls(choice.message?.tool_calls),
        };
      }
      phase = 'stream';
      let output = '';
      let ttftMs: number | undefined;
      let finishReason: string | undefined;
      let promptTokens: number | undefined;
      let completionTokens: number | undefined;
      // Created on the first tool-call fragment only: a text answer pays nothing for it.
      let toolCalls: ReturnType<typeof createToolCallAccumulator> | undefined;
      const plainDelta = plainDeltaReader();
      const onContent = options.onContent;
      const parser = createSseParser((bytes, start, end) => {
        const plain = plainDelta(bytes, start, end);
        if (plain !== undefined) {
          if (plain) {
            if (onContent !== undefined) {
              const at = now();
              ttftMs ??= at - startedAt;
              onContent(at);
            } else {
              ttftMs ??= now() - startedAt;
            }
            output += plain;
          }
          return;
        }
        const data = bytes.toString('utf8', start, end);
        if (data === '[DONE]') return;
        const chunk = JSON.parse(data) as CompletionJson;
        if (chunk.error !== undefined && chunk.error !== null) throw new Error(`error event in stream: ${JSON.stringify(chunk.error)}`);
        const choice = chunk.choices?.[0];
        const content = choice?.delta?.content;
        if (content) {
          const at = now();
          ttftMs ??= at - startedAt;
          onContent?.(at);
          output += content;
        }
        const toolCallDeltas = choice?.delta?.tool_calls;
        if (toolCallDeltas !== undefined && toolCallDeltas !== null) {
          ttftMs ??= now() - startedAt;
          toolCalls ??= createToolCallAccumulator();
          toolCalls.add(toolCallDeltas);
        }
        if (choice?.finish_reason) finishReason = choice.finish_reason;
        if (chunk.usage) {
          promptTokens = count(chunk.usage.prompt_tokens);
          completionTokens = count(chunk.usage.completion_tokens);
        }
      });
      await response.forEachChunk(parser.push);
      parser.end();
      const latencyMs = now() - startedAt;
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
      return { ok: true, output, promptTokens, completionTokens, ttftMs, latencyMs, toolCalls: toolCalls?.result() };
    } catch (error) {
      if (stoppedBy) return stopped();
      return { ok: false, failure: classifyError(error, phase) };
    } finally {
      clearTimeout(timer);
      unwatchExternal?.();
      unwatchClosed();
    }
  }

  async function chat(messages: ChatMessage[], options: CallOptions = {}): Promise<CallResult> {
    const external = options.signal;
    const aborted = (): boolean => closed.signal.aborted || external?.aborted === true;
    const maxAttempts = settings.retries + 1;
    let attempts = 0;
    const dropped: string[] = [];
    const body = requestBody(settings, messages, options, dropped);
    if (settings.stream) {
      body.stream = true;
      body.stream_options = { include_usage: true };
    }
    const droppedParams = dropped.length > 0 ? { droppedParams: dropped } : {};
    if (settings.contextTokens !== undefined) {
      const overflow = contextOverflow(body, settings.contextTokens, settings.name);
      if (overflow !== undefined) return { ...failed(0, overflow, 'context'), ...droppedParams };
    }
    for (;;) {
      if (aborted()) return { ...interrupted(attempts), ...droppedParams };
      // Limited per attempt, not per call: a call sleeping before its retry must not hold a slot.
      const outcome = await limit(() => {
        if (aborted()) return undefined;
        attempts += 1;
        return attempt(body, options);
      });
      if (outcome === undefined) return { ...interrupted(attempts), ...droppedParams };
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
          ...(outcome.toolCalls === undefined ? {} : { toolCalls: outcome.toolCalls }),
          ...droppedParams,
        };
      }
      const failure = outcome.failure;
      if (failure.kind === 'aborted' || aborted()) return { ...interrupted(attempts), ...droppedParams };
      if (!failure.retryable || attempts >= maxAttempts) {
        return { ...failed(attempts, toErrorLine(failure.message, settings.apiKey), failure.kind), ...droppedParams };
      }
      try {
        // A composite signal only here: retries are rare, and AbortSignal.any per call is not free.
        await sleep(failure.retryAfterMs ?? backoffDelayMs(attempts, random), external ? AbortSignal.any([external, closed.signal]) : closed.signal);
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
      transport.close();
    },
  };
}

function parseJson(text: string): CompletionJson | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as CompletionJson) : undefined;
  } catch {
    return undefined;
  }
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
