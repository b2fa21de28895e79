import type { ConversationMessage } from '../core/conversation.ts';
import type { Redactor } from './redact.ts';
import type { PiiFinding } from './types.ts';

/** Every message's text and every tool call's arguments through the query's redactor. */
export function redactMessages(messages: readonly ConversationMessage[], redactor: Redactor, findings?: PiiFinding[]): ConversationMessage[] {
  const redact = (text: string): string => {
    if (text === '') return text;
    const result = redactor.redact(text);
    findings?.push(...result.findings);
    return result.text;
  };
  return messages.map((message) => {
    const redacted: ConversationMessage = { ...message, content: redact(message.content) };
    if (message.toolCalls !== undefined) redacted.toolCalls = message.toolCalls.map((call) => ({ ...call, arguments: redact(call.arguments) }));
    return redacted;
  });
}
