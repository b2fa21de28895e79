import { REQUEST_PARAMETER_NAMES, type RequestParameters, type ToolDefinition } from '../core/conversation.ts';
import type { CallOptions, ChatMessage, EndpointSettings, WireToolCall } from './types.ts';

/** The wire body: the logged request's parameters (the API's own names) plus what the call adds. */
export interface ChatRequestBody extends RequestParameters {
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  stream?: boolean;
  stream_options?: { include_usage: boolean };
}

/** Below this a first message is serialised with the rest: keeping its bytes would save nothing. */
const KEEP_FROM_CHARACTERS = 1024;

/**
 * Serialises request bodies to UTF-8: the same bytes as `Buffer.from(JSON.stringify(body))`. Every
 * request of an endpoint starts with the same system message (the 7.8 KB support prompt, a judge
 * rubric), and serialising it again per call made request building an eighth of the replay's
 * allocations: a JS string as long as the prompt, twice per query, that the young generation then
 * had to collect (bench/RESULTS.md). The first message's JSON is kept as bytes while it stays the
 * same. Only a plain first message (role and text, as a system prompt is) is kept; one with tool
 * calls, a tool call id or a name is serialised with the rest.
 */
export function createBodyEncoder(): (body: ChatRequestBody) => Buffer<ArrayBuffer> {
  let kept: { role: string; content: string; bytes: Buffer<ArrayBuffer> } | undefined;
  return (body) => {
    const first = body.messages[0];
    if (first === undefined || !keepable(first)) return Buffer.from(JSON.stringify({ ...body, messages: body.messages.map(message) }));
    if (kept === undefined || kept.content !== first.content || kept.role !== first.role) {
      kept = { role: first.role, content: first.content, bytes: Buffer.from(JSON.stringify(message(first))) };
    }
    // The other fields in their own order, with the messages array left empty to splice into.
    const outer = JSON.stringify({ ...body, messages: [] });
    // The first '"messages":[]' is the key: a quote inside the escaped model name is \" and cannot end one.
    const at = outer.indexOf('"messages":[]') + '"messages":['.length;
    let rest = '';
    for (let index = 1; index < body.messages.length; index++) rest += `,${JSON.stringify(message(body.messages[index]!))}`;
    return Buffer.concat([Buffer.from(outer.slice(0, at)), kept.bytes, Buffer.from(rest + outer.slice(at))]);
  };
}

function keepable(first: ChatMessage): first is ChatMessage & { content: string } {
  return (
    typeof first.content === 'string' &&
    first.content.length >= KEEP_FROM_CHARACTERS &&
    first.tool_calls === undefined &&
    first.tool_call_id === undefined &&
    first.name === undefined
  );
}

/** Only the fields the API defines, in the API's order: a caller's message object may carry more. */
function message(source: ChatMessage): ChatMessage {
  const result: ChatMessage = { role: source.role, content: source.content };
  if (source.tool_calls !== undefined) result.tool_calls = source.tool_calls.map(toolCall);
  if (source.tool_call_id !== undefined) result.tool_call_id = source.tool_call_id;
  if (source.name !== undefined) result.name = source.name;
  return result;
}

function toolCall(source: WireToolCall): WireToolCall {
  return { id: source.id, type: 'function', function: { name: source.function.name, arguments: source.function.arguments } };
}

/**
 * The body of a chat completion request for these settings and options (stream fields are the
 * caller's). A logged request's parameters and tools go in as logged, with only the model swapped;
 * the parameters the endpoint cannot take are left out and their names pushed onto `dropped`.
 */
export function requestBody(settings: EndpointSettings, messages: ChatMessage[], options: CallOptions, dropped?: string[]): ChatRequestBody {
  const body: ChatRequestBody = {
    model: settings.model,
    messages,
  };
  if (options.parameters !== undefined) addLoggedParameters(body, options.parameters, settings, dropped);
  if (options.tools !== undefined && options.tools.length > 0) body.tools = [...options.tools];
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

function addLoggedParameters(body: ChatRequestBody, parameters: RequestParameters, settings: EndpointSettings, dropped: string[] | undefined): void {
  const unsupported = settings.unsupportedParams;
  for (const name of REQUEST_PARAMETER_NAMES) {
    const value = parameters[name];
    if (value === undefined) continue;
    if (unsupported !== undefined && unsupported.includes(name)) {
      dropped?.push(name);
      continue;
    }
    // The o-series take the same limit only as max_completion_tokens: renamed, not dropped.
    if (name === 'max_tokens' && settings.maxTokensParam === 'max_completion_tokens') {
      if (parameters.max_completion_tokens === undefined) body.max_completion_tokens = value as number;
      continue;
    }
    (body as unknown as Record<string, unknown>)[name] = value;
  }
}
