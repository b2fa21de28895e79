import { describe, expect, it } from 'vitest';
import { routeLlmMeasures } from './routellm.ts';

describe('RouteLLM measures', () => {
  it('a perfect router recovers the gap with the fewest strong calls', () => {
    // Half the queries need the strong model (weak scores 2 there); the router knows which.
    const items = [
      ...Array.from({ length: 5 }, () => ({ strongScore: 0.9, weakQuality: 2, strongQuality: 5 })),
      ...Array.from({ length: 5 }, () => ({ strongScore: 0.1, weakQuality: 5, strongQuality: 5 })),
    ];
    const measures = routeLlmMeasures(items);
    expect(measures.weakQuality).toBe(3.5);
    expect(measures.strongQuality).toBe(5);
    expect(measures.cpt50).toBe(0.5);
    expect(measures.cpt80).toBe(0.5);
    // PGR climbs to 1 at 50% strong calls and stays there: area = 0.25 + 0.5.
    expect(measures.apgr).toBeCloseTo(0.75, 10);
  });

  it('a router that cannot tell the queries apart is the diagonal (APGR 0.5)', () => {
    const items = Array.from({ length: 10 }, (_, index) => ({ strongScore: 0.5, weakQuality: index < 5 ? 2 : 5, strongQuality: 5 }));
    const measures = routeLlmMeasures(items);
    // All ties: the only reachable points are 0% and 100% strong calls.
    expect(measures.curve.map((point) => point.strongShare)).toEqual([0, 1]);
    expect(measures.apgr).toBeCloseTo(0.5, 10);
    expect(measures.cpt50).toBe(1);
  });

  it('is undefined, not 0, when there is no gap to recover', () => {
    const measures = routeLlmMeasures([{ strongScore: 1, weakQuality: 5, strongQuality: 5 }]);
    expect(measures.cpt50).toBeUndefined();
    expect(measures.apgr).toBeUndefined();
  });
});
