import type { ConversationMessage } from './conversation.ts';

/** A chat message in the chat-completions API's own shape (what endpoints are sent, what the store keeps). */
export interface WireMessage {
  role: ConversationMessage['role'];
  /** null only for an assistant message that just calls tools. */
  content: string | null;
  tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
  name?: string;
}

/**
 * A logged conversation as the chat-completions API takes it: roles as logged (developer stays
 * developer), tool calls with their ids, tool results with the id of the call they answer. An
 * assistant message that only called tools gets `content: null`, as the API itself writes it.
 */
export function toWireMessages(messages: readonly ConversationMessage[]): WireMessage[] {
  return messages.map((source) => {
    const calls = source.toolCalls;
    const wire: WireMessage = {
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
