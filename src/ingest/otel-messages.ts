import { MESSAGE_ROLES, type ConversationMessage, type LoggedResponse, type MessageRole, type ToolCall, type ToolDefinition } from '../core/conversation.ts';
import { argumentsText, contentText, parseWireMessage } from './chat-messages.ts';
import { parseTools } from './chat-request.ts';
import { describeValue, FieldProblem } from './field-problem.ts';
import { jsonAttribute, type Attributes } from './otel-attributes.ts';

/**
 * GenAI span attributes -> messages, in both forms instrumentations write:
 * - current semantic conventions: `gen_ai.system_instructions`, `gen_ai.input.messages`,
 *   `gen_ai.output.messages`, JSON arrays of `{role, parts: [{type: text|tool_call|tool_call_response, ...}]}`;
 * - the older flattening (OpenLLMetry): `gen_ai.prompt.N.role`, `gen_ai.prompt.N.content`,
 *   `gen_ai.prompt.N.tool_calls.M.{id,name,arguments}`, `gen_ai.prompt.N.tool_call_id`,
 *   `gen_ai.completion.N.*`, tools in `llm.request.functions.N.{name,description,parameters}`.
 */

// Parts that carry no text to resend and no meaning for the answer (a model's own reasoning trace).
const DROPPED_PARTS = new Set(['reasoning', 'thinking']);

function role(value: unknown, field: string): MessageRole {
  if (typeof value === 'string' && (MESSAGE_ROLES as readonly string[]).includes(value)) return value as MessageRole;
  throw new FieldProblem(`${field}: ${typeof value === 'string' ? `unknown role '${value}'` : `expected a string, got ${describeValue(value)}`} (${MESSAGE_ROLES.join(', ')})`);
}

function responseText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/** One `{role, parts}` message; a tool message with several results becomes several messages. */
function partsMessage(raw: unknown, field: string): ConversationMessage[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new FieldProblem(`${field}: expected an object, got ${describeValue(raw)}`);
  const message = raw as Record<string, unknown>;
  const who = role(message['role'], `${field}.role`);
  const parts = message['parts'];
  if (!Array.isArray(parts)) {
    // Some exporters (Langfuse, older SDKs) write chat-completions messages instead of parts.
    return parseWireMessagesLoose(raw, field);
  }
  const texts: string[] = [];
  const calls: ToolCall[] = [];
  const results: ConversationMessage[] = [];
  parts.forEach((rawPart, index) => {
    const where = `${field}.parts[${index}]`;
    if (typeof rawPart !== 'object' || rawPart === null) throw new FieldProblem(`${where}: expected an object, got ${describeValue(rawPart)}`);
    const part = rawPart as Record<string, unknown>;
    const type = part['type'];
    if (type === 'text') {
      if (typeof part['content'] !== 'string') throw new FieldProblem(`${where}.content: expected a string, got ${describeValue(part['content'])}`);
      texts.push(part['content']);
    } else if (type === 'tool_call') {
      if (typeof part['name'] !== 'string' || part['name'] === '') throw new FieldProblem(`${where}.name: expected a non-empty string, got ${describeValue(part['name'])}`);
      const id = typeof part['id'] === 'string' && part['id'] !== '' ? part['id'] : `call_${index}`;
      calls.push({ id, name: part['name'], arguments: argumentsText(part['arguments'], `${where}.arguments`) });
    } else if (type === 'tool_call_response') {
      if (typeof part['id'] !== 'string' || part['id'] === '') throw new FieldProblem(`${where}.id: a tool result needs the id of the call it answers, got ${describeValue(part['id'])}`);
      results.push({ role: 'tool', content: responseText(part['response']), toolCallId: part['id'] });
    } else if (typeof type === 'string' && DROPPED_PARTS.has(type)) {
      // not resent
    } else {
      throw new FieldProblem(`${where}: a ${typeof type === 'string' ? `'${type}'` : 'untyped'} part cannot be replayed (only text parts can)`);
    }
  });
  if (results.length > 0) return results;
  const out: ConversationMessage = { role: who, content: texts.join('\n') };
  if (calls.length > 0) out.toolCalls = calls;
  if (who === 'tool') throw new FieldProblem(`${field}: a tool message without a tool_call_response part`);
  return [out];
}

function parseWireMessagesLoose(raw: unknown, field: string): ConversationMessage[] {
  return [parseWireMessage(raw, field)];
}

function structuredMessages(value: unknown, key: string): ConversationMessage[] {
  if (!Array.isArray(value)) throw new FieldProblem(`${key}: expected a JSON array of messages, got ${describeValue(value)}`);
  return value.flatMap((message, index) => partsMessage(message, `${key}[${index}]`));
}

function systemInstructions(attributes: Attributes): ConversationMessage[] {
  const value = jsonAttribute(attributes, 'gen_ai.system_instructions');
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [{ role: 'system', content: value }];
  if (!Array.isArray(value)) throw new FieldProblem(`gen_ai.system_instructions: expected a JSON array of parts, got ${describeValue(value)}`);
  const [message] = partsMessage({ role: 'system', parts: value }, 'gen_ai.system_instructions');
  return message === undefined ? [] : [message];
}

