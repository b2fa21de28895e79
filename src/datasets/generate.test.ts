import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isTier } from '../core/tier.ts';
import { generateQueries, phrasingSplit, TIMELINE_DAYS, TIMELINE_START } from './generate.ts';
import type { GeneratedQuery } from './generate.ts';
import { findIntent, referenceFor } from './knowledge-base.ts';
import { isLuhnValid } from './pii.ts';

const take = (n: number, seed: number, split?: 'train' | 'test'): GeneratedQuery[] => [...generateQueries({ n, seed, split })];

const EMAIL = /[\w.+-]+@[\w-]+\.[\w.]+/;
const PHONE = /(\(\d{3}\) |\d{3}[-. ]|\+1 \d{3} )555[-. ]?01\d\d|\d{3}55501\d\d/;
const ORDER = /\bNW-\d{6}\b/i;
const CARD = /\b\d{4}([ -]?)\d{4}\1\d{4}\1\d{4}\b/;

describe('generateQueries', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    expect(take(300, 42)).toEqual(take(300, 42));
    const other = take(300, 43);
    expect(other.map((record) => record.query)).not.toEqual(take(300, 42).map((record) => record.query));
  });

  it('keeps the 70/25/5 tier mix on 5,000 queries', () => {
    const records = take(5000, 7);
    const share = (tier: string) => records.filter((record) => record.tier === tier).length / records.length;
    expect(share('simple')).toBeCloseTo(0.7, 1);
    expect(Math.abs(share('simple') - 0.7)).toBeLessThan(0.03);
    expect(Math.abs(share('medium') - 0.25)).toBeLessThan(0.03);
    expect(Math.abs(share('complex') - 0.05)).toBeLessThan(0.015);
  });

  it('puts PII in some queries, including Luhn-valid and invalid card numbers', () => {
    const records = take(5000, 11);
    const texts = records.map((record) => record.query);
    const count = (pattern: RegExp) => texts.filter((text) => pattern.test(text)).length;
    expect(count(EMAIL)).toBeGreaterThan(50);
    expect(count(PHONE)).toBeGreaterThan(30);
    expect(count(ORDER)).toBeGreaterThan(200);
    const cards = texts.flatMap((text) => CARD.exec(text)?.[0] ?? []);
    expect(cards.length).toBeGreaterThan(20);
    expect(cards.some((card) => isLuhnValid(card))).toBe(true);
    expect(cards.some((card) => !isLuhnValid(card))).toBe(true);
    const withPii = texts.filter((text) => [EMAIL, PHONE, ORDER, CARD].some((pattern) => pattern.test(text))).length;
    expect(withPii / texts.length).toBeGreaterThan(0.1);
    expect(withPii / texts.length).toBeLessThan(0.4);
  });

  it('writes every field with the right shape, in order of time', () => {
    const records = take(2000, 5);
    const end = TIMELINE_START.getTime() + TIMELINE_DAYS * 86_400_000;
    let previous = 0;
    records.forEach((record, index) => {
      expect(Object.keys(record)).toEqual(['query_id', 'timestamp', 'conversation_id', 'channel', 'query', 'tier', 'intent', 'reference']);
      expect(record.query_id).toBe(`q-${String(index + 1).padStart(6, '0')}`);
      const time = Date.parse(record.timestamp);
      expect(record.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(time).toBeGreaterThanOrEqual(previous);
      expect(time).toBeGreaterThanOrEqual(TIMELINE_START.getTime());
      expect(time).toBeLessThan(end);
      previous = time;
      expect(record.conversation_id).toMatch(/^conv-[0-9a-f]{8}$/);
      expect(['chat', 'email', 'web', 'app']).toContain(record.channel);
      expect(isTier(record.tier)).toBe(true);
      expect(record.query.trim().length).toBeGreaterThan(3);
      expect(record.query).not.toMatch(/[{}]|\[[^\]]*\|/);
      expect(record.reference.length).toBeGreaterThan(40);
      for (const id of record.intent.split('+')) expect(findIntent(id), id).toBeDefined();
    });
    // Some spread over the whole period, not bunched at the start.
    expect(Date.parse(records[records.length - 1]?.timestamp ?? '')).toBeGreaterThan(end - 2 * 86_400_000);
  });

  it('gives a two-question message both references and the harder tier', () => {
    const multi = take(3000, 3).filter((record) => record.intent.includes('+'));
    expect(multi.length).toBeGreaterThan(100);
    for (const record of multi) {
      const [first, second] = record.intent.split('+').map((id) => findIntent(id));
      expect(first?.tier).toBe(record.tier);
      const order = ['simple', 'medium', 'complex'];
      expect(order.indexOf(second?.tier ?? 'complex')).toBeLessThanOrEqual(order.indexOf(record.tier));
      expect(record.reference.split('. ').length).toBeGreaterThanOrEqual(5);
    }
  });

  it('has typos, lower-case and greetings in realistic shares', () => {
    const texts = take(3000, 21).map((record) => record.query);
    const lower = texts.filter((text) => text === text.toLowerCase() && /[a-z]/.test(text)).length / texts.length;
    const greeted = texts.filter((text) => /^(hi|hello|hey|dear|good|yo|hiya|to whom)/i.test(text)).length / texts.length;
    expect(lower).toBeGreaterThan(0.1);
    expect(greeted).toBeGreaterThan(0.15);
    expect(new Set(texts).size / texts.length).toBeGreaterThan(0.85);
  });

  it('keeps train and test phrasings disjoint', () => {
    const norm = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
    const train = new Set(take(3000, 1001, 'train').map((record) => norm(record.query)));
    const test = take(1000, 2002, 'test');
    expect(test.filter((record) => train.has(norm(record.query)))).toEqual([]);
    expect(phrasingSplit('what is your return policy')).toBe(phrasingSplit('What is your return policy'));
  });

  it('references match the intent facts', () => {
    const record = take(200, 8).find((candidate) => candidate.intent === 'return_policy');
    const intent = findIntent('return_policy');
    expect(record && intent && record.reference).toBe(intent && referenceFor(intent, () => undefined));
  });

  it('yields well-formed records for any seed (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }), fc.integer({ min: 0, max: 25 }), (seed, n) => {
        const records = take(n, seed);
        expect(records).toHaveLength(n);
        for (const record of records) {
          expect(isTier(record.tier)).toBe(true);
          expect(record.query).not.toMatch(/[{}]/);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('rejects a bad n or seed', () => {
    expect(() => take(-1, 1)).toThrow(/n must be/);
    expect(() => take(1, 1.5)).toThrow(/seed must be/);
  });
});
