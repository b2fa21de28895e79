import { UsageError } from '../core/errors.ts';
import { parsePath, rootOf } from './field-path.ts';

export const LOG_FIELDS = [
  'id',
  'query',
  'timestamp',
  'conversation_id',
  'channel',
  'label',
  'reference',
  'answer',
  'sensitive',
  'turn',
  'role',
  'content',
  'tool_calls',
  'tool_call_id',
] as const;
export type LogField = (typeof LOG_FIELDS)[number];

/** Fields only turn tables have: one row per message. */
export const TURN_FIELDS = ['turn', 'role', 'content', 'tool_calls', 'tool_call_id'] as const satisfies readonly LogField[];

/**
 * How records are shaped, which decides the defaults: `flat` rows with a query column; `chat`
 * requests (OpenAI chat logs and Batch files), whose query is the last user message and whose
 * other fields default to `metadata.*`; `otel` spans, whose fields are span attribute keys; `turns`,
 * one row per message.
 */
export type RecordShape = 'flat' | 'chat' | 'otel' | 'turns';

/**
 * LogField -> column/key name in the log, or a path into nested JSON (`metadata.tier`,
 * `input.messages[-1].content`). 'query' is required for flat rows; an empty string means
 * "do not read this field".
 */
export type FieldMapping = Partial<Record<LogField, string>>;

/** Matches the generated datasets/*.jsonl. Optional fields a log lacks are skipped. */
export const defaultMapping: FieldMapping = Object.freeze({
  id: 'query_id',
  query: 'query',
  timestamp: 'timestamp',
  conversation_id: 'conversation_id',
  channel: 'channel',
  label: 'tier',
  reference: 'reference',
  sensitive: 'sensitive',
});

/** Chat logs carry no label or reference of their own; the generated ones put them under `metadata`. */
export const chatDefaultMapping: FieldMapping = Object.freeze({
  id: 'metadata.query_id',
  timestamp: 'metadata.timestamp',
  conversation_id: 'metadata.conversation_id',
  channel: 'metadata.channel',
  label: 'metadata.tier',
  reference: 'metadata.reference',
  sensitive: 'metadata.sensitive',
});

export const turnsDefaultMapping: FieldMapping = Object.freeze({
  timestamp: 'timestamp',
  conversation_id: 'conversation_id',
  channel: 'channel',
  label: 'tier',
  reference: 'reference',
  sensitive: 'sensitive',
  turn: 'turn',
  role: 'role',
  content: 'content',
  tool_calls: 'tool_calls',
  tool_call_id: 'tool_call_id',
});

const DEFAULTS: Record<RecordShape, FieldMapping> = { flat: defaultMapping, chat: chatDefaultMapping, otel: {}, turns: turnsDefaultMapping };
const ALWAYS_REQUIRED: Record<RecordShape, LogField[]> = { flat: ['query'], chat: [], otel: [], turns: ['conversation_id', 'turn', 'role', 'content'] };

function isLogField(value: string): value is LogField {
  return (LOG_FIELDS as readonly string[]).includes(value);
}

const allowed = `allowed fields: ${LOG_FIELDS.join(', ')}`;

/**
 * Parses FIELD=COLUMN flags. Each flag may also hold a comma-separated list
 * (`query=instruction,answer=response`). `FIELD=` (empty column) unmaps a default.
 */
export function parseFieldFlags(flags: readonly string[]): FieldMapping {
  const mapping: FieldMapping = {};
  for (const flag of flags) {
    for (const part of flag.split(',')) {
      const equals = part.indexOf('=');
      if (equals === -1) {
        throw new UsageError(`bad field mapping '${part}': expected FIELD=COLUMN; ${allowed}`);
      }
      const field = part.slice(0, equals).trim();
      const column = part.slice(equals + 1).trim();
      if (!isLogField(field)) {
        throw new UsageError(`unknown field '${field}' in field mapping '${part}'; ${allowed}`);
      }
      if (field in mapping) {
        throw new UsageError(`field '${field}' is mapped twice in the field mappings; ${allowed}`);
      }
      if (field === 'query' && column === '') {
        throw new UsageError(`field 'query' needs a column name (query=COLUMN); it is required`);
      }
      mapping[field] = column;
    }
  }
  return mapping;
}

/** A mapping with the defaults filled in, and which of its fields must exist in the log. */
export interface ResolvedMapping {
  /** Only the fields that are read; unmapped ones are absent. */
  columns: Partial<Record<LogField, string>>;
  /**
   * Fields whose column must exist in a CSV header or table schema: 'query', and any field
   * the caller mapped to a non-default column (a typo there should fail loudly, while a
   * default column a log simply lacks is skipped).
   */
  required: LogField[];
}

export function resolveMapping(mapping: FieldMapping, shape: RecordShape = 'flat'): ResolvedMapping {
  const defaults = DEFAULTS[shape];
  const columns: Partial<Record<LogField, string>> = {};
  const required: LogField[] = [];
  for (const field of LOG_FIELDS) {
    const given = mapping[field];
    if (given !== undefined && given !== '' && shape !== 'turns' && (TURN_FIELDS as readonly string[]).includes(field)) {
      throw new UsageError(`field '${field}' is for turn tables (one row per message, --format turns), not this log`);
    }
    if (given !== undefined && given !== '' && field === 'query' && shape !== 'flat') {
      throw new UsageError(
        `field 'query' cannot be mapped for this log: the query is the last user message of each ${shape === 'turns' ? 'conversation' : 'request'}`,
      );
    }
    const column = given ?? defaults[field];
    if (column === undefined || column === '') continue;
    parsePath(column);
    columns[field] = column;
    if (ALWAYS_REQUIRED[shape].includes(field) || (given !== undefined && given !== defaults[field])) required.push(field);
  }
  for (const field of ALWAYS_REQUIRED[shape]) {
    if (columns[field] === undefined) throw new UsageError(`the field mapping needs a column for '${field}' (${field}=COLUMN)`);
  }
  return { columns, required };
}

/** Up-front check of a mapping against the columns a CSV header or table schema really has. */
export function checkColumns(file: string, resolved: ResolvedMapping, available: readonly string[]): void {
  const present = new Set(available);
  for (const field of resolved.required) {
    const column = resolved.columns[field];
    // A path must start at a column that exists (a STRUCT or JSON column for nested keys).
    if (column !== undefined && !present.has(column) && !present.has(rootOf(column))) {
      throw new UsageError(
        `${file}: field '${field}' is mapped to column '${column}', which does not exist; ` +
          `columns: ${available.join(', ')}`,
      );
    }
  }
}