/** Flattened `PREFIX.N.*` messages, in index order, until an index is missing. */
function flattenedMessages(attributes: Attributes, prefix: string): ConversationMessage[] {
  const messages: ConversationMessage[] = [];
  for (let index = 0; attributes.has(`${prefix}.${index}.role`) || attributes.has(`${prefix}.${index}.content`); index++) {
    const at = `${prefix}.${index}`;
    const who = role(attributes.get(`${at}.role`) ?? 'assistant', `${at}.role`);
    let content = attributes.get(`${at}.content`);
    // OpenLLMetry writes a list of content parts as its JSON text.
    if (typeof content === 'string' && content.startsWith('[')) {
      try {
        const parsed = JSON.parse(content) as unknown;
        if (Array.isArray(parsed)) content = parsed;
      } catch {
        // plain text that happens to start with '['
      }
    }
    const message: ConversationMessage = { role: who, content: contentText(content, `${at}.content`) };
    const calls: ToolCall[] = [];
    for (let call = 0; attributes.has(`${at}.tool_calls.${call}.name`); call++) {
      const name = attributes.get(`${at}.tool_calls.${call}.name`);
      if (typeof name !== 'string' || name === '') throw new FieldProblem(`${at}.tool_calls.${call}.name: expected a non-empty string, got ${describeValue(name)}`);
      const id = attributes.get(`${at}.tool_calls.${call}.id`);
      calls.push({ id: typeof id === 'string' && id !== '' ? id : `call_${call}`, name, arguments: argumentsText(attributes.get(`${at}.tool_calls.${call}.arguments`), `${at}.tool_calls.${call}.arguments`) });
    }
    if (calls.length > 0) message.toolCalls = calls;
    const toolCallId = attributes.get(`${at}.tool_call_id`);
    if (who === 'tool') {
      if (typeof toolCallId !== 'string' || toolCallId === '') throw new FieldProblem(`${at}.tool_call_id: a tool message needs the id of the call it answers, got ${describeValue(toolCallId)}`);
      message.toolCallId = toolCallId;
    }
    messages.push(message);
  }
  return messages;
}

export function inputMessages(attributes: Attributes): ConversationMessage[] | undefined {
  if (attributes.has('gen_ai.input.messages')) {
    return [...systemInstructions(attributes), ...structuredMessages(jsonAttribute(attributes, 'gen_ai.input.messages'), 'gen_ai.input.messages')];
  }
  const flattened = flattenedMessages(attributes, 'gen_ai.prompt');
  if (flattened.length > 0) return [...systemInstructions(attributes), ...flattened];
  return undefined;
}

/** The first assistant output message, as a logged response (usage added by the caller). */
export function outputMessage(attributes: Attributes): LoggedResponse | undefined {
  let messages: ConversationMessage[];
  if (attributes.has('gen_ai.output.messages')) messages = structuredMessages(jsonAttribute(attributes, 'gen_ai.output.messages'), 'gen_ai.output.messages');
  else messages = flattenedMessages(attributes, 'gen_ai.completion');
  const first = messages[0];
  if (first === undefined) return undefined;
  const response: LoggedResponse = { content: first.content };
  if (first.toolCalls !== undefined) response.toolCalls = first.toolCalls;
  return response;
}

/** `gen_ai.tool.definitions` (semconv, `{type, name, description, parameters}`) or `llm.request.functions.N.*` (OpenLLMetry). */
export function toolDefinitions(attributes: Attributes): ToolDefinition[] | undefined {
  if (attributes.has('gen_ai.tool.definitions')) {
    const value = jsonAttribute(attributes, 'gen_ai.tool.definitions');
    if (!Array.isArray(value)) throw new FieldProblem(`gen_ai.tool.definitions: expected a JSON array, got ${describeValue(value)}`);
    // The semconv form is flat ({type, name, description, parameters}); the chat-completions form nests under `function`.
    const wire = value.map((tool: unknown) => {
      if (typeof tool !== 'object' || tool === null || 'function' in tool) return tool;
      const { name, description, parameters } = tool as Record<string, unknown>;
      return { type: 'function', function: { name, ...(description === undefined ? {} : { description }), ...(parameters === undefined ? {} : { parameters }) } };
    });
    return parseTools(wire, 'gen_ai.tool.definitions');
  }
  const tools: unknown[] = [];
  for (let index = 0; attributes.has(`llm.request.functions.${index}.name`); index++) {
    const at = `llm.request.functions.${index}`;
    let parameters = attributes.get(`${at}.parameters`);
    if (typeof parameters === 'string') {
      try {
        parameters = JSON.parse(parameters) as unknown;
      } catch (error) {
        throw new FieldProblem(`${at}.parameters: invalid JSON: ${(error as Error).message}`);
      }
    }
    const description = attributes.get(`${at}.description`);
    tools.push({ type: 'function', function: { name: attributes.get(`${at}.name`), ...(typeof description === 'string' ? { description } : {}), ...(parameters === undefined ? {} : { parameters }) } });
  }
  return tools.length === 0 ? undefined : parseTools(tools, 'llm.request.functions');
}
