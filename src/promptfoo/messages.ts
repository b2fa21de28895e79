import type { ConversationMessage, LoggedRequest } from '../core/conversation.ts';
import { toWireMessages } from '../core/wire-messages.ts';
import type { CallOptions, ChatMessage } from '../endpoints/types.ts';
import { parseWireMessages } from '../ingest/chat-messages.ts';
import { parseChatRequest } from '../ingest/chat-request.ts';
import { FieldProblem } from '../ingest/field-problem.ts';

/** What the provider sends for one rendered prompt: the messages, and a logged request's tools and parameters. */
export interface PromptRequest {
  messages: ChatMessage[];
  options: Pick<CallOptions, 'tools' | 'parameters'>;
  /** The conversation as parsed (system prompt, earlier turns, tool calls and results), for the judge. */
  conversation: ConversationMessage[] | undefined;
}

/**
 * promptfoo hands a provider the rendered prompt. Three shapes:
 * - plain text: the customer's message;
 * - a JSON array of chat messages (a suite's prompt written in chat form), in the API's shape:
 *   tool calls, tool results and `content: null` included;
 * - a JSON chat-completions request body (`{"messages": [...], "tools": [...], "temperature": ...}`,
 *   what a logged production call holds, e.g. a prompt of `{{ request | dump }}`): sent with its
 *   messages, tools and parameters as logged, only the model swapped, like a replay.
 * The config's system prompt goes first unless the prompt brings its own. A request body that does
 * not parse is an error naming the field (it is clearly meant as one); an array that does not is
 * sent as text, as before.
 */
export function promptRequest(prompt: string, systemPrompt: string): PromptRequest {
  const parsed = parseJson(prompt);
  if (isObject(parsed) && 'messages' in parsed) {
    let request: LoggedRequest;
    try {
      request = parseChatRequest(parsed);
    } catch (error) {
      if (error instanceof FieldProblem) throw new Error(`the prompt is a chat-completions request, but ${error.message}`);
      throw error;
    }
    return {
      messages: withSystemPrompt(toWireMessages(request.messages), systemPrompt),
      options: { parameters: request.parameters, ...(request.tools === undefined ? {} : { tools: request.tools }) },
      conversation: request.messages,
    };
  }
  if (Array.isArray(parsed) && parsed.length > 0) {
    try {
      const conversation = parseWireMessages(parsed);
      return { messages: withSystemPrompt(toWireMessages(conversation), systemPrompt), options: {}, conversation };
    } catch (error) {
      if (!(error instanceof FieldProblem)) throw error;
    }
  }
  return { messages: withSystemPrompt([{ role: 'user', content: prompt }], systemPrompt), options: {}, conversation: undefined };
}

/** The messages alone (the single-turn suites' view). */
export function promptMessages(prompt: string, systemPrompt: string): ChatMessage[] {
  return promptRequest(prompt, systemPrompt).messages;
}

function withSystemPrompt(messages: ChatMessage[], systemPrompt: string): ChatMessage[] {
  if (systemPrompt === '' || messages.some((message) => message.role === 'system' || message.role === 'developer')) return messages;
  return [{ role: 'system', content: systemPrompt }, ...messages];
}

function parseJson(prompt: string): unknown {
  const start = prompt.trimStart()[0];
  if (start !== '[' && start !== '{') return undefined;
  try {
    return JSON.parse(prompt);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The last user message: the customer query the router, the sim and the judge see. */
export function userText(messages: readonly ChatMessage[]): string {
  return messages.findLast((message) => message.role === 'user')?.content ?? '';
}
