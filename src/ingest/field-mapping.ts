import { UsageError } from '../core/errors.ts';

export const LOG_FIELDS = ['id', 'query', 'timestamp', 'conversation_id', 'channel', 'label', 'reference', 'answer', 'sensitive'] as const;
export type LogField = (typeof LOG_FIELDS)[number];

/** LogField -> column/key name in the log. 'query' is required; an empty string means "do not read this field". */
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

export function resolveMapping(mapping: FieldMapping): ResolvedMapping {
  const columns: Partial<Record<LogField, string>> = {};
  const required: LogField[] = [];
  for (const field of LOG_FIELDS) {
    const given = mapping[field];
    const column = given ?? defaultMapping[field];
    if (column === undefined || column === '') continue;
    columns[field] = column;
    if (field === 'query' || (given !== undefined && given !== defaultMapping[field])) required.push(field);
  }
  if (columns.query === undefined) {
    throw new UsageError(`the field mapping needs a column for 'query' (query=COLUMN)`);
  }
  return { columns, required };
}

/** Up-front check of a mapping against the columns a CSV header or table schema really has. */
export function checkColumns(file: string, resolved: ResolvedMapping, available: readonly string[]): void {
  const present = new Set(available);
  for (const field of resolved.required) {
    const column = resolved.columns[field];
    if (column !== undefined && !present.has(column)) {
      throw new UsageError(
        `${file}: field '${field}' is mapped to column '${column}', which does not exist; ` +
          `columns: ${available.join(', ')}`,
      );
    }
  }
}
