import { describe, expect, it } from 'vitest';
import { blindOrder, candidatePosition } from './blind-order.ts';

describe('blind order', () => {
  it('is pinned: exports already handed out are un-blinded with it', () => {
    expect([candidatePosition('run-1', 'q-000001'), candidatePosition('run-1', 'q-000002'), candidatePosition('run-2', 'q-000001')]).toEqual(PINNED);
    expect(blindOrder('run-1', 'q-000001')).toEqual(PINNED[0] === 1 ? ['candidate', 'baseline'] : ['baseline', 'candidate']);
  });

  it('puts the candidate first about half the time', () => {
    let first = 0;
    for (let index = 0; index < 2000; index++) if (candidatePosition('run', `q${index}`) === 1) first++;
    expect(first).toBeGreaterThan(900);
    expect(first).toBeLessThan(1100);
  });
});

const PINNED = [1, 2, 1];
