import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NEAR_MISSES } from './pii-test-set.ts';
import { createRedactor, redact } from './redact.ts';

const types = (text: string): string[] => redact(text).findings.map((finding) => finding.type);

describe('redact', () => {
  it('replaces each kind of PII with its placeholder', () => {
    const text =
      'Hi, this is Priya. Order NW-123456, email priya.patel@example.com, call (503) 555-0123, card 4111 1111 1111 1111, ' +
      'IBAN DE89 3704 0044 0532 0130 00, account number 12345678, ship to 42 Maple Avenue.\n\nThanks,\nPriya Patel';
    expect(redact(text).text).toBe(
      'Hi, this is [NAME]. Order [ORDER], email [EMAIL], call [PHONE], card [CARD], IBAN [IBAN], account number [ACCOUNT], ship to [ADDRESS].\n\nThanks,\n[NAME]',
    );
  });

  it('finds US and international phone formats', () => {
    for (const phone of ['(503) 555-0123', '503-555-0123', '503.555.0123', '5035550123', '+1 503 555 0123', '1-800-555-0199', '(503)555-0123', '+44 20 7946 0958', '+33 1 23 45 67 89', '+91 98765 43210', '0044 20 7946 0958', '+81 3-1234-5678']) {
      expect(redact(`please call ${phone} today`).text, phone).toBe('please call [PHONE] today');
    }
    // Two numbers side by side stay two numbers (libphonenumber's findNumbers merged these).
    expect(redact('+1 512 555 0142, 3125550177').text).toBe('[PHONE], [PHONE]');
    expect(redact('qty 2 503-555-0123').text).toBe('qty 2 [PHONE]');
    // A seven-digit local number only where the text says it is a phone.
    expect(redact('call me on 555-0123').text).toBe('call me on [PHONE]');
    expect(redact('item 555-0123').text).toBe('item 555-0123');
  });

  it('keeps detections apart for options that change them (the detection cache is per option set)', () => {
    // A London number written nationally is a phone only where GB numbers are recognised (US-only,
    // it is a long digit run); the same text asked first with US-only options must not answer the
    // GB redactor from the cache, nor the other way round.
    const text = 'the London shop: 020 7946 0958.';
    expect(redact(text).text).toBe('the London shop: [ACCOUNT].');
    expect(redact(text, { phoneCountries: ['GB'] }).text).toBe('the London shop: [PHONE].');
    expect(redact(text).text).toBe('the London shop: [ACCOUNT].');
    // Names the config adds are found only by the redactor given them.
    expect(redact('ask Zorblat about it').text).toBe('ask Zorblat about it');
    expect(redact('ask Zorblat about it', { extraNames: ['Zorblat'] }).text).toBe('ask [NAME] about it');
    // A cue decides a seven-digit number; the same number uncued stays.
    expect(redact('item 555-0123 or call 555-0123').text).toBe('item 555-0123 or call [PHONE]');
  });

  it('takes only Luhn-valid runs as cards and hides a mistyped card as an account number', () => {
    expect(types('4111-1111-1111-1111')).toEqual(['CARD']);
    expect(types('3782 822463 10005')).toEqual(['CARD']);
    expect(types('4222222222222')).toEqual(['CARD']);
    expect(types('4111 1111 1111 1112')).toEqual(['ACCOUNT']);
    expect(redact('card 4111 1111 1111 1112 declined').findings[0]?.rule).toBe('card-shaped-luhn-invalid');
  });

  it('checks IBANs with mod-97 and keeps the word after one', () => {
    expect(redact('iban DE89 3704 0044 0532 0130 00 please').text).toBe('iban [IBAN] please');
    expect(redact('gb29nwbk60161331926819').text).toBe('[IBAN]');
    expect(types('DE88 3704 0044 0532 0130 00')).toEqual(['ACCOUNT']);
  });

  it('finds order numbers in the company format and after "order"', () => {
    expect(redact('where is nw-123456? and NW-654321').text).toBe('where is [ORDER]? and [ORDER]');
    expect(redact('order #774211 and invoice #00108').text).toBe('order [ORDER] and invoice [ORDER]');
    expect(redact('I ordered 2 chairs, order 3 more').findings).toEqual([]);
    expect(redact('ref AB-123456', { orderPatterns: [/AB-\d{6}/g] }).text).toBe('ref [ORDER]');
  });

  it('finds names after cues and from the first-name list', () => {
    expect(redact('my name is carlos lopez and i need help').text).toBe('my name is [NAME] and i need help');
    expect(redact('hi this is priya, my card was charged twice').text).toBe('hi this is [NAME], my card was charged twice');
    expect(redact('Kind regards,\nKenji').text).toBe('Kind regards,\n[NAME]');
    expect(redact('thanks, sam').text).toBe('thanks, [NAME]');
    expect(redact('Mr. Smith sent it').text).toBe('[NAME] sent it');
    expect(redact('ask Anna Freeman').text).toBe('ask [NAME]');
    expect(redact('This is the third time. Grace period? Will it ship to Charlotte or San Diego?').findings).toEqual([]);
  });

  it('leaves prices, dates, times, quantities, zip codes and model numbers alone', () => {
    for (const text of NEAR_MISSES) expect(redact(text).findings.map((finding) => `${finding.type} ${text.slice(finding.start, finding.end)}`), text).toEqual([]);
  });

  it('never redacts allowed values: the company phone, or a whole email domain', () => {
    const allow = ['1-800-555-0199', '@northwindhome.example'];
    expect(redact('call (800) 555-0199 or support@northwindhome.example, not me at maria@example.com', { allow }).text).toBe(
      'call (800) 555-0199 or support@northwindhome.example, not me at [EMAIL]',
    );
  });

  it('numbers placeholders consistently across the texts of one query', () => {
    const redactor = createRedactor({ numbered: true });
    expect(redactor.redact('write to a@example.com or b@example.com').text).toBe('write to [EMAIL_1] or [EMAIL_2]');
    expect(redactor.redact('I wrote to A@example.com').text).toBe('I wrote to [EMAIL_1]');
  });

  it('redacts only the requested types, and findings carry positions, never values', () => {
    const result = redact('mail maria@example.com, call 503-555-0123', { types: ['EMAIL'] });
    expect(result.text).toBe('mail [EMAIL], call 503-555-0123');
    expect(result.findings).toEqual([{ type: 'EMAIL', start: 5, end: 22, rule: 'email', placeholder: '[EMAIL]' }]);
    expect(JSON.stringify(result.findings)).not.toContain('maria');
  });

  it('never lets a planted email, phone or card through, whatever surrounds it (property)', () => {
    const filler = fc.array(fc.constantFrom('order', 'the', 'sofa', '$1,299.00', 'on', '3/14', 'at', '10:30', 'qty', '2', 'hi', 'thanks,', '\n', '.', 'NW', 'ref', '(', ')', '-', 'x'), { maxLength: 8 }).map((words) => words.join(' '));
    const planted = fc.constantFrom('maria.garcia@example.com', 'J.SMITH@OUTLOOK.COM', '(503) 555-0123', '+44 20 7946 0958', '720.555.0199', '4111 1111 1111 1111', '5500-0000-0000-0004', '378282246310005');
    fc.assert(
      fc.property(filler, planted, filler, (before, value, after) => {
        const output = redact(`${before} ${value} ${after}`).text;
        expect(output).not.toContain(value);
        const digits = value.replace(/\D/g, '');
        if (digits.length >= 7) expect(output.replace(/\D/g, '')).not.toContain(digits.slice(-7));
      }),
      { numRuns: 400 },
    );
  });

  it('does not find PII in its own placeholders', () => {
    const once = redact('mail maria@example.com, call 503-555-0123, card 4111 1111 1111 1111.\nThanks,\nMaria').text;
    expect(redact(once).text).toBe(once);
  });
});
