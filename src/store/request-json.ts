import { REQUEST_PARAMETER_NAMES, type ConversationMessage, type LoggedRequest, type RequestParameters, type ToolDefinition } from '../core/conversation.ts';
import { toWireMessages } from '../core/wire-messages.ts';

/**
 * A logged request as stored in queries.request_json: a chat-completions request body, the shape
 * analysts already read (model is the logged one; each endpoint got its own, and the parameters it
 * could not take are in responses.dropped_params).
 */
export function requestJson(request: LoggedRequest): string {
  const body: Record<string, unknown> = {};
  if (request.model !== undefined) body.model = request.model;
  body.messages = toWireMessages(request.messages);
  if (request.tools !== undefined && request.tools.length > 0) body.tools = request.tools;
  for (const name of REQUEST_PARAMETER_NAMES) {
    if (request.parameters[name] !== undefined) body[name] = request.parameters[name];
  }
  return JSON.stringify(body);
}

interface StoredMessage {
  role: ConversationMessage['role'];
  content: string | null;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
  name?: string;
}

/** queries.request_json back into the request it was written from. */
export function fromRequestJson(text: string): LoggedRequest {
  const body = JSON.parse(text) as Record<string, unknown> & { messages: StoredMessage[]; tools?: ToolDefinition[]; model?: string };
  const messages = body.messages.map((stored): ConversationMessage => {
    const message: ConversationMessage = { role: stored.role, content: stored.content ?? '' };
    if (stored.tool_calls !== undefined) message.toolCalls = stored.tool_calls.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }));
    if (stored.tool_call_id !== undefined) message.toolCallId = stored.tool_call_id;
    if (stored.name !== undefined) message.name = stored.name;
    return message;
  });
  const parameters: RequestParameters = {};
  for (const name of REQUEST_PARAMETER_NAMES) {
    if (body[name] !== undefined) (parameters as Record<string, unknown>)[name] = body[name];
  }
  const request: LoggedRequest = { messages, parameters };
  if (body.tools !== undefined) request.tools = body.tools;
  if (body.model !== undefined) request.model = body.model;
  return request;
}
