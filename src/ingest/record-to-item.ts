import type { LoggedRequest, LoggedResponse } from '../core/conversation.ts';
import type { IngestItem, Query, SourcePosition } from '../core/query.ts';
import { isTier, TIERS } from '../core/tier.ts';
import { lastUserIndex } from './chat-messages.ts';
import type { LogField, ResolvedMapping } from './field-mapping.ts';
import { PathMiss } from './field-path.ts';
import { describeValue, FieldProblem } from './field-problem.ts';
import { SeenIds } from './seen-ids.ts';
import { normaliseTimestamp } from './timestamp.ts';

export const RAW_LIMIT = 200;

/** Reads one mapped column (or path) of the current record; undefined when absent, a PathMiss when a path broke. */
export type ReadColumn = (column: string) => unknown;

/** What a chat-shaped record holds beyond its mapped fields; built lazily so its FieldProblems become rejects. */
export interface ChatPart {
  request: LoggedRequest;
  response?: LoggedResponse;
  /** Default: the number of messages before the answer (request.messages.length). */
  turnIndex?: number;
  /** The log's own id for the call (a custom_id, a span id, a response id): used when no id is mapped. */
  logId?: string;
  conversationId?: string;
  /** Used when the mapped timestamp is absent (e.g. the response's `created`, the span's start). */
  timestamp?: string | number;
}

export interface RecordExtras {
  /** OTLP spans: named in the query's source and in rejects. */
  spanId?: string;
  chat?: () => ChatPart;
}

export type RecordConverter = (read: ReadColumn, line: number, raw: string, extras?: RecordExtras) => IngestItem;

export function rejectItem(file: string, line: number, reason: string, raw: string | undefined, spanId?: string): IngestItem {
  const position: SourcePosition = spanId === undefined ? { file, line } : { file, line, spanId };
  return { kind: 'reject', reject: raw === undefined ? { ...position, reason } : { ...position, reason, raw: raw.slice(0, RAW_LIMIT) } };
}

