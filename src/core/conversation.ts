/**
 * A logged chat-completions request: what production actually sent, so a replay can send the same
 * thing with only the model swapped. Plain data; readers (OpenAI chat logs, Batch files, OTLP
 * GenAI spans, turn tables) build it, and every stage (router, privacy, endpoints, judge, sim,
 * store) reads it through its own view.
 */

/** Chat roles as logged. `developer` is OpenAI's newer name for a system message. */
export const MESSAGE_ROLES = ['system', 'developer', 'user', 'assistant', 'tool'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** One function call an assistant message asked for. `arguments` is the JSON text exactly as logged. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** One message of the conversation. Text parts of an array `content` are joined with "\n". */
export interface ConversationMessage {
  role: MessageRole;
  /** '' for an assistant message that only calls tools. */
  content: string;
  /** Assistant messages: the tool calls it made. */
  toolCalls?: ToolCall[];
  /** Tool messages: the id of the call this result answers. */
  toolCallId?: string;
  /** The optional participant name (`name` in the API). */
  name?: string;
}

/** A tool the request offered (`tools[]` in the API), kept as logged. */
export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean };
}

/**
 * The sampling and format parameters of the logged request, with the API's own names, kept as
 * logged. Only `model` is swapped at replay; an endpoint that cannot take a parameter gets the
 * request without it, and the drop is recorded on the response.
 */
export interface RequestParameters {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  stop?: string | string[];
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  response_format?: Record<string, unknown>;
  tool_choice?: string | Record<string, unknown>;
  parallel_tool_calls?: boolean;
}

/** The parameter names a reader keeps; anything else in a logged body is not replayed. */
export const REQUEST_PARAMETER_NAMES = [
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'response_format',
  'tool_choice',
  'parallel_tool_calls',
] as const satisfies readonly (keyof RequestParameters)[];

/** A whole logged request: one replay point. */
export interface LoggedRequest {
  /** Every message as logged, system prompt and history included, ending with the turn to answer. */
  messages: ConversationMessage[];
  tools?: ToolDefinition[];
  parameters: RequestParameters;
  /** The model production called (informational: the replay swaps it). */
  model?: string;
}

/** What production answered, when the log holds the response. */
export interface LoggedResponse {
  /** The assistant's text ('' when it only called tools). */
  content: string;
  toolCalls?: ToolCall[];
  promptTokens?: number;
  completionTokens?: number;
  latencyMs?: number;
  model?: string;
}
