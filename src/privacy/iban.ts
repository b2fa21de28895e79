import { countrySpecs, isValidIBAN } from 'ibantools';
import type { Candidate } from './types.ts';

// Country code and check digits, then the start of the BBAN; the country's fixed length decides
// where the IBAN ends, so a following word is never swallowed.
const IBAN_START = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}[ -]?[A-Za-z0-9]/g;

function expectedLength(countryCode: string): number | undefined {
  const spec = (countrySpecs as Record<string, { chars?: number | null } | undefined>)[countryCode];
  return spec?.chars ?? undefined;
}

/**
 * IBANs that pass ibantools' check (country length, BBAN format, mod-97) are IBAN. One that has a
 * known country's exact shape but fails mod-97 is a mistyped account number: redacted as ACCOUNT,
 * since all but a digit or two of it is still a real account.
 */
export function findIbans(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of text.matchAll(IBAN_START)) {
    const start = match.index;
    const countryCode = text.slice(start, start + 2).toUpperCase();
    const length = expectedLength(countryCode);
    if (length === undefined) continue;
    let compact = '';
    let end = start;
    while (end < text.length && compact.length < length) {
      const char = text[end]!;
      if (/[A-Za-z0-9]/.test(char)) compact += char;
      else if (!((char === ' ' || char === '-') && /[A-Za-z0-9]/.test(text[end + 1] ?? '') && /[A-Za-z0-9]/.test(text[end - 1] ?? ''))) break;
      end++;
    }
    if (compact.length !== length || /[A-Za-z0-9]/.test(text[end] ?? '')) continue;
    const iban = compact.toUpperCase();
    // The BBAN of every IBAN country is mostly digits; a run of words ("to12 ...") is not an IBAN.
    if ((iban.slice(4).match(/\d/g)?.length ?? 0) < iban.length / 2 - 2) continue;
    found.push({ type: isValidIBAN(iban) ? 'IBAN' : 'ACCOUNT', start, end, rule: isValidIBAN(iban) ? 'iban-mod97' : 'iban-shaped' });
  }
  return found;
}