/** A JSON record's text as an object, or the reject that says why it is not one (JSONL lines, .json arrays). */
export function parseJsonRecord(file: string, line: number, text: string): { object: Record<string, unknown> } | { reject: IngestItem } {
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch (error) {
    return { reject: rejectItem(file, line, `invalid JSON: ${(error as Error).message}`, text) };
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return { reject: rejectItem(file, line, 'not a JSON object', text) };
  return { object: record as Record<string, unknown> };
}

function checkNul(field: string, text: string): string {
  if (text.includes('\u0000')) throw new FieldProblem(`${field}: contains a NUL byte`);
  return text;
}

/**
 * Makes the record -> Query step shared by every format. It remembers query ids (as hashes,
 * with the first line) to reject duplicates, so one converter serves exactly one file.
 */
export function createRecordConverter(file: string, mapping: ResolvedMapping): RecordConverter {
  const { columns } = mapping;
  const firstLineById = new SeenIds();

  const value = (read: ReadColumn, field: LogField): unknown => {
    const column = columns[field];
    if (column === undefined) return undefined;
    const raw = read(column);
    if (raw instanceof PathMiss) {
      // A key some records lack is "the log does not say"; a value of the wrong kind in the way is a mistake.
      if (field === 'query' || raw.wrongType) throw new FieldProblem(`${field}: ${column}: ${raw.why}`);
      return undefined;
    }
    return raw;
  };

  // Optional text: absent, null and blank all mean "the log does not say".
  const optionalText = (read: ReadColumn, field: LogField, numbersAllowed: boolean): string | undefined => {
    const raw = value(read, field);
    if (raw === undefined || raw === null) return undefined;
    let text: string;
    if (typeof raw === 'string') text = raw;
    else if (numbersAllowed && (typeof raw === 'number' || typeof raw === 'bigint')) text = String(raw);
    else throw new FieldProblem(`${field}: expected a ${numbersAllowed ? 'string or number' : 'string'}, got ${describeValue(raw)}`);
    checkNul(field, text);
    return text.trim() === '' ? undefined : text;
  };

  const queryText = (read: ReadColumn): string => {
    const raw = value(read, 'query');
    if (raw === undefined || raw === null) throw new FieldProblem('query: missing');
    if (typeof raw !== 'string') throw new FieldProblem(`query: expected a string, got ${describeValue(raw)}`);
    const text = checkNul('query', raw).trim();
    if (text === '') throw new FieldProblem('query: empty');
    return text;
  };

  const label = (read: ReadColumn): Query['label'] => {
    const text = optionalText(read, 'label', false);
    if (text === undefined) return undefined;
    const tier = text.trim().toLowerCase();
    if (!isTier(tier)) throw new FieldProblem(`label: ${JSON.stringify(text)} is not a tier (${TIERS.join(', ')})`);
    return tier;
  };

  const timestamp = (read: ReadColumn, fallback: string | number | undefined): string | undefined => {
    const raw = value(read, 'timestamp') ?? fallback;
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'bigint') {
      throw new FieldProblem(`timestamp: expected ISO 8601 text or epoch seconds/milliseconds, got ${describeValue(raw)}`);
    }
    if (typeof raw === 'string' && raw.trim() === '') return undefined;
    const normalised = normaliseTimestamp(raw);
    if (typeof normalised !== 'string') throw new FieldProblem(`timestamp: ${normalised.error}`);
    return normalised;
  };

  // Logs tag sensitivity as booleans, 0/1 or words; anything else is a mistake worth a reject.
  const sensitive = (read: ReadColumn): boolean | undefined => {
    const raw = value(read, 'sensitive');
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw === 'boolean') return raw;
    // String() of an array or object recurses (a deeply nested one overflows the stack) and says nothing useful.
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'bigint') {
      throw new FieldProblem(`sensitive: expected a boolean, got ${describeValue(raw)}`);
    }
    const text = String(raw).trim().toLowerCase();
    if (text === '') return undefined;
    if (['true', '1', 'yes', 'y'].includes(text)) return true;
    if (['false', '0', 'no', 'n'].includes(text)) return false;
    throw new FieldProblem(`sensitive: ${JSON.stringify(String(raw))} is not a boolean (true/false, 1/0, yes/no)`);
  };

  return (read, line, raw, extras = {}) => {
    const { spanId } = extras;
    let query: Query;
    try {
      const chat = extras.chat?.();
      const source: SourcePosition = spanId === undefined ? { file, line } : { file, line, spanId };
      const text = chat === undefined ? queryText(read) : chat.request.messages[lastUserIndex(chat.request.messages)]!.content.trim();
      if (text === '') throw new FieldProblem('messages: the last user message is empty');
      const queryId = optionalText(read, 'id', true)?.trim() ?? chat?.logId ?? (spanId === undefined ? `L${line}` : `span-${spanId}`);
      query = { queryId, text, source };
      const stamp = timestamp(read, chat?.timestamp);
      if (stamp !== undefined) query.timestamp = stamp;
      const conversationId = optionalText(read, 'conversation_id', true)?.trim() ?? chat?.conversationId;
      if (conversationId !== undefined) query.conversationId = conversationId;
      const channel = optionalText(read, 'channel', true);
      if (channel !== undefined) query.channel = channel.trim();
      const tier = label(read);
      if (tier !== undefined) query.label = tier;
      const reference = optionalText(read, 'reference', false);
      if (reference !== undefined) query.reference = reference;
      if (chat?.response !== undefined) {
        query.loggedAnswer = chat.response.content;
        query.loggedResponse = chat.response;
      } else {
        const answer = optionalText(read, 'answer', false);
        if (answer !== undefined) query.loggedAnswer = answer;
      }
      const flagged = sensitive(read);
      if (flagged !== undefined) query.sensitive = flagged;
      if (chat !== undefined) {
        query.request = chat.request;
        query.turnIndex = chat.turnIndex ?? chat.request.messages.length;
      }
    } catch (error) {
      if (error instanceof FieldProblem) return rejectItem(file, line, error.message, raw, spanId);
      throw error;
    }
    const first = firstLineById.add(query.queryId, line);
    if (first !== undefined) {
      return rejectItem(file, line, `duplicate query id ${query.queryId} (first at line ${first})`, raw, spanId);
    }
    return { kind: 'query', query };
  };
}
