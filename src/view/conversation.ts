import type { ConversationMessage } from '../core/conversation.ts';
import { fromRequestJson } from '../store/request-json.ts';
import { html, type Html } from './html.ts';

const ROLE_LABEL: Record<ConversationMessage['role'], string> = {
  system: 'system prompt',
  developer: 'system prompt',
  user: 'customer',
  assistant: 'assistant',
  tool: 'tool result',
};

/**
 * The logged conversation before the answered turn, as every model was sent it: a judge's reason
 * such as "ignores the order number from the earlier turn" can only be checked against it. Empty
 * for a single-turn query (nothing before the query text), and for a request the page cannot read
 * (said so, never a crash of the page).
 */
export function conversationSection(requestJson: unknown): Html {
  if (typeof requestJson !== 'string' || requestJson === '') return html``;
  let messages: ConversationMessage[];
  try {
    messages = fromRequestJson(requestJson).messages;
  } catch {
    return html`<p class="muted" id="conversation">The stored request (queries.request_json) cannot be read as a chat request.</p>`;
  }
  const lastUser = messages.findLastIndex((message) => message.role === 'user');
  const before = lastUser < 0 ? messages : messages.slice(0, lastUser);
  if (!before.some((message) => message.role !== 'system' && message.role !== 'developer')) return html``;
  const items = before.map((message) => {
    const calls = (message.toolCalls ?? []).map((call) => html`<div class="tool-call">called <code>${call.name}</code>(<code>${call.arguments}</code>)</div>`);
    const long = (message.role === 'system' || message.role === 'developer') && message.content.length > 400;
    const body = message.content === '' ? html`` : long ? html`<details><summary>${message.content.slice(0, 160)}…</summary><div class="text">${message.content}</div></details>` : html`<div class="text">${message.content}</div>`;
    return html`<li class="turn" data-role="${message.role}"><b>${ROLE_LABEL[message.role]}${message.toolCallId === undefined ? '' : ` (${message.toolCallId})`}</b>${body}${calls}</li>`;
  });
  return html`<details open id="conversation"><summary>Conversation before this turn (${before.length} message${before.length === 1 ? '' : 's'}, as logged and sent to every model)</summary><ol class="conversation">${items}</ol></details>`;
}
