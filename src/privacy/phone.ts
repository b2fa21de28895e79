import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js';
import type { Candidate } from './types.ts';

// libphonenumber-js validates a number for its country (lengths, leading digits). Finding numbers
// in text is done here: its findNumbers() merged "+1 512 555 0142, 3125550177" into one span that
// ended inside the second number, leaving a digit in clear.
//
// A candidate is a run of digits and phone separators (space, dot, dash, parentheses), maybe led by
// '+'; not inside a word, an email, a price ($1,299.00) or a date written with slashes.
const CANDIDATE = /(?<![\w@$€£¥.,/+-])(?:\+\s?|\(\s?)?\d(?:[\d \t().-]*\d)?\)?(?![\w@%]|[.,/:]\d)/g;
const GROUP = /\d+/g;

// Words that say a number is a phone number, within a few words before it.
const PHONE_CUE = /\b(?:phone|tel|telephone|mobile|cell|call|ring|text|sms|whatsapp|reach|contact|number|fax)\b[^.\n\d]{0,20}$/i;

// Shapes of dates and times written with dashes or dots (slashes never reach here).
const DATE_SHAPED = /^(?:\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.](?:\d{4}|\d{2}))$/;

const NANP_SHAPED = /^(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}$/;

interface Group {
  start: number;
  end: number;
}

export function findPhones(text: string, countries: readonly string[] = ['US']): Candidate[] {
  const found: Candidate[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const run = match[0];
    const base = match.index;
    const groups: Group[] = [...run.matchAll(GROUP)].map((group) => ({ start: base + group.index, end: base + group.index + group[0].length }));
    const cued = PHONE_CUE.test(text.slice(Math.max(0, base - 40), base));
    // Longest valid span first, from each starting group, so "qty 2 503-555-0123" keeps the phone.
    for (let first = 0; first < groups.length; ) {
      let accepted = false;
      for (let last = groups.length - 1; last >= first; last--) {
        const span = spanOf(text, groups[first]!, groups[last]!);
        if (isPhone(text.slice(span.start, span.end), countries, cued)) {
          found.push({ type: 'PHONE', ...span, rule: cued ? 'phone+cue' : 'phone' });
          first = last + 1;
          accepted = true;
          break;
        }
      }
      if (!accepted) first++;
    }
  }
  return found;
}

/** Widens a digit-group range to take a leading '+', or the '(' of an area code closed right after it. */
function spanOf(text: string, first: Group, last: Group): Group {
  let start = first.start;
  const areaCodeClosed = text[first.end] === ')' && last !== first;
  if (text[start - 1] === '+') start--;
  else if (text[start - 1] === ' ' && text[start - 2] === '+') start -= 2;
  else if (areaCodeClosed && text[start - 1] === '(') start--;
  else if (areaCodeClosed && text[start - 1] === ' ' && text[start - 2] === '(') start -= 2;
  return { start, end: last.end };
}

function isPhone(candidate: string, countries: readonly string[], cued: boolean): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return false;
  // One separator between groups; "(503) 555" is the only place a parenthesis and a space meet.
  if (/[ \t.-]{2,}/.test(candidate.replace(/\)\s/g, ')').replace(/\s\(/g, '('))) return false;
  const opens = candidate.split('(').length - 1;
  if (opens > 1 || opens !== candidate.split(')').length - 1) return false;
  if (DATE_SHAPED.test(candidate)) return false;
  if (candidate.startsWith('+')) return parsed(candidate, undefined).possible;
  if (candidate.startsWith('00') && digits.length >= 9) return parsed(`+${digits.slice(2)}`, undefined).possible;
  // A North American number written the way people write one ("(624) 429-9671", "624.429.9671")
  // is a phone even when its area code is missing from libphonenumber's metadata (new overlays).
  if (countries.includes('US') && NANP_SHAPED.test(candidate)) return true;
  for (const country of countries) {
    const facts = parsed(candidate, country);
    if (facts.valid) return true;
    if (cued && facts.possible) return true;
  }
  // "call me on 555-0123": a seven-digit local number, only where the text says it is a phone.
  return cued && /^\d{3}[-. ]\d{4}$/.test(candidate);
}

// libphonenumber takes 10-35 µs a number (a leading 1 sends it through every NANPA region), and a
// conversation repeats its numbers: a tracking number is in the tool's result, the assistant's turn
// and the answers the judge reads, cued in one place and not in another. What it says of a number
// for a country is kept (a bounded map, cleared when full: no per-entry bookkeeping).
const PARSED_LIMIT = 8192;
const parsedNumbers = new Map<string, ParsedNumber>();

/** libphonenumber's reading of a text for a country; validity and possibility asked only when needed. */
class ParsedNumber {
  #valid: boolean | undefined;
  #possible: boolean | undefined;
  readonly number: PhoneNumber | undefined;
  constructor(number: PhoneNumber | undefined) {
    this.number = number;
  }
  get valid(): boolean {
    return (this.#valid ??= this.number?.isValid() === true);
  }
  get possible(): boolean {
    return (this.#possible ??= this.number?.isPossible() === true);
  }
}

function parsed(text: string, country: string | undefined): ParsedNumber {
  const key = `${country ?? ''}\u0000${text}`;
  let facts = parsedNumbers.get(key);
  if (facts === undefined) {
    if (parsedNumbers.size >= PARSED_LIMIT) parsedNumbers.clear();
    facts = new ParsedNumber(parsePhoneNumberFromString(text, country as CountryCode | undefined));
    parsedNumbers.set(key, facts);
  }
  return facts;
}
