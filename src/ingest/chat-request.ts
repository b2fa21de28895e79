import { z } from 'zod';
import type { LoggedRequest, LoggedResponse, RequestParameters, ToolDefinition } from '../core/conversation.ts';
import { argumentsText, contentText, parseWireMessages } from './chat-messages.ts';
import { describeValue, FieldProblem } from './field-problem.ts';

/**
 * A logged chat-completions request body and response, checked with zod at the boundary. Only the
 * parameters in RequestParameters are kept (replaying `stream`, `n` or `user` would change what is
 * measured, not what is answered); their types are checked so a bad value is a reject here rather
 * than a 400 from every endpoint later.
 */

const parameterSchemas = {
  temperature: z.number(),
  top_p: z.number(),
  max_tokens: z.int().nonnegative(),
  max_completion_tokens: z.int().nonnegative(),
  stop: z.union([z.string(), z.array(z.string())]),
  seed: z.int(),
  presence_penalty: z.number(),
  frequency_penalty: z.number(),
  response_format: z.record(z.string(), z.unknown()),
  tool_choice: z.union([z.string(), z.record(z.string(), z.unknown())]),
  parallel_tool_calls: z.boolean(),
} satisfies Record<keyof RequestParameters, z.ZodType>;

const toolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullable().optional(),
  }),
});

function issue(error: z.ZodError, field: string): FieldProblem {
  const first = error.issues[0];
  const path = (first?.path ?? []).map((segment) => (typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`)).join('');
  return new FieldProblem(`${field}${path}: ${first?.message ?? 'invalid'}`);
}

export function parseTools(value: unknown, field = 'tools'): ToolDefinition[] | undefined {
  if (value === undefined || value === null) return undefined;
  const parsed = z.array(toolSchema).safeParse(value);
  if (!parsed.success) throw issue(parsed.error, field);
  if (parsed.data.length === 0) return undefined;
  return parsed.data.map(({ function: fn }) => {
    const definition: ToolDefinition = { type: 'function', function: { name: fn.name } };
    if (fn.description !== undefined) definition.function.description = fn.description;
    if (fn.parameters !== undefined) definition.function.parameters = fn.parameters;
    if (fn.strict !== undefined && fn.strict !== null) definition.function.strict = fn.strict;
    return definition;
  });
}

/** Checks one parameter and stores it; null means "not set" in most loggers. */
export function setParameter(parameters: RequestParameters, name: keyof RequestParameters, value: unknown, field: string): void {
  if (value === undefined || value === null) return;
  const parsed = parameterSchemas[name].safeParse(value);
  if (!parsed.success) throw new FieldProblem(`${field}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  (parameters as Record<string, unknown>)[name] = parsed.data;
}

/** A chat-completions request body -> LoggedRequest. `prefix` is where the body sits in the record, for rejects. */
export function parseChatRequest(body: Record<string, unknown>, prefix = ''): LoggedRequest {
  const messages = parseWireMessages(body['messages'], `${prefix}messages`);
  const parameters: RequestParameters = {};
  for (const name of Object.keys(parameterSchemas) as (keyof RequestParameters)[]) setParameter(parameters, name, body[name], `${prefix}${name}`);
  const request: LoggedRequest = { messages, parameters };
  const tools = parseTools(body['tools'], `${prefix}tools`);
  if (tools !== undefined) request.tools = tools;
  const model = body['model'];
  if (typeof model === 'string' && model !== '') request.model = model;
  return request;
}

function optionalCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

/**
 * An OpenAI `chat.completion` object -> LoggedResponse (the first choice). Returns undefined for a
 * logged failure (`error` set, or no choices): the log then holds no answer to compare with.
 */
export function parseChatResponse(value: unknown, field = 'response'): LoggedResponse | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new FieldProblem(`${field}: expected a chat.completion object, got ${describeValue(value)}`);
  const response = value as Record<string, unknown>;
  if (response['error'] !== undefined && response['error'] !== null && response['choices'] === undefined) return undefined;
  const choices = response['choices'];
  if (!Array.isArray(choices)) throw new FieldProblem(`${field}.choices: expected an array, got ${describeValue(choices)}`);
  if (choices.length === 0) return undefined;
  const choice = choices[0];
  if (typeof choice !== 'object' || choice === null) throw new FieldProblem(`${field}.choices[0]: expected an object, got ${describeValue(choice)}`);
  const message = (choice as Record<string, unknown>)['message'];
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new FieldProblem(`${field}.choices[0].message: expected an object, got ${describeValue(message)}`);
  }
  const wire = message as Record<string, unknown>;
  const logged: LoggedResponse = { content: contentText(wire['content'], `${field}.choices[0].message.content`) };
  const calls = wire['tool_calls'];
  if (Array.isArray(calls) && calls.length > 0) {
    logged.toolCalls = calls.map((raw, index) => {
      const where = `${field}.choices[0].message.tool_calls[${index}]`;
      const call = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      const fn = (typeof call['function'] === 'object' && call['function'] !== null ? call['function'] : {}) as Record<string, unknown>;
      if (typeof fn['name'] !== 'string' || fn['name'] === '') throw new FieldProblem(`${where}.function.name: expected a non-empty string, got ${describeValue(fn['name'])}`);
      return { id: typeof call['id'] === 'string' ? call['id'] : `call_${index}`, name: fn['name'], arguments: argumentsText(fn['arguments'], `${where}.function.arguments`) };
    });
  }
  const usage = response['usage'];
  if (typeof usage === 'object' && usage !== null) {
    const prompt = optionalCount((usage as Record<string, unknown>)['prompt_tokens']);
    const completion = optionalCount((usage as Record<string, unknown>)['completion_tokens']);
    if (prompt !== undefined) logged.promptTokens = prompt;
    if (completion !== undefined) logged.completionTokens = completion;
  }
  if (typeof response['model'] === 'string') logged.model = response['model'];
  return logged;
}
