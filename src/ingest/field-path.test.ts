import { describe, expect, it } from 'vitest';
import { parsePath, PathMiss, readPath, rootOf } from './field-path.ts';
import { normaliseTimestamp } from './timestamp.ts';

describe('field paths', () => {
  it('splits dotted keys, bracket and dotted indexes, negative indexes and quoted keys', () => {
    expect(parsePath('input.messages[-1].content')).toEqual(['input', 'messages', -1, 'content']);
    expect(parsePath('messages.3.content')).toEqual(['messages', 3, 'content']);
    expect(parsePath('metadata.tier')).toEqual(['metadata', 'tier']);
    expect(parsePath('a["x.y"][0]')).toEqual(['a', 'x.y', 0]);
    expect(rootOf('metadata.tier')).toBe('metadata');
    expect(rootOf('query')).toBe('query');
  });

  it('refuses paths it cannot split, naming them', () => {
    for (const bad of ['a..b', '.a', 'a[1', '[x]', 'a[0]b']) expect(() => parsePath(bad)).toThrow(new RegExp(`bad field path '${bad.replace(/[[\].]/g, '\\$&')}'`));
  });

  it('reads nested values, prefers a literal key holding a dot, and says where a path broke', () => {
    const record = { input: { messages: [{ content: 'first' }, { content: 'last' }] }, 'metadata.tier': 'flat', metadata: 'text', list: [1, 2] };
    expect(readPath(record, 'input.messages[-1].content')).toBe('last');
    expect(readPath(record, 'input.messages.0.content')).toBe('first');
    expect(readPath(record, 'metadata.tier')).toBe('flat');
    expect(readPath(record, 'absent.key')).toBeUndefined();
    const past = readPath(record, 'list[5]');
    expect(past).toBeInstanceOf(PathMiss);
    expect((past as PathMiss).why).toBe('list[5] is past the end (list has 2 items)');
    expect((past as PathMiss).wrongType).toBe(false);
    const wrong = readPath(record, 'input.messages.first');
    expect((wrong as PathMiss).why).toBe("input.messages is an array, not an object with 'first'");
    expect((wrong as PathMiss).wrongType).toBe(true);
    expect((readPath(record, 'input.missing.deeper') as PathMiss).why).toBe('input.missing is missing');
  });
});

describe('timestamps', () => {
  it('normalises ISO 8601 (T or space, zones, fractions, date only), epoch seconds and milliseconds to UTC ISO 8601', () => {
    expect(normaliseTimestamp('2025-03-03T06:11:01Z')).toBe('2025-03-03T06:11:01Z');
    expect(normaliseTimestamp('2025-03-03 06:11:01')).toBe('2025-03-03T06:11:01Z');
    expect(normaliseTimestamp('2025-03-03T08:11:01.250+02:00')).toBe('2025-03-03T06:11:01.250Z');
    expect(normaliseTimestamp('2025-03-03')).toBe('2025-03-03T00:00:00Z');
    expect(normaliseTimestamp(1740982261)).toBe('2025-03-03T06:11:01Z');
    expect(normaliseTimestamp('1740982261')).toBe('2025-03-03T06:11:01Z');
    expect(normaliseTimestamp(1740982261.5)).toBe('2025-03-03T06:11:01.500Z');
    expect(normaliseTimestamp(1740982261123)).toBe('2025-03-03T06:11:01.123Z');
    expect(normaliseTimestamp(1740982261123n)).toBe('2025-03-03T06:11:01.123Z');
  });

  it('gives a reason for what is none of the three forms', () => {
    expect(normaliseTimestamp('yesterday')).toEqual({ error: '"yesterday" is not ISO 8601, epoch seconds or epoch milliseconds' });
    expect(normaliseTimestamp('2025-02-30')).toEqual({ error: '"2025-02-30" is not a valid date and time' });
    expect(normaliseTimestamp(1.7e15)).toMatchObject({ error: expect.stringContaining('microseconds or nanoseconds are not accepted') });
    expect(normaliseTimestamp(-5)).toMatchObject({ error: expect.stringContaining('not ISO 8601') });
  });
});
