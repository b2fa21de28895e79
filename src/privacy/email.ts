import type { Candidate } from './types.ts';

// Permissive on purpose (recall first): any local part, a dotted domain, a 2+ letter top-level label.
// Validators such as validator.isEmail check a whole string, not occurrences inside free text.
const EMAIL = /(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])/g;
// "maria (at) example (dot) com" and "[at]"/"[dot]": bracketed spellings only, since a bare
// " at ... dot " reads like ordinary English.
const OBFUSCATED = /(?<![\w.%+-])[\w.%+-]+\s*[([{]at[)\]}]\s*[A-Za-z0-9-]+(?:\s*(?:\.|[([{]dot[)\]}])\s*[A-Za-z0-9-]+)+/gi;
// What each pattern cannot match without. Both patterns try a match at every word of the text, and
// most texts hold neither: checked first, findEmails takes 0.3 µs instead of 2.5 µs a text of the
// generated queries and references, with the same findings.
const BRACKETED_AT = /[([{]at[)\]}]/i;

export function findEmails(text: string): Candidate[] {
  const found: Candidate[] = [];
  if (text.includes('@')) for (const match of text.matchAll(EMAIL)) found.push({ type: 'EMAIL', start: match.index, end: match.index + match[0].length, rule: 'email' });
  if (BRACKETED_AT.test(text)) for (const match of text.matchAll(OBFUSCATED)) found.push({ type: 'EMAIL', start: match.index, end: match.index + match[0].length, rule: 'email-obfuscated' });
  return found;
}
