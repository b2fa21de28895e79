import { redact } from '../privacy/redact.ts';

/**
 * Everything a rater sees goes through here: the privacy module's PII redaction (emails, phones,
 * Luhn-valid cards, IBANs, order and account numbers, addresses, names) with un-numbered
 * placeholders, since a rater needs to know what was there, not to tell values apart.
 */
export function redactForDisplay(text: string): string {
  return redact(text, { numbered: false }).text;
}
