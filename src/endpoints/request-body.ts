import type { CallOptions, ChatMessage, EndpointSettings } from './types.ts';

export interface ChatRequestBody {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  max_tokens?: number;
  response_format?: { type: 'json_schema'; json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean } };
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
 * had to collect (bench/RESULTS.md). The first message's JSON is kept as bytes while it stays the same.
 */
export function createBodyEncoder(): (body: ChatRequestBody) => Buffer<ArrayBuffer> {
  let kept: { role: string; content: string; bytes: Buffer<ArrayBuffer> } | undefined;
  return (body) => {
    const first = body.messages[0];
    if (first === undefined || first.content.length < KEEP_FROM_CHARACTERS) return Buffer.from(JSON.stringify({ ...body, messages: body.messages.map(message) }));
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

/** Only the fields the API defines: a caller's message object may carry more. */
function message(source: ChatMessage): ChatMessage {
  return { role: source.role, content: source.content };
}

/** The body of a chat completion request for these settings and options (stream fields are the caller's). */
export function requestBody(settings: EndpointSettings, messages: ChatMessage[], options: CallOptions): ChatRequestBody {
  const body: ChatRequestBody = {
    model: settings.model,
    messages,
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
