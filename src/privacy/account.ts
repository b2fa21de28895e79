import type { Candidate } from './types.ts';

// An identifier right after an account-ish word: "account number 12345678", "member #A-55512",
// "routing no. 021000021". At least five digits, so "account 2" or "rewards member since 2019" pass.
const ACCOUNT_CUE =
  /\b(?:account|acct|a\/c|member(?:ship)?|customer|loyalty|rewards|routing|sort code|bank)\s*(?:number|no\.?|num\.?|id|#)?\s*(?:is\s*)?[:#]?\s*((?:[A-Za-z]{1,3}-?)?\d[\d -]{3,24}\d)(?![\w-])/gi;

// A long digit run (9-34 digits, optionally grouped) that no other rule explained. Support text has
// no reason to carry one except an identifier: bank account, customer or tracking number.
const LONG_RUN = /(?<!\d|\d[ -])\d(?:[ -]?\d){8,33}(?![ -]?\d)/g;

const SSN_SHAPED = /(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])/g;

// Product codes are long digit runs too, and say nothing about a person.
const PRODUCT_CODE_BEFORE = /\b(?:sku|upc|ean|isbn|gtin|model|part|item)\s*(?:number|no\.?|#)?\s*[:#]?\s*$/i;

export function findAccountsByCue(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of text.matchAll(ACCOUNT_CUE)) {
    const id = match[1]!;
    if ((id.match(/\d/g)?.length ?? 0) < 5) continue;
    // A year ("member since 2019") or a date is not an account number.
    if (/^(?:19|20)\d{2}$/.test(id)) continue;
    const start = match.index + match[0].length - id.length;
    found.push({ type: 'ACCOUNT', start, end: start + id.length, rule: 'cue:account' });
  }
  return found;
}

export function findLongDigitRuns(text: string): Candidate[] {
  const found: Candidate[] = [];
  // A US social security number: the one shape with a two-digit group worth catching.
  for (const match of text.matchAll(SSN_SHAPED)) {
    found.push({ type: 'ACCOUNT', start: match.index, end: match.index + match[0].length, rule: 'ssn-shaped' });
  }
  for (const match of text.matchAll(LONG_RUN)) {
    // ZIP+4 is a postcode, not an identifier.
    if (/^\d{5}-\d{4}$/.test(match[0])) continue;
    // Identifiers are grouped in threes or fours; "2025-03-14 10" is a date and an hour.
    if (match[0].split(/[ -]/).slice(0, -1).some((group) => group.length < 3)) continue;
    if (PRODUCT_CODE_BEFORE.test(text.slice(Math.max(0, match.index - 24), match.index))) continue;
    found.push({ type: 'ACCOUNT', start: match.index, end: match.index + match[0].length, rule: 'long-digit-run' });
  }
  return found;
}
