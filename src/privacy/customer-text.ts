import type { Query } from '../core/query.ts';
import { classifySensitivity, type Sensitivity, type SensitivityPolicy } from './sensitivity.ts';

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

/**
 * A query's sensitivity as every stage decides it (replay, re-judging, validator, the on-prem
 * judge's cross-check): over every customer message of a logged conversation, not only its last.
 */
export function querySensitivity(query: Pick<Query, 'text' | 'request' | 'channel' | 'sensitive'>, policy?: SensitivityPolicy): Sensitivity {
  if (query.request === undefined) return classifySensitivity(query, policy);
  return classifySensitivity({ ...query, text: customerText(query), messages: customerMessages(query) }, policy);
}
