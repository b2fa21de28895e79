import { describe, expect, it } from 'vitest';
import { redactForDisplay } from './redact.ts';

describe('redactForDisplay', () => {
  it('replaces emails, order ids, card numbers and phone numbers', () => {
    expect(redactForDisplay('mail me at jane.doe+help@mail.example.com please')).toBe('mail me at [EMAIL] please');
    expect(redactForDisplay('order NW-924154 is late, also nw-123456')).toBe('order [ORDER] is late, also [ORDER]');
    expect(redactForDisplay('card 4111 1111 1111 1111 and 5500-0000-0000-0004 and 6011000990139424')).toBe(
      'card [CARD] and [CARD] and [CARD]',
    );
    for (const phone of ['(503) 555-0142', '503-555-0142', '+1 503 555 0142', '5035550142', '503.555.0142']) {
      expect(redactForDisplay(`call ${phone} now`)).toBe('call [PHONE] now');
    }
  });

  it('leaves ordinary support text alone', () => {
    const text = 'Refunds take 5-7 business days; the $1899.00 sofa ships 2/8. Furniture has a 2-year warranty.';
    expect(redactForDisplay(text)).toBe(text);
  });

  it('keeps markup as plain text for the page to escape', () => {
    expect(redactForDisplay('<script>alert(1)</script> a@b.example')).toBe('<script>alert(1)</script> [EMAIL]');
  });
});
