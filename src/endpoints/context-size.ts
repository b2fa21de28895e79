import type { ChatRequestBody } from './request-body.ts';

/**
 * Tokens a chat template adds around each message (role markers, separators). OpenAI's own
 * counting guide uses 3-4 per message for its models; Llama 3's template adds 4-5. 4 is used.
 */
const TOKENS_PER_MESSAGE = 4;

/**
 * An estimate of a request's prompt tokens: the characters of every message's text, tool calls,
 * tool call ids and tool definitions (as JSON) divided by 4, plus a few tokens per message. It is
 * a characters/4 estimate, not a tokenizer count (the endpoints' tokenizers are not on this
 * machine): English support text runs at 3.5-4.5 characters a token, so the estimate is within
 * about 15% of the real count for such text and lower than the real count for digits and
 * non-Latin text. Only computed when the endpoint has a context_tokens limit.
 */
export function estimatePromptTokens(body: Pick<ChatRequestBody, 'messages' | 'tools'>): { tokens: number; characters: number } {
  let characters = 0;
  for (const message of body.messages) {
    characters += message.content?.length ?? 0;
    if (message.name !== undefined) characters += message.name.length;
    if (message.tool_call_id !== undefined) characters += message.tool_call_id.length;
    for (const call of message.tool_calls ?? []) characters += call.id.length + call.function.name.length + call.function.arguments.length;
  }
  if (body.tools !== undefined && body.tools.length > 0) characters += JSON.stringify(body.tools).length;
  return { tokens: Math.ceil(characters / 4) + TOKENS_PER_MESSAGE * body.messages.length, characters };
}

/**
 * Why a request does not fit the endpoint's context window, or undefined when it fits. The
 * completion limit counts too: vLLM refuses a request whose prompt plus max_tokens exceeds the
 * model's length, and truncating the conversation would change what is being evaluated.
 */
export function contextOverflow(body: ChatRequestBody, contextTokens: number, endpoint: string): string | undefined {
  const { tokens, characters } = estimatePromptTokens(body);
  const completion = body.max_completion_tokens ?? body.max_tokens ?? 0;
  if (tokens + completion <= contextTokens) return undefined;
  const completionPart = completion > 0 ? ` + ${completion} completion tokens requested` : '';
  return (
    `request too large for ${endpoint}: about ${tokens} prompt tokens (${characters} characters / 4, ` +
    `${body.messages.length} messages)${completionPart} > context_tokens ${contextTokens}; not sent, not truncated`
  );
}
