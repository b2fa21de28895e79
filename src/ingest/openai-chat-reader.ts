import type { ResolvedMapping } from './field-mapping.ts';
import { parseChatRequest, parseChatResponse } from './chat-request.ts';
import { describeValue, FieldProblem } from './field-problem.ts';
import type { PrepareHandler } from './record-handler.ts';
import { createRecordConverter, type ChatPart } from './record-to-item.ts';

/**
 * OpenAI chat-completions logs, one call a record: a bare request body (`model`, `messages`,
 * parameters, `tools`) optionally with a `response` key, or a `{request, response}` wrapper. The
 * response is a `chat.completion` object; `latency_ms` (top level) is its latency where logged.
 * Query id: the mapped id (`metadata.query_id` by default), else a top-level `id`, else the
 * response's id, else `L<line>`: all stable across runs, so --resume finds the same ids.
 */

function objectOrUndefined(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new FieldProblem(`${field}: expected an object, got ${describeValue(value)}`);
  return value as Record<string, unknown>;
}

/** Reads one logged call: the request body (and where it sits), the response, the latency. */
export function chatPartOf(record: Record<string, unknown>): ChatPart {
  const wrapped = objectOrUndefined(record['request'], 'request');
  const body = wrapped ?? record;
  const request = parseChatRequest(body, wrapped === undefined ? '' : 'request.');
  const response = parseChatResponse(record['response'], 'response');
  const part: ChatPart = { request };
  if (response !== undefined) {
    const latency = record['latency_ms'];
    if (typeof latency === 'number' && Number.isFinite(latency) && latency >= 0) response.latencyMs = latency;
    part.response = response;
  }
  const rawResponse = record['response'] as Record<string, unknown> | undefined;
  const logId = typeof record['id'] === 'string' && record['id'] !== '' ? record['id'] : typeof rawResponse?.['id'] === 'string' ? rawResponse['id'] : undefined;
  if (logId !== undefined) part.logId = logId;
  // The response's `created` (epoch seconds) dates the call when the log has no timestamp of its own.
  if (typeof rawResponse?.['created'] === 'number') part.timestamp = rawResponse['created'];
  return part;
}

export function openaiChatHandler(file: string, mapping: ResolvedMapping): PrepareHandler {
  return () => () => {
    const convert = createRecordConverter(file, mapping);
    return {
      take: (record) => [convert(record.read, record.line, record.raw, { chat: () => chatPartOf(record.object ?? {}) })],
      finish: () => [],
    };
  };
}
