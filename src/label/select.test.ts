import { describe, expect, it } from 'vitest';
import { dedupKey, entropyUncertainty, jaccard, marginUncertainty, normaliseForDedup, pickDiverse, shingles } from './select.ts';

describe('label selection', () => {
  it('collapses queries that differ only in case, digits and punctuation', () => {
    expect(normaliseForDedup('Cancel order [ORDER], NOW!!  #12')).toBe('cancel order order now 0');
    expect(dedupKey('I want to cancel order 1135')).toBe(dedupKey('i want to cancel order 99 !'));
    expect(dedupKey('cancel my order')).not.toBe(dedupKey('track my order'));
  });

  it('scores uncertainty by margin and by entropy', () => {
    expect(marginUncertainty({ simple: 0.5, medium: 0.5, complex: 0 })).toBe(1);
    expect(marginUncertainty({ simple: 1, medium: 0, complex: 0 })).toBe(0);
    expect(marginUncertainty({ simple: 0.6, medium: 0.3, complex: 0.1 })).toBeCloseTo(0.7, 10);
    expect(entropyUncertainty({ simple: 1 / 3, medium: 1 / 3, complex: 1 / 3 })).toBeCloseTo(1, 10);
    expect(entropyUncertainty({ simple: 1, medium: 0, complex: 0 })).toBe(0);
  });

  it('skips near-duplicates of what it already picked, in rank order', () => {
    const ranked = [
      'my parcel never arrived and i want my money back',
      'my parcel never arrived and i want my money back please',
      'what are your opening hours',
      'my parcel never arrived i want my money back',
      'how do i reset my password',
    ];
    expect(jaccard(shingles(ranked[0]!), shingles(ranked[1]!))).toBeGreaterThanOrEqual(0.8);
    expect(pickDiverse(ranked, 3, (text) => text)).toEqual([ranked[0], ranked[2], ranked[3]]);
    expect(pickDiverse(ranked, 10, (text) => text)).toHaveLength(4);
  });
});
