import type { Query } from '../core/query.ts';

/** What the router classifies for a multi-turn request (routing.router.context / context_messages). */
export interface RouterContext {
  context: 'last_user' | 'last_k';
  /** With last_k: at most this many recent user and assistant messages. */
  contextMessages: number;
}

export const DEFAULT_ROUTER_CONTEXT: RouterContext = { context: 'last_user', contextMessages: 4 };

/**
 * Characters per WordPiece token the budget assumes. English support text runs at about 4; 3 is
 * the cautious side, so the messages kept fit max_length and the router's own truncation (which
 * keeps the head and drops the tail, here the newest turn) does not cut them.
 */
const CHARACTERS_PER_TOKEN = 3;

/**
 * The text the router classifies. last_user (the default, and every single-turn query): the last
 * user message, what the router was trained on. last_k: the last user message and the user and
 * assistant messages before it, newest first, up to context_messages and while they fit the
 * router's max_length, joined oldest first. System prompts and tool results are left out: they
 * are the same for every query or data the customer did not write.
 */
export function routerText(query: Pick<Query, 'text' | 'request'>, context: RouterContext, maxLength: number): string {
  if (context.context === 'last_user' || query.request === undefined) return query.text;
  const messages = query.request.messages;
  const lastUser = messages.findLastIndex((message) => message.role === 'user');
  if (lastUser < 0) return query.text;
  const budget = Math.max(0, (maxLength - 2) * CHARACTERS_PER_TOKEN);
  const chosen: string[] = [messages[lastUser]!.content];
  let used = chosen[0]!.length;
  for (let index = lastUser - 1; index >= 0 && chosen.length < context.contextMessages; index--) {
    const message = messages[index]!;
    if ((message.role !== 'user' && message.role !== 'assistant') || message.content === '') continue;
    if (used + 1 + message.content.length > budget) break;
    chosen.unshift(message.content);
    used += 1 + message.content.length;
  }
  return chosen.join('\n');
}
