import type { RequestParameters, ToolCall, ToolDefinition } from '../core/conversation.ts';
import type { CallStatus } from '../core/response.ts';
import type { WireMessage } from '../core/wire-messages.ts';

/** What one call costs. `fixed` is on-prem: the monthly GPU bill is the cost model's business, not a call's. */
export type Pricing =
  | { kind: 'per_token'; inputPerMillion: number; outputPerMillion: number }
  | { kind: 'fixed'; monthlyUsd: number; perQueryUsd: number };

export interface EndpointSettings {
  name: string;
  baseUrl: string;
  model: string;
  /** Already resolved from the environment by the caller; undefined for a keyless local server (vLLM without --api-key). */
  apiKey: string | undefined;
  /** Limit for one attempt, from request start to the last byte of the answer (streamed or not). */
  timeoutMs: number;
  /** Retries after the first attempt: at most retries + 1 attempts. */
  retries: number;
  /** Attempts in flight at once; a call sleeping before its retry holds no slot. */
  maxConcurrency: number;
  pricing: Pricing;
  stream: boolean;
  /**
   * Logged request parameters this endpoint cannot take: left out of the body, and the drop is
   * recorded on the result. Undefined: nothing is dropped.
   */
  unsupportedParams?: readonly (keyof RequestParameters)[];
  /** A logged max_tokens is sent under this name (OpenAI's o-series reject max_tokens). Undefined: as logged. */
  maxTokensParam?: 'max_tokens' | 'max_completion_tokens';
  /**
   * The endpoint's context window in tokens. A request estimated larger is not sent: it fails with
   * its size in the error (never truncated). Undefined: no check.
   */
  contextTokens?: number;
}

/** A chat message on the wire, as the OpenAI chat-completions API (and vLLM) take it. */
export type ChatMessage = WireMessage;

/** One function call on the wire (`tool_calls[]` of an assistant message). */
export type WireToolCall = NonNullable<WireMessage['tool_calls']>[number];

/** A message with text: what the harness writes itself (judge prompts, single-turn queries). */
export type TextMessage = ChatMessage & { content: string };

export interface CallOptions {
  responseFormat?: { type: 'json_schema'; json_schema: { name: string; schema: object; strict?: boolean } };
  temperature?: number;
  maxTokens?: number;
  /**
   * A logged request's parameters, sent as logged (less the endpoint's unsupported ones). The
   * fields above, set by the harness itself (the judge), win over these.
   */
  parameters?: RequestParameters;
  /** A logged request's tool definitions, sent as logged. */
  tools?: readonly ToolDefinition[];
  /** Aborts the call, its retries and its backoff sleeps: the result is 'interrupted'. */
  signal?: AbortSignal;
  /**
   * Streaming only: called with the clock's time (deps.now) as each content delta arrives, for
   * inter-token latency (src/loadtest). Deltas of a failed attempt are reported too.
   */
  onContent?: (atMs: number) => void;
}

export type CallErrorKind =
  | 'timeout'
  | 'rate_limit'
  | 'server'
  | 'connection'
  | 'cut_stream'
  | 'bad_request'
  | 'auth'
  | 'aborted'
  | 'context'
  | 'other';

export interface CallResult {
  status: CallStatus;
  /** Attempts actually sent (0 when aborted before the first one started). */
  attempts: number;
  output: string | undefined;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  /** Streaming only: from the start of the successful attempt to its first content delta. */
  ttftMs: number | undefined;
  /** From the start of the successful attempt to its last byte; backoff sleeps and failed attempts are not in it. */
  latencyMs: number | undefined;
  /** One line, status code first where there is one; never contains the API key. undefined on success. */
  error: string | undefined;
  errorKind?: CallErrorKind;
  /** The function calls the answer made, in index order (undefined when it made none). */
  toolCalls?: ToolCall[];
  /** Logged parameters left out of the request because the endpoint cannot take them. */
  droppedParams?: string[];
}

export interface EndpointClientDeps {
  fetch?: typeof fetch;
  /** Milliseconds; used for latency, time to first token and HTTP-date Retry-After. */
  now?: () => number;
  /** Must settle (resolve or reject) promptly when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1), for backoff jitter. */
  random?: () => number;
}

export interface EndpointClient {
  readonly settings: EndpointSettings;
  chat(messages: ChatMessage[], options?: CallOptions): Promise<CallResult>;
  /** Interrupts calls in flight and refuses new ones (they return 'interrupted'). */
  close?(): void;
}
