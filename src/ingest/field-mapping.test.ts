import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import { checkColumns, defaultMapping, parseFieldFlags, resolveMapping } from './field-mapping.ts';

describe('parseFieldFlags', () => {
  it('reads FIELD=COLUMN flags, one per flag or comma-separated', () => {
    expect(parseFieldFlags(['query=instruction', 'answer=response'])).toEqual({ query: 'instruction', answer: 'response' });
    expect(parseFieldFlags(['query=instruction,answer=response'])).toEqual({ query: 'instruction', answer: 'response' });
    expect(parseFieldFlags([' label = intent_tier '])).toEqual({ label: 'intent_tier' });
    expect(parseFieldFlags([])).toEqual({});
  });

  it('rejects an unknown field, naming it and the allowed fields', () => {
    expect(() => parseFieldFlags(['question=instruction'])).toThrow(UsageError);
    expect(() => parseFieldFlags(['question=instruction'])).toThrow(/unknown field 'question'.*allowed fields: id, query, timestamp, conversation_id, channel, label, reference, answer/);
  });

  it('rejects a flag without =, a field mapped twice and an empty query column', () => {
    expect(() => parseFieldFlags(['instruction'])).toThrow(/bad field mapping 'instruction': expected FIELD=COLUMN; allowed fields/);
    expect(() => parseFieldFlags(['query=a', 'query=b'])).toThrow(/'query' is mapped twice/);
    expect(() => parseFieldFlags(['query='])).toThrow(/'query' needs a column/);
  });

  it('lets FIELD= unmap a default column', () => {
    expect(parseFieldFlags(['label='])).toEqual({ label: '' });
    expect(resolveMapping({ label: '' }).columns.label).toBeUndefined();
  });
});

describe('resolveMapping', () => {
  it('fills in the defaults; only query and non-default columns are required', () => {
    const resolved = resolveMapping({ query: 'instruction', answer: 'response', label: 'tier' });
    expect(resolved.columns).toEqual({ ...defaultMapping, query: 'instruction', answer: 'response' });
    expect(resolved.required).toEqual(['query', 'answer']);
    expect(resolveMapping({}).required).toEqual(['query']);
  });

  it('names the field, the missing column and the columns that exist', () => {
    const resolved = resolveMapping({ query: 'instruction', answer: 'reply' });
    expect(() => checkColumns('log.csv', resolved, ['instruction', 'response'])).toThrow(
      "log.csv: field 'answer' is mapped to column 'reply', which does not exist; columns: instruction, response",
    );
    expect(() => checkColumns('log.csv', resolved, ['instruction', 'reply'])).not.toThrow();
  });
});
