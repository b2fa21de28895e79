import { MESSAGE_ROLES, type ConversationMessage, type MessageRole, type ToolCall } from '../core/conversation.ts';
import { describeValue, FieldProblem } from './field-problem.ts';

/**
 * OpenAI chat-completions messages as logged -> ConversationMessage. Content may be a string or an
 * array of parts: text parts are joined with "\n"; any other part (image_url, input_audio, file)
 * cannot be replayed as text, so the record is rejected with the part named, never half-sent.
 */

const TEXT_PART_TYPES = new Set(['text', 'input_text', 'output_text']);

function isRole(value: unknown): value is MessageRole {
  return typeof value === 'string' && (MESSAGE_ROLES as readonly string[]).includes(value);
}

function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FieldProblem(`${field}: expected an object, got ${describeValue(value)}`);
  return value as Record<string, unknown>;
}

/** The text of a `content` value: a string, null (''), or an array of text parts. */
export function contentText(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) throw new FieldProblem(`${field}: expected a string or an array of parts, got ${describeValue(value)}`);
  const texts: string[] = [];
  value.forEach((part, index) => {
    const where = `${field}[${index}]`;
    if (typeof part === 'string') {
      texts.push(part);
      return;
    }
    const object = asObject(part, where);
    const type = object['type'];
    if (typeof type === 'string' && TEXT_PART_TYPES.has(type)) {
      const text = object['text'];
      if (typeof text !== 'string') throw new FieldProblem(`${where}.text: expected a string, got ${describeValue(text)}`);
      texts.push(text);
    } else if (type === 'refusal' && typeof object['refusal'] === 'string') {
      texts.push(object['refusal']);
    } else {
      throw new FieldProblem(`${where}: a ${typeof type === 'string' ? `'${type}'` : 'untyped'} part cannot be replayed (only text parts can)`);
    }
  });
  return texts.join('\n');
}

function toolCalls(value: unknown, field: string): ToolCall[] {
  if (!Array.isArray(value)) throw new FieldProblem(`${field}: expected an array, got ${describeValue(value)}`);
  return value.map((raw, index) => {
    const where = `${field}[${index}]`;
    const call = asObject(raw, where);
    const fn = asObject(call['function'], `${where}.function`);
    const id = call['id'];
    const name = fn['name'];
    if (typeof id !== 'string' || id === '') throw new FieldProblem(`${where}.id: expected a non-empty string, got ${describeValue(id)}`);
    if (typeof name !== 'string' || name === '') throw new FieldProblem(`${where}.function.name: expected a non-empty string, got ${describeValue(name)}`);
    return { id, name, arguments: argumentsText(fn['arguments'], `${where}.function.arguments`) };
  });
}

/** Arguments are JSON text in the API; some loggers store them parsed. */
export function argumentsText(value: unknown, field: string): string {
  if (value === undefined || value === null) return '{}';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  throw new FieldProblem(`${field}: expected JSON text or an object, got ${describeValue(value)}`);
}

/** One chat-completions message, on its own (the conversation's checks are checkConversation's). */
export function parseWireMessage(raw: unknown, where: string): ConversationMessage {
  const object = asObject(raw, where);
  const role = object['role'];
  if (!isRole(role)) {
    throw new FieldProblem(`${where}.role: ${typeof role === 'string' ? `unknown role '${role}'` : `expected a string, got ${describeValue(role)}`} (${MESSAGE_ROLES.join(', ')})`);
  }
  const message: ConversationMessage = { role, content: contentText(object['content'], `${where}.content`) };
  if (role === 'assistant' && object['tool_calls'] !== undefined && object['tool_calls'] !== null) {
    const calls = toolCalls(object['tool_calls'], `${where}.tool_calls`);
    if (calls.length > 0) message.toolCalls = calls;
  }
  if (role === 'tool') {
    const id = object['tool_call_id'];
    if (typeof id !== 'string' || id === '') throw new FieldProblem(`${where}.tool_call_id: a tool message needs the id of the call it answers, got ${describeValue(id)}`);
    message.toolCallId = id;
  }
  if (typeof object['name'] === 'string' && object['name'] !== '') message.name = object['name'];
  return message;
}

/** Parses the `messages` array of a chat-completions request. `field` names it in rejects. */
export function parseWireMessages(value: unknown, field = 'messages'): ConversationMessage[] {
  if (!Array.isArray(value)) throw new FieldProblem(`${field}: expected an array, got ${describeValue(value)}`);
  const messages = value.map((raw, index) => parseWireMessage(raw, `${field}[${index}]`));
  checkConversation(messages, field);
  return messages;
}

/**
 * What every replayable conversation must hold, whatever format it came from: a user turn, and
 * every tool result answering a call an earlier assistant message made.
 */
export function checkConversation(messages: readonly ConversationMessage[], field = 'messages'): void {
  if (messages.length === 0) throw new FieldProblem(`${field}: empty, nothing to replay`);
  const calls = new Set<string>();
  messages.forEach((message, index) => {
    for (const call of message.toolCalls ?? []) calls.add(call.id);
    if (message.role === 'tool' && !calls.has(message.toolCallId ?? '')) {
      throw new FieldProblem(`${field}[${index}].tool_call_id: no earlier assistant tool call has id '${message.toolCallId ?? ''}'`);
    }
    if (message.content.includes('\u0000')) throw new FieldProblem(`${field}[${index}].content: contains a NUL byte`);
  });
  if (lastUserIndex(messages) === -1) throw new FieldProblem(`${field}: no user message, so no turn to replay`);
}

export function lastUserIndex(messages: readonly ConversationMessage[]): number {
  for (let index = messages.length - 1; index >= 0; index--) if (messages[index]!.role === 'user') return index;
  return -1;
}
