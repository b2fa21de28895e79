import { isLuhnValid } from './luhn.ts';
import type { Candidate } from './types.ts';

// 13-19 digits, optionally grouped by single spaces or dashes, not part of a longer digit run
// and not after '+' (an international phone number). Runs up to 40 digits are read so that a
// stray number next to a card ("4111 1111 1111 1111 2 items") cannot hide it.
const CARD_LIKE = /(?<![\d+]|\d[ -])\d(?:[ -]?\d){12,39}(?![ -]?\d)/g;

interface Group {
  start: number;
  end: number;
}

/**
 * Luhn-valid runs are CARD. A Luhn-invalid run of 15 or 16 digits is redacted as ACCOUNT: it is
 * usually a card number with one digit mistyped (the sample logs plant those on purpose), which
 * still gives away fifteen real digits of a card; nothing a support answer needs is lost by hiding
 * it. Other invalid lengths fall through to the account rule for long digit runs.
 */
export function findCards(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of text.matchAll(CARD_LIKE)) {
    const groups: Group[] = [...match[0].matchAll(/\d+/g)].map((group) => ({ start: match.index + group.index, end: match.index + group.index + group[0].length }));
    const ranges: Array<{ first: number; last: number; digits: string }> = [];
    for (let first = 0; first < groups.length; first++) {
      let digits = '';
      for (let last = first; last < groups.length && digits.length < 19; last++) {
        digits += text.slice(groups[last]!.start, groups[last]!.end);
        if (digits.length >= 13 && digits.length <= 19) ranges.push({ first, last, digits });
      }
    }
    // Longest first, so a 16-digit card wins over a 13-digit prefix that happens to pass Luhn too.
    ranges.sort((a, b) => b.digits.length - a.digits.length || a.first - b.first);
    const taken: Group[] = [];
    const free = (span: Group): boolean => taken.every((other) => span.end <= other.start || other.end <= span.start);
    for (const kind of ['CARD', 'ACCOUNT'] as const) {
      for (const { first, last, digits } of ranges) {
        const span = { start: groups[first]!.start, end: groups[last]!.end };
        if (!free(span)) continue;
        const fits = kind === 'CARD' ? isLuhnValid(digits) : digits.length === 15 || digits.length === 16;
        if (!fits) continue;
        taken.push(span);
        found.push({ type: kind, ...span, rule: kind === 'CARD' ? 'luhn' : 'card-shaped-luhn-invalid' });
      }
    }
  }
  return found;
}
