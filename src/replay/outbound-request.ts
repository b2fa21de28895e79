import type { ConversationMessage, LoggedRequest } from '../core/conversation.ts';
import type { Query } from '../core/query.ts';
import type { CallOptions, ChatMessage } from '../endpoints/types.ts';
import { toWireMessages } from '../core/wire-messages.ts';
import type { Send } from '../privacy/plan.ts';
import { redactMessages } from '../privacy/redact-messages.ts';
import type { Redactor } from '../privacy/redact.ts';

export interface OutboundRequest {
  messages: ChatMessage[];
  /** The logged tools and parameters; empty for a single-turn query. */
  options: Pick<CallOptions, 'tools' | 'parameters'>;
}

/**
 * What one endpoint is sent for a query. A single-turn query is `[system_prompt, user: text]` as
 * always. A logged request is sent as logged (teacher-forced: its history is the logged one, never
 * a candidate's own earlier answers), with the configured system prompt only when the request has
 * no system or developer message of its own. For an external endpoint every message is redacted,
 * tool-call arguments and tool results included, not only the last turn.
 *
 * `stripHistory` is the experiment that shows what the history is worth: only the system messages
 * and the last user message are sent (what the flattening replay used to send); the judge still
 * sees the logged conversation.
 */
export function outboundRequest(query: Query, systemPrompt: string, target: Send, redactor: Redactor, stripHistory = false): OutboundRequest {
  const request = query.request;
  if (request === undefined) {
    const text = target.redact ? redactor.redact(query.text).text : query.text;
    const messages: ChatMessage[] = systemPrompt
      ? [{ role: 'system', content: systemPrompt }, { role: 'user', content: text }]
      : [{ role: 'user', content: text }];
    return { messages, options: {} };
  }
  const logged = stripHistory ? withoutHistory(request.messages) : request.messages;
  const redacted = target.redact ? redactMessages(logged, redactor) : logged;
  // The config's system prompt is the operator's own text, sent unredacted as for a single-turn
  // query: redacting its 7.8 KB per query (a fresh redactor each) was most of the multi-turn
  // replay's extra CPU. A logged system message is redacted with the rest (it can name the customer).
  const sent = systemPrompt && !logged.some(isSystem) ? [{ role: 'system' as const, content: systemPrompt }, ...redacted] : redacted;
  return { messages: toWireMessages(sent), options: loggedOptions(request) };
}

function loggedOptions(request: LoggedRequest): OutboundRequest['options'] {
  return { parameters: request.parameters, ...(request.tools === undefined || request.tools.length === 0 ? {} : { tools: request.tools }) };
}

export function isSystem(message: ConversationMessage): boolean {
  return message.role === 'system' || message.role === 'developer';
}

/** The system messages and the last user message: a logged request as the flattening replay sent it. */
export function withoutHistory(messages: readonly ConversationMessage[]): ConversationMessage[] {
  const lastUser = messages.findLastIndex((message) => message.role === 'user');
  return messages.filter((message, index) => isSystem(message) || index === lastUser);
}

