import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hash64, SeenIds } from './seen-ids.ts';

describe('SeenIds', () => {
  it('gives the first line of a repeated id, through many growths of the table', () => {
    const seen = new SeenIds();
    for (let line = 1; line <= 200_000; line++) expect(seen.add(`q-${line}`, line)).toBeUndefined();
    expect(seen.size).toBe(200_000);
    expect(seen.add('q-1', 200_001)).toBe(1);
    expect(seen.add('q-123456', 200_002)).toBe(123_456);
    expect(seen.add('q-200000', 200_003)).toBe(200_000);
    expect(seen.add('q-200001', 200_004)).toBeUndefined();
    expect(seen.size).toBe(200_001);
  });

  it('agrees with a Map of the ids on any sequence (unicode, empty and near-identical ids)', () => {
    const id = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.nat(300).map((n) => `q${n}`), fc.constantFrom('', ' ', 'Q1', 'q1'));
    fc.assert(
      fc.property(fc.array(id, { maxLength: 400 }), (ids) => {
        const seen = new SeenIds();
        const reference = new Map<string, number>();
        ids.forEach((value, index) => {
          const first = reference.get(value);
          expect(seen.add(value, index + 1)).toBe(first);
          if (first === undefined) reference.set(value, index + 1);
        });
        expect(seen.size).toBe(reference.size);
      }),
      { numRuns: 500 },
    );
  });

  it('spreads similar ids: no 64-bit collision among a million sequential ids', () => {
    const hashes = new Set<bigint>();
    for (let index = 0; index < 1_000_000; index++) {
      const [high, low] = hash64(`conv-${index}`);
      hashes.add((BigInt(high) << 32n) | BigInt(low));
    }
    expect(hashes.size).toBe(1_000_000);
  });
});
