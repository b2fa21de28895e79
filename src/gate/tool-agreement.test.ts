import { describe, expect, it } from 'vitest';
import { toolAgreementCheck, type ToolAgreementByTier } from './tool-agreement.ts';

const rows: ToolAgreementByTier[] = [
  { tier: 'simple', turns: 40, agreements: 38, rate: 0.95 },
  { tier: 'medium', turns: 10, agreements: 5, rate: 0.5 },
  { tier: 'complex', turns: 0, agreements: 0, rate: undefined },
];

describe('toolAgreementCheck', () => {
  it('passes on the tiers the step serves when the share reaches the bar, and says it per tier', () => {
    const check = toolAgreementCheck(rows, ['simple'], 0.9);
    expect(check).toMatchObject({ metric: 'tool_call_agreement', outcome: 'pass', value: 0.95, n: 40, threshold: '>= 90.0%' });
    expect(check.detail).toContain('38 of 40 tool-call turns');
    expect(check.detail).toContain('simple 95.0% of 40');
  });

  it('fails only when the whole interval is below the bar, holds in between', () => {
    expect(toolAgreementCheck(rows, ['simple', 'medium'], 0.99).outcome).toBe('fail');
    // 5 of 10: Wilson [23.7%, 76.3%] straddles 60%.
    expect(toolAgreementCheck(rows, ['medium'], 0.6).outcome).toBe('hold');
  });

  it('holds without tool turns, and skips on a database without the columns', () => {
    expect(toolAgreementCheck(rows, ['complex'], 0.9)).toMatchObject({ outcome: 'hold', n: 0, value: undefined });
    expect(toolAgreementCheck({ absent: 'this database has no tool-call columns' }, ['simple'], 0.9)).toMatchObject({ outcome: 'skip', detail: 'this database has no tool-call columns' });
  });
});
