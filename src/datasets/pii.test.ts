import { describe, expect, it } from 'vitest';
import { cardNumber, isLuhnValid, luhnCheckDigit } from './pii.ts';
import { createRandom } from './random.ts';

describe('Luhn', () => {
  it('accepts known-valid test numbers and rejects a changed digit', () => {
    expect(isLuhnValid('4111 1111 1111 1111')).toBe(true);
    expect(isLuhnValid('5500-0000-0000-0004')).toBe(true);
    expect(isLuhnValid('4111 1111 1111 1112')).toBe(false);
    expect(luhnCheckDigit('411111111111111')).toBe(1);
  });

  it('draws valid and invalid card numbers at the requested rate', () => {
    const random = createRandom(1);
    const cards = Array.from({ length: 1000 }, () => cardNumber(random, 0.6));
    const valid = cards.filter((card) => isLuhnValid(card)).length / cards.length;
    expect(valid).toBeGreaterThan(0.5);
    expect(valid).toBeLessThan(0.7);
    for (const card of cards) expect(card.replace(/\D/g, '')).toHaveLength(16);
  });
});
