import { describe, expect, it } from 'vitest';
import { createRandom } from '../datasets/random.ts';
import { composeAnswer, falsifyFact } from './answer.ts';
import { judgeAnswer } from './judge.ts';
import { guessTier } from './tier-guess.ts';

const REFERENCE = 'Standard shipping takes 3 to 5 business days and costs $5.95, or is free on orders over $75. Express shipping takes 1 to 2 business days and costs $14.95.';

describe('composeAnswer', () => {
  it('is deterministic in (model, query) and ignores case and spacing of the query', () => {
    const known = { reference: REFERENCE, tier: 'simple' as const };
    const first = composeAnswer('gpt-4', 'How long does shipping take?', known);
    expect(composeAnswer('gpt-4', '  how long  does shipping take?', known)).toEqual(first);
    expect(composeAnswer('llama-3-70b', 'How long does shipping take?', known).text).not.toBe(first.text);
  });

  it('answers unknown queries from the knowledge base, or generically', () => {
    const lamp = composeAnswer('gpt-4', 'my lumen lamp will not connect to the wifi', undefined);
    expect(lamp.source).toBe('knowledge-base');
    expect(lamp.tier).toBe('medium');
    const generic = composeAnswer('gpt-4', 'zxcv qwerty', undefined);
    expect(generic.source).toBe('generic');
    expect(generic.text).toMatch(/Northwind Home/);
  });
});

describe('falsifyFact', () => {
  it('changes a number or flips the meaning, and the judge notices', () => {
    const random = createRandom(3);
    for (const fact of [
      'You can return most items within 30 days of delivery for a full refund.',
      'Gift cards cannot be exchanged for cash.',
      'Update the Northwind app to the latest version from the App Store or Google Play.',
      'Once an order has shipped, the address can no longer be changed.',
    ]) {
      const wrong = falsifyFact(fact, random);
      expect(wrong).toBeDefined();
      expect(wrong).not.toBe(fact);
      expect(judgeAnswer({ query: 'q', reference: fact, answer: wrong ?? '' }).score, wrong).toBeLessThan(3);
    }
  });
});

describe('guessTier', () => {
  it('reads escalations as complex, faults as medium, FAQs as simple', () => {
    expect(guessTier('I want to speak to a manager, I was charged twice and will file a chargeback')).toBe('complex');
    expect(guessTier('my sweep robot vacuum keeps stopping with error E2')).toBe('medium');
    expect(guessTier('what are your opening hours?')).toBe('simple');
  });
});
