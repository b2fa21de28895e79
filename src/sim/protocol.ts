// OpenAI Chat Completions wire shapes, as the openai SDK and vLLM's OpenAI server use them.

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export type FinishReason = 'stop' | 'length' | 'tool_calls';

/** A function call in a completion's message, as the API writes it. */
export interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function errorBody(message: string, type: string, code: string | null = null, param: string | null = null): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

export function usage(promptTokens: number, completionTokens: number): ChatUsage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** The sim's token estimate: about four characters per token, never zero for non-empty text. */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.ceil(text.length / 4));
}

export interface CompletionIdentity {
  id: string;
  created: number;
  model: string;
}

export function completionBody(identity: CompletionIdentity, content: string, finishReason: FinishReason, tokens: ChatUsage, toolCalls?: WireToolCall[]): object {
  // A message that only calls tools has content null, as the API writes it.
  const message = toolCalls === undefined ? { role: 'assistant', content, refusal: null } : { role: 'assistant', content: content === '' ? null : content, refusal: null, tool_calls: toolCalls };
  return {
    id: identity.id,
    object: 'chat.completion',
    created: identity.created,
    model: identity.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
    usage: tokens,
    system_fingerprint: 'fp_sim',
  };
}

export function chunkBody(
  identity: CompletionIdentity,
  delta: { role?: 'assistant'; content?: string | null; tool_calls?: Array<{ index: number; id?: string; type?: 'function'; function: { name?: string; arguments: string } }> },
  finishReason: FinishReason | null,
  includeUsage: boolean,
): object {
  const chunk: Record<string, unknown> = {
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    system_fingerprint: 'fp_sim',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
  if (includeUsage) chunk.usage = null;
  return chunk;
}

export function usageChunkBody(identity: CompletionIdentity, tokens: ChatUsage): object {
  return {
    id: identity.id,
    object: 'chat.completion.chunk',
    created: identity.created,
    model: identity.model,
    system_fingerprint: 'fp_sim',
    choices: [],
    usage: tokens,
  };
}

export function sseEvent(payload: object | '[DONE]'): string {
  return `data: ${payload === '[DONE]' ? payload : JSON.stringify(payload)}\n\n`;
}

/** Splits an answer into stream deltas: one word (with its trailing space) each. */
export function streamPieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}
