import { describe, expect, it } from 'vitest';
import { safeName } from './write.ts';

describe('safeName', () => {
  it('is the id itself for a valid run id', () => {
    expect(safeName('a_b')).toBe('a_b');
    expect(safeName('run-20261204-172227-ab12')).toBe('run-20261204-172227-ab12');
  });

  it('gives an id stored before the rule its own folder: never shared, empty or a path', () => {
    const names = ['a/b', 'a_b', 'a?b', '', '..', '.', 'a\nb'].map(safeName);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(['', '.', '..']).not.toContain(name);
    }
  });
});
