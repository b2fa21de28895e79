import type { Query } from '../core/query.ts';

/**
 * The customer's side of a query, for the sensitivity rules: for a logged multi-turn request every
 * user message and every tool result (an order lookup can return an address or a card's last
 * digits), not only the last turn; for a single-turn query its text.
 */
export function customerText(query: Pick<Query, 'text' | 'request'>): string {
  return customerMessages(query).join('\n');
}

/** The same texts one by one (empty ones left out). */
export function customerMessages(query: Pick<Query, 'text' | 'request'>): string[] {
  if (query.request === undefined) return [query.text];
  return query.request.messages.filter((message) => (message.role === 'user' || message.role === 'tool') && message.content !== '').map((message) => message.content);
}
