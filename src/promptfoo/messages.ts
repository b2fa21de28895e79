import type { ChatMessage } from '../endpoints/types.ts';

const ROLES = new Set(['system', 'user', 'assistant']);

/**
 * promptfoo hands a provider the rendered prompt: plain text (the customer's message), or a JSON
 * array of chat messages when the suite's prompt is written in chat form. The config's system
 * prompt goes first unless the suite brings its own.
 */
export function promptMessages(prompt: string, systemPrompt: string): ChatMessage[] {
  const chat = parseChat(prompt);
  const messages = chat ?? [{ role: 'user' as const, content: prompt }];
  if (systemPrompt === '' || messages.some((message) => message.role === 'system')) return messages;
  return [{ role: 'system', content: systemPrompt }, ...messages];
}

function parseChat(prompt: string): ChatMessage[] | undefined {
  if (!prompt.trimStart().startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(prompt);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return undefined;
  const valid = parsed.every(
    (item: unknown) =>
      typeof item === 'object' && item !== null && ROLES.has((item as { role?: unknown }).role as string) && typeof (item as { content?: unknown }).content === 'string',
  );
  return valid ? (parsed as ChatMessage[]) : undefined;
}

/** The last user message: the customer query the sim and the judge see. */
export function userText(messages: readonly ChatMessage[]): string {
  return messages.findLast((message) => message.role === 'user')?.content ?? '';
}
