import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.ts';
import { checkRunId } from './run-id.ts';

describe('run ids', () => {
  it('accepts the forms the project makes (generated, promptfoo imports) and plain names', () => {
    for (const id of ['run-20261204-172227-ab12', 'pf-x7Q-2025-01-23T12-34-56', 'nightly', 'a_b', 'a.b', '0', 'x'.repeat(64), 'run-1.2_3']) {
      expect(checkRunId(id)).toBe(id);
    }
  });

  it('refuses anything else in one line, the id shown as JSON', () => {
    for (const id of ['', 'a\nb', 'a/b', '..', '.x', '-x', 'x'.repeat(65), 'a b', 'ü', 'a\\b', "it's"]) {
      expect(() => checkRunId(id, '--run-id'), JSON.stringify(id)).toThrow(UsageError);
    }
    expect(() => checkRunId('a\nb', '--run-id')).toThrow(/^--run-id "a\\nb" is not a valid run id: 1-64 characters from A-Z a-z 0-9 \. _ -, not starting with '\.' or '-'$/);
  });
});
