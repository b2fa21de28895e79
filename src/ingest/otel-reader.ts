import type { LoggedRequest, RequestParameters } from '../core/conversation.ts';
import type { IngestItem, Reject } from '../core/query.ts';
import { checkConversation } from './chat-messages.ts';
import { setParameter } from './chat-request.ts';
import type { ResolvedMapping } from './field-mapping.ts';
import { readPath } from './field-path.ts';
import { FieldProblem } from './field-problem.ts';
import { decodeAttributes, nanosToMillis, type Attributes } from './otel-attributes.ts';
import { inputMessages, outputMessage, toolDefinitions } from './otel-messages.ts';
import type { PrepareHandler, RecordHandler, SourceRecord } from './record-handler.ts';
import { createRecordConverter, rejectItem, type ChatPart } from './record-to-item.ts';

/**
 * OpenTelemetry GenAI spans exported as OTLP JSON: one export object per line (the collector's
 * file exporter) or one export per file (streamed span by span). A span is a chat call when
 * `gen_ai.operation.name` is `chat` (or `llm.request.type` is `chat`), or, without an operation
 * name, when it carries input messages; other spans (embeddings, tool executions, agent and HTTP
 * spans) are skipped and counted, not rejected. The query id is the span id; rejects name it.
 * Mapped fields (`--field label=app.tier`) are span attribute keys, else paths into the span.
 */

const PARAMETERS: [string, keyof RequestParameters][] = [
  ['gen_ai.request.temperature', 'temperature'],
  ['gen_ai.request.top_p', 'top_p'],
  ['gen_ai.request.max_tokens', 'max_tokens'],
  ['gen_ai.request.stop_sequences', 'stop'],
  ['gen_ai.request.seed', 'seed'],
  ['gen_ai.request.presence_penalty', 'presence_penalty'],
  ['gen_ai.request.frequency_penalty', 'frequency_penalty'],
];


export function isChatSpan(attributes: Attributes): boolean {
  const operation = attributes.get('gen_ai.operation.name') ?? attributes.get('llm.request.type');
  if (operation !== undefined) return operation === 'chat';
  return attributes.has('gen_ai.input.messages') || attributes.has('gen_ai.prompt.0.role') || attributes.has('gen_ai.prompt.0.content');
}

function firstNumber(attributes: Attributes, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = attributes.get(key);
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  }
  return undefined;
}

export function spanChatPart(span: Record<string, unknown>, attributes: Attributes, spanId: string | undefined): ChatPart {
  const messages = inputMessages(attributes);
  if (messages === undefined) throw new FieldProblem('gen_ai.input.messages: missing (the span was exported without message content; enable content capture in the instrumentation)');
  checkConversation(messages, 'gen_ai.input.messages');
  const parameters: RequestParameters = {};
  for (const [key, name] of PARAMETERS) setParameter(parameters, name, attributes.get(key), key);
  const request: LoggedRequest = { messages, parameters };
  const tools = toolDefinitions(attributes);
  if (tools !== undefined) request.tools = tools;
  const model = attributes.get('gen_ai.request.model');
  if (typeof model === 'string' && model !== '') request.model = model;
  const part: ChatPart = { request };
  const response = outputMessage(attributes);
  if (response !== undefined) {
    const input = firstNumber(attributes, 'gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens');
    const output = firstNumber(attributes, 'gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens');
    if (input !== undefined) response.promptTokens = input;
    if (output !== undefined) response.completionTokens = output;
    const start = nanosToMillis(span['startTimeUnixNano']);
    const end = nanosToMillis(span['endTimeUnixNano']);
    if (start !== undefined && end !== undefined && end >= start) response.latencyMs = end - start;
    const responseModel = attributes.get('gen_ai.response.model');
    if (typeof responseModel === 'string') response.model = responseModel;
    part.response = response;
  }
  if (spanId !== undefined) part.logId = spanId;
  const conversation = attributes.get('gen_ai.conversation.id') ?? attributes.get('session.id');
  if (typeof conversation === 'string' && conversation !== '') part.conversationId = conversation;
  const start = nanosToMillis(span['startTimeUnixNano']);
  if (start !== undefined) part.timestamp = start;
  return part;
}

