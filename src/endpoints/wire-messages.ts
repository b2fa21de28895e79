import type { ConversationMessage } from '../core/conversation.ts';
import type { ChatMessage } from './types.ts';

/**
 * A logged conversation as the chat-completions API takes it: roles as logged (developer stays
 * developer), tool calls with their ids, tool results with the id of the call they answer. An
 * assistant message that only called tools is sent with `content: null`, as the API itself writes it.
 */
export function toWireMessages(messages: readonly ConversationMessage[]): ChatMessage[] {
  return messages.map((source) => {
    const calls = source.toolCalls;
    const wire: ChatMessage = {
      role: source.role,
      content: source.role === 'assistant' && calls !== undefined && calls.length > 0 && source.content === '' ? null : source.content,
    };
    if (calls !== undefined && calls.length > 0) {
      wire.tool_calls = calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
    }
    if (source.toolCallId !== undefined) wire.tool_call_id = source.toolCallId;
    if (source.name !== undefined) wire.name = source.name;
    return wire;
  });
}
