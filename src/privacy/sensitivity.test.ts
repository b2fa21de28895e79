import { describe, expect, it } from 'vitest';
import { generateQueries } from '../datasets/generate.ts';
import { querySensitivity } from './customer-text.ts';
import { classifySensitivity, DEFAULT_SENSITIVITY_POLICY } from './sensitivity.ts';
import type { SensitivityPolicy } from './sensitivity.ts';

const policy = (overrides: Partial<SensitivityPolicy> = {}): SensitivityPolicy => ({ ...DEFAULT_SENSITIVITY_POLICY, ...overrides });

describe('classifySensitivity', () => {
  it('passes an ordinary query', () => {
    expect(classifySensitivity({ text: 'what are your opening hours in Portland?' }, policy())).toEqual({ sensitive: false, reasons: [] });
    // Redacted PII that is not payment data does not make a query sensitive by itself.
    expect(classifySensitivity({ text: 'where is NW-123456? email me at maria@example.com or call 503-555-0123' }, policy()).sensitive).toBe(false);
  });

  it('honours tags: the log field and configured channels', () => {
    expect(classifySensitivity({ text: 'hello', sensitive: true }, policy()).reasons).toEqual(['tagged: sensitive in the log']);
    expect(classifySensitivity({ text: 'hello', channel: 'Legal' }, policy({ channels: ['legal'] })).reasons).toEqual(['tagged: channel "Legal"']);
    expect(classifySensitivity({ text: 'hello', channel: 'chat', sensitive: false }, policy({ channels: ['legal'] })).sensitive).toBe(false);
  });

  it('detects payment and bank numbers, naming the kind and never the number', () => {
    const card = classifySensitivity({ text: 'my card is 4111 1111 1111 1111' }, policy());
    expect(card).toEqual({ sensitive: true, reasons: ['detected: card number'] });
    expect(classifySensitivity({ text: 'refund to DE89 3704 0044 0532 0130 00' }, policy()).reasons).toEqual(['detected: IBAN']);
    expect(classifySensitivity({ text: 'account number 12345678' }, policy()).reasons).toEqual(['detected: account number']);
    // A mistyped card is still payment data.
    expect(classifySensitivity({ text: 'card 4111 1111 1111 1112' }, policy()).reasons).toEqual(['detected: account number']);
    // The last four digits alone are not.
    expect(classifySensitivity({ text: 'my card ending 4242 was declined' }, policy()).sensitive).toBe(false);
  });

  it('reads every customer message and tool result of a conversation, each message on its own', () => {
    const conversation = (...contents: [string, string][]) => ({
      text: contents.at(-1)![1],
      request: { messages: contents.map(([role, content]) => ({ role, content }) as never), parameters: {} },
    });
    // The card is in the first turn; the last one is harmless.
    const early = conversation(['user', 'my card is 4111 1111 1111 1111, was I charged twice?'], ['assistant', 'Let me check.'], ['user', 'thanks, any news?']);
    expect(classifySensitivity(early, policy()).sensitive).toBe(false);
    expect(querySensitivity(early, policy())).toEqual({ sensitive: true, reasons: ['detected: card number'] });
    // A tool's result counts as the customer's side (an order lookup can return bank data).
    const tool = conversation(['user', 'refund status?'], ['tool', '{"refund_to": "DE89 3704 0044 0532 0130 00"}'], ['user', 'ok']);
    expect(querySensitivity(tool, policy()).reasons).toEqual(['detected: IBAN']);
    // Two messages' digits never make one number: "4111 1111" then "1111 1111" is no card.
    const split = conversation(['user', 'the first half is 4111 1111'], ['user', '1111 1111 is the rest']);
    expect(querySensitivity(split, policy()).reasons).not.toContain('detected: card number');
  });

  it('detects health, legal and data-rights topics', () => {
    expect(classifySensitivity({ text: 'The lamp caught fire and my daughter burned her hand.' }, policy()).reasons).toEqual(['detected: health term "burned her hand"']);
    expect(classifySensitivity({ text: 'I need the order history for court' }, policy()).reasons).toEqual(['detected: legal term "court"']);
    expect(classifySensitivity({ text: 'Under GDPR I request you delete all my personal data' }, policy()).reasons).toEqual(['detected: data-rights request "gdpr"']);
    expect(classifySensitivity({ text: 'Please delete my data and close my account' }, policy()).reasons).toEqual(['detected: data-rights request "delete my data"']);
    expect(classifySensitivity({ text: 'Thanks, Sue' }, policy()).sensitive).toBe(false);
  });

  it('runs only the detectors the policy lists, plus its keywords', () => {
    const text = 'I will call my lawyer about card 4111 1111 1111 1111 and the recall';
    expect(classifySensitivity({ text }, policy({ detect: ['card'] })).reasons).toEqual(['detected: card number']);
    expect(classifySensitivity({ text }, policy({ detect: [], keywords: ['recall', 'chargeback'] })).reasons).toEqual(['keyword: "recall"']);
    expect(classifySensitivity({ text: 'a recalled lamp' }, policy({ detect: [], keywords: ['recall'] })).sensitive).toBe(false);
    expect(classifySensitivity({ text }, policy()).reasons).toEqual(['detected: card number', 'detected: legal term "lawyer"']);
  });

  it('flags a plausible share of the sample logs, mostly the complex ones', () => {
    const queries = [...generateQueries({ n: 2000, seed: 42 })];
    const sensitive = queries.filter((query) => classifySensitivity({ text: query.query, channel: query.channel }, policy()).sensitive);
    const share = sensitive.length / queries.length;
    console.log(`sensitive by the default detectors: ${sensitive.length} of ${queries.length} generated queries (${(share * 100).toFixed(1)}%)`);
    expect(share).toBeGreaterThan(0.01);
    expect(share).toBeLessThan(0.15);
    expect(sensitive.filter((query) => query.tier === 'complex').length / sensitive.length).toBeGreaterThan(0.3);
  });
});