function* spansOf(object: Record<string, unknown>): Generator<unknown> {
  if (!Array.isArray(object['resourceSpans'])) {
    yield object;
    return;
  }
  for (const resource of object['resourceSpans'] as unknown[]) {
    const scopes = (resource as Record<string, unknown> | null)?.['scopeSpans'] ?? (resource as Record<string, unknown> | null)?.['instrumentationLibrarySpans'];
    if (!Array.isArray(scopes)) continue;
    for (const scope of scopes) {
      const spans = (scope as Record<string, unknown> | null)?.['spans'];
      if (Array.isArray(spans)) yield* spans;
    }
  }
}

export interface OtelCounts {
  /** Spans that are not chat calls (skipped, not rejected). */
  skipped: number;
}

/**
 * A reject's reason names its span (`span <id>: ...`): the stored reject has a file and a line, and a
 * line can hold many spans. The rejects table is keyed by (file, line), so the rejects of one line
 * (a JSONL export line, a compact single-line export file) are stored as one, each span's id and
 * reason kept in its reason: none is lost and none collides.
 */
function createLineRejects(): { add(reject: Reject): IngestItem[]; flush(): IngestItem[] } {
  let pending: { reject: Reject; count: number } | undefined;
  const flush = (): IngestItem[] => {
    if (pending === undefined) return [];
    const item: IngestItem = { kind: 'reject', reject: pending.reject };
    pending = undefined;
    return [item];
  };
  const label = (reject: Reject): string => (reject.spanId === undefined ? reject.reason : `span ${reject.spanId}: ${reject.reason}`);
  return {
    add(reject) {
      if (pending !== undefined && pending.reject.file === reject.file && pending.reject.line === reject.line) {
        pending.reject = { ...pending.reject, reason: `${pending.reject.reason}; ${label(reject)}` };
        pending.count++;
        return [];
      }
      const out = flush();
      pending = { reject: { ...reject, reason: label(reject) }, count: 1 };
      return out;
    },
    flush,
  };
}

export function otelHandler(file: string, mapping: ResolvedMapping, counts: OtelCounts): PrepareHandler {
  return () => (): RecordHandler => {
    const convert = createRecordConverter(file, mapping);
    const lineRejects = createLineRejects();
    const spanItems = function* (record: SourceRecord): Generator<IngestItem> {
      let position = 0;
      for (const raw of spansOf(record.object ?? {})) {
        position++;
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
          yield rejectItem(file, record.line, 'span: not a JSON object', record.raw);
          continue;
        }
        const span = raw as Record<string, unknown>;
        const spanId = typeof span['spanId'] === 'string' && span['spanId'] !== '' ? span['spanId'] : undefined;
        const spanText = JSON.stringify(span);
        let attributes: Attributes;
        try {
          attributes = decodeAttributes(span['attributes']);
        } catch (error) {
          if (!(error instanceof FieldProblem)) throw error;
          yield rejectItem(file, record.line, error.message, spanText, spanId);
          continue;
        }
        if (!isChatSpan(attributes)) {
          counts.skipped++;
          continue;
        }
        const read = (column: string): unknown => (attributes.has(column) ? attributes.get(column) : readPath(span, column));
        // Without a span id, the span's place on its line keeps the id stable across runs.
        const chat = (): ChatPart => ({ logId: `L${record.line}.${position}`, ...spanChatPart(span, attributes, spanId) });
        yield convert(read, record.line, spanText, { ...(spanId === undefined ? {} : { spanId }), chat });
      }
    };
    return {
      *take(record: SourceRecord): Generator<IngestItem> {
        for (const item of spanItems(record)) {
          if (item.kind === 'reject') yield* lineRejects.add(item.reject);
          else yield item;
        }
      },
      finish: () => lineRejects.flush(),
    };
  };
}
