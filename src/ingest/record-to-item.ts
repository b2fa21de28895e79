import type { IngestItem, Query } from '../core/query.ts';
import { isTier, TIERS } from '../core/tier.ts';
import type { LogField, ResolvedMapping } from './field-mapping.ts';
import { SeenIds } from './seen-ids.ts';

export const RAW_LIMIT = 200;

/** Reads one mapped column of the current record; undefined when the record lacks it. */
export type ReadColumn = (column: string) => unknown;

export type RecordConverter = (read: ReadColumn, line: number, raw: string) => IngestItem;

/** Thrown inside the converter so each check stays one line; never escapes it. */
class FieldProblem extends Error {
  override name = 'FieldProblem';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function checkNul(field: LogField, text: string): string {
  if (text.includes('\u0000')) throw new FieldProblem(`${field}: contains a NUL byte`);
  return text;
}

export function rejectItem(file: string, line: number, reason: string, raw: string | undefined): IngestItem {
  return {
    kind: 'reject',
    reject: raw === undefined ? { file, line, reason } : { file, line, reason, raw: raw.slice(0, RAW_LIMIT) },
  };
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
    return column === undefined ? undefined : read(column);
  };

  // Optional text: absent, null and blank all mean "the log does not say".
  const optionalText = (read: ReadColumn, field: LogField, numbersAllowed: boolean): string | undefined => {
    const raw = value(read, field);
    if (raw === undefined || raw === null) return undefined;
    let text: string;
    if (typeof raw === 'string') text = raw;
    else if (numbersAllowed && (typeof raw === 'number' || typeof raw === 'bigint')) text = String(raw);
    else throw new FieldProblem(`${field}: expected a ${numbersAllowed ? 'string or number' : 'string'}, got ${describe(raw)}`);
    checkNul(field, text);
    return text.trim() === '' ? undefined : text;
  };

  const queryText = (read: ReadColumn): string => {
    const raw = value(read, 'query');
    if (raw === undefined || raw === null) throw new FieldProblem('query: missing');
    if (typeof raw !== 'string') throw new FieldProblem(`query: expected a string, got ${describe(raw)}`);
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

  // Logs tag sensitivity as booleans, 0/1 or words; anything else is a mistake worth a reject.
  const sensitive = (read: ReadColumn): boolean | undefined => {
    const raw = value(read, 'sensitive');
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw === 'boolean') return raw;
    // String() of an array or object recurses (a deeply nested one overflows the stack) and says nothing useful.
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'bigint') {
      throw new FieldProblem(`sensitive: expected a boolean, got ${describe(raw)}`);
    }
    const text = String(raw).trim().toLowerCase();
    if (text === '') return undefined;
    if (['true', '1', 'yes', 'y'].includes(text)) return true;
    if (['false', '0', 'no', 'n'].includes(text)) return false;
    throw new FieldProblem(`sensitive: ${JSON.stringify(String(raw))} is not a boolean (true/false, 1/0, yes/no)`);
  };

  return (read, line, raw) => {
    let query: Query;
    try {
      const text = queryText(read);
      const queryId = optionalText(read, 'id', true)?.trim() ?? `L${line}`;
      query = { queryId, text, source: { file, line } };
      const timestamp = optionalText(read, 'timestamp', true);
      if (timestamp !== undefined) query.timestamp = timestamp.trim();
      const conversationId = optionalText(read, 'conversation_id', true);
      if (conversationId !== undefined) query.conversationId = conversationId.trim();
      const channel = optionalText(read, 'channel', true);
      if (channel !== undefined) query.channel = channel.trim();
      const tier = label(read);
      if (tier !== undefined) query.label = tier;
      const reference = optionalText(read, 'reference', false);
      if (reference !== undefined) query.reference = reference;
      const answer = optionalText(read, 'answer', false);
      if (answer !== undefined) query.loggedAnswer = answer;
      const flagged = sensitive(read);
      if (flagged !== undefined) query.sensitive = flagged;
    } catch (error) {
      if (error instanceof FieldProblem) return rejectItem(file, line, error.message, raw);
      throw error;
    }
    const first = firstLineById.add(query.queryId, line);
    if (first !== undefined) {
      return rejectItem(file, line, `duplicate query id ${query.queryId} (first at line ${first})`, raw);
    }
    return { kind: 'query', query };
  };
}
