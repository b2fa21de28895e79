import { describe, expect, it } from 'vitest';
import { percentile, spread } from './percentile.ts';

describe('percentile', () => {
  it('interpolates between ranks like numpy', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 95)).toBeCloseTo(48);
    expect(percentile([7], 99)).toBe(7);
  });
  it('is undefined for no values, never 0', () => {
    expect(percentile([], 95)).toBeUndefined();
    expect(spread([])).toEqual({ p50: undefined, p95: undefined, p99: undefined });
  });
  it('sorts numerically', () => {
    expect(spread([100, 9, 20]).p50).toBe(20);
  });
});
