import { describe, expect, it } from 'vitest';
import { RUN_ID_PATTERN } from '../core/run-id.ts';
import { newRunId } from './run-replay.ts';

describe('newRunId', () => {
  it('makes run-YYYYMMDD-HHMMSS-xxxx, inside the run id rule', () => {
    expect(newRunId(new Date('2026-12-04T17:22:27Z'))).toMatch(/^run-20261204-172227-[0-9a-f]{4}$/);
    for (let index = 0; index < 50; index++) expect(newRunId()).toMatch(RUN_ID_PATTERN);
  });
});
