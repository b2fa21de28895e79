import { describe, expect, it } from 'vitest';
import { argmaxTier, DEFAULT_THRESHOLDS, routeTier } from './thresholds.ts';

describe('routeTier', () => {
  it('routes simple only when P(simple) clears its threshold', () => {
    const p = { simple: 0.7, medium: 0.2, complex: 0.1 };
    expect(routeTier(p, { simple: 0.6, medium: 0.8 })).toBe('simple');
    expect(routeTier(p, { simple: 0.75, medium: 0.8 })).toBe('medium');
  });

  it('escalates to complex when P(simple) + P(medium) is short of the medium threshold', () => {
    const p = { simple: 0.5, medium: 0.3, complex: 0.2 };
    expect(routeTier(p, { simple: 0.6, medium: 0.8 })).toBe('medium');
    expect(routeTier(p, { simple: 0.6, medium: 0.81 })).toBe('complex');
  });

  it('never routes cheaper than the most probable tier with the defaults', () => {
    const grid: number[] = [];
    for (let i = 0; i <= 20; i += 1) grid.push(i / 20);
    const rank = { simple: 0, medium: 1, complex: 2 };
    for (const simple of grid) {
      for (const medium of grid) {
        if (simple + medium > 1) continue;
        const p = { simple, medium, complex: 1 - simple - medium };
        expect(rank[routeTier(p, DEFAULT_THRESHOLDS)]).toBeGreaterThanOrEqual(rank[argmaxTier(p)]);
      }
    }
  });

  it('sends everything one way at the extremes', () => {
    const p = { simple: 0.1, medium: 0.1, complex: 0.8 };
    expect(routeTier(p, { simple: 0, medium: 0 })).toBe('simple');
    expect(routeTier({ simple: 1, medium: 0, complex: 0 }, { simple: 1.01, medium: 1.01 })).toBe('complex');
  });
});

describe('argmaxTier', () => {
  it('breaks ties toward the more expensive tier', () => {
    expect(argmaxTier({ simple: 0.4, medium: 0.4, complex: 0.2 })).toBe('medium');
    expect(argmaxTier({ simple: 0.5, medium: 0.2, complex: 0.3 })).toBe('simple');
  });
});
