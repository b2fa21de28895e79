import { describe, it, expect } from 'vitest';
import { callCost } from './pricing.ts';

describe('callCost', () => {
  const gpt4 = { kind: 'per_token', inputPerMillion: 30, outputPerMillion: 60 } as const;

  it('prices tokens per million', () => {
    expect(callCost(gpt4, { promptTokens: 1000, completionTokens: 500 })).toBeCloseTo(0.06, 12);
    expect(callCost({ kind: 'per_token', inputPerMillion: 0.5, outputPerMillion: 1.5 }, { promptTokens: 2_000_000, completionTokens: 1_000_000 })).toBeCloseTo(2.5, 12);
  });

  it('is zero for zero known tokens but unknown when a count is unknown', () => {
    expect(callCost(gpt4, { promptTokens: 0, completionTokens: 0 })).toBe(0);
    expect(callCost(gpt4, { promptTokens: undefined, completionTokens: 10 })).toBeUndefined();
    expect(callCost(gpt4, { promptTokens: 10, completionTokens: undefined })).toBeUndefined();
  });

  it('charges the marginal per-query cost on fixed pricing, usage or not', () => {
    const onPrem = { kind: 'fixed', monthlyUsd: 12_000, perQueryUsd: 0.0004 } as const;
    expect(callCost(onPrem, { promptTokens: 500, completionTokens: 200 })).toBe(0.0004);
    expect(callCost(onPrem, { promptTokens: undefined, completionTokens: undefined })).toBe(0.0004);
  });
});
