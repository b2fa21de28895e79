import { describe, expect, it } from 'vitest';
import { checkRunId } from '../core/run-id.ts';
import { defaultRunId } from './import-results.ts';
import type { PromptfooResultsFile } from './results-file.ts';

describe('defaultRunId', () => {
  it("makes pf- + promptfoo's eval id (eval-<3>-<ISO time with colons>) inside the run id rule", () => {
    const id = defaultRunId({ evalId: 'eval-x7Q-2025-01-23T12:34:56', results: { timestamp: '2025-01-23T12:34:56.000Z' } } as unknown as PromptfooResultsFile);
    expect(id).toBe('pf-x7Q-2025-01-23T12-34-56');
    expect(checkRunId(id)).toBe(id);
  });
});
