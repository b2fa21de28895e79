// The labelled PII set for the redaction tests (test support, not used at run time).
// Three parts: (A) queries from the dataset generator, labelled by the exact formats its PII
// functions produce (src/datasets/pii.ts, noise.ts); (B) carrier sentences filled with values in
// many more formats, labelled by construction; (C) hand-written hard cases, among them near-misses
// that must stay as they are.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { composeIBAN } from 'ibantools';
import { FIRST_NAMES as GENERATOR_FIRST_NAMES, LAST_NAMES } from '../datasets/company.ts';
import { generateQueries } from '../datasets/generate.ts';
import { cardNumber, emailAddress, isLuhnValid, luhnCheckDigit, orderId, phoneNumber, streetAddress } from '../datasets/pii.ts';
import { createRandom } from '../datasets/random.ts';
import type { Random } from '../datasets/random.ts';
import type { PiiType } from './types.ts';

export interface LabelledSpan {
  type: PiiType;
  start: number;
  end: number;
}

export interface LabelledText {
  source: 'generator' | 'constructed' | 'hand' | 'bitext';
  text: string;
  spans: LabelledSpan[];
}

// ---- (A) generator queries, labelled by format ----------------------------------------------

const GENERATOR_FORMATS: Array<{ type: PiiType | 'CARD_LIKE'; pattern: RegExp }> = [
  { type: 'EMAIL', pattern: /[a-z0-9._]+@(?:example\.(?:com|net|org)|mail\.example|inbox\.example)/gi },
  { type: 'ORDER', pattern: /NW-\d{6}/gi },
  { type: 'PHONE', pattern: /\(\d{3}\) 555-01\d\d|\+1 \d{3} 555 01\d\d|\d{3}-555-01\d\d|\d{3}\.555\.01\d\d|\d{3}55501\d\d/g },
  { type: 'CARD_LIKE', pattern: /\b\d{4}([ -]?)\d{4}\1\d{4}\1\d{4}\b/g },
  // Street words may carry the generator's typos ("lakkeview drive").
  { type: 'ADDRESS', pattern: /\b\d{2,4} [a-z]+ (?:avenue|street|lane|road|drive|court|way)\b/gi },
];
const GENERATOR_SIGN_OFF = /(?:Thanks|Kind regards|Best|Regards|Thank you|Many thanks|Sincerely),\n([A-Z][a-z]+)$/;

export function generatorSet(n: number, seed: number): LabelledText[] {
  const items: LabelledText[] = [];
  for (const query of generateQueries({ n, seed })) {
    const text = query.query;
    const spans: LabelledSpan[] = [];
    for (const { type, pattern } of GENERATOR_FORMATS) {
      for (const match of text.matchAll(pattern)) {
        const span = { start: match.index, end: match.index + match[0].length };
        if (spans.some((other) => span.start < other.end && other.start < span.end)) continue;
        // The generator plants mistyped cards too: only Luhn-valid ones are cards.
        const labelled: PiiType = type === 'CARD_LIKE' ? (isLuhnValid(match[0]) ? 'CARD' : 'ACCOUNT') : type;
        spans.push({ type: labelled, ...span });
      }
    }
    const signOff = GENERATOR_SIGN_OFF.exec(text);
    if (signOff) spans.push({ type: 'NAME', start: text.length - signOff[1]!.length, end: text.length });
    items.push({ source: 'generator', text, spans });
  }
  return items;
}

// ---- (B) constructed: carrier sentences x value formats ------------------------------------

/** Builds a text from parts; a part given as [type, value] is labelled. */
function build(source: LabelledText['source'], ...parts: Array<string | [PiiType, string]>): LabelledText {
  let text = '';
  const spans: LabelledSpan[] = [];
  for (const part of parts) {
    if (typeof part === 'string') text += part;
    else {
      spans.push({ type: part[0], start: text.length, end: text.length + part[1].length });
      text += part[1];
    }
  }
  return { source, text, spans };
}

const INTERNATIONAL_PHONES = [
  '+44 20 7946 0958', '+44 7911 123456', '+49 30 12345678', '+33 1 23 45 67 89', '+91 98765 43210', '+61 2 9876 5432',
  '+81 3-1234-5678', '+52 55 1234 5678', '+353 1 234 5678', '+31 6 12345678', '+34 612 34 56 78', '+39 06 1234 5678',
  '+1-206-555-0100', '+1 (415) 555-0123', '+15125550142', '0044 20 7946 0958', '+86 138 0013 8000', '+27 21 123 4567',
];

// Assigned area codes, and a few overlays newer than some phone metadata.
const AREA_CODES = ['201', '212', '213', '305', '312', '404', '415', '503', '512', '617', '646', '702', '713', '720', '786', '808', '917', '971', '279', '332', '463', '564', '726', '943'];

function usPhone(random: Random): string {
  const area = random.pick(AREA_CODES);
  const exchange = String(random.int(200, 989));
  const line = String(random.int(0, 9999)).padStart(4, '0');
  return random.pick([
    `(${area}) ${exchange}-${line}`, `${area}-${exchange}-${line}`, `${area}.${exchange}.${line}`, `${area} ${exchange} ${line}`,
    `${area}${exchange}${line}`, `1-${area}-${exchange}-${line}`, `+1 ${area} ${exchange} ${line}`, `(${area})${exchange}-${line}`,
  ]);
}

function luhnCard(random: Random, prefix: string, length: number): string {
  let payload = prefix;
  while (payload.length < length - 1) payload += String(random.int(0, 9));
  return payload + String(luhnCheckDigit(payload));
}

function formattedCard(random: Random): string {
  const kind = random.pick(['visa16', 'mc16', 'amex', 'discover', 'visa13', 'visa19'] as const);
  switch (kind) {
    case 'amex': {
      const digits = luhnCard(random, random.pick(['34', '37']), 15);
      return random.pick([`${digits.slice(0, 4)} ${digits.slice(4, 10)} ${digits.slice(10)}`, `${digits.slice(0, 4)}-${digits.slice(4, 10)}-${digits.slice(10)}`, digits]);
    }
    case 'visa13':
      return luhnCard(random, '4', 13);
    case 'visa19': {
      const digits = luhnCard(random, '4', 19);
      return random.pick([digits, `${digits.slice(0, 4)} ${digits.slice(4, 8)} ${digits.slice(8, 12)} ${digits.slice(12, 16)} ${digits.slice(16)}`]);
    }
    default: {
      const digits = luhnCard(random, kind === 'visa16' ? '4' : kind === 'mc16' ? random.pick(['51', '55', '2221']) : '6011', 16);
      const groups = digits.match(/.{4}/g)!;
      return random.pick([groups.join(' '), groups.join('-'), digits]);
    }
  }
}

const IBAN_BBANS: Array<[string, () => string]> = [
  ['DE', () => '370400440532013000'],
  ['GB', () => 'NWBK60161331926819'],
  ['FR', () => '20041010050500013M02606'],
  ['NL', () => 'ABNA0417164300'],
  ['ES', () => '21000418450200051332'],
  ['IT', () => 'X0542811101000000123456'],
];

function iban(random: Random): string {
  const [countryCode, bban] = random.pick(IBAN_BBANS);
  const compact = composeIBAN({ countryCode, bban: bban() })!;
  return random.pick([compact, compact.replace(/(.{4})/g, '$1 ').trim(), compact.toLowerCase().replace(/(.{4})/g, '$1 ').trim()]);
}

const OTHER_NAMES = ['Ingrid', 'Rohan', 'Tamara', 'Yusuf', 'Beatriz', 'Olga', 'Chidi', 'Noor', 'Felix', 'Astrid', 'Hiroshi', 'Valentina'];

function email(random: Random): string {
  return random.pick([
    () => emailAddress(random),
    () => `${random.pick(OTHER_NAMES).toLowerCase()}+orders@gmail.com`,
    () => `${random.pick(LAST_NAMES)}.${random.int(1, 999)}@Mail.Company.co.uk`,
    () => `J.${random.pick(LAST_NAMES)}@outlook.com`.toUpperCase(),
    () => `${random.pick(OTHER_NAMES).toLowerCase()}_${random.int(1, 99)}@uni-example.edu`,
  ])();
}

export function constructedSet(n: number, seed: number): LabelledText[] {
  const random = createRandom(seed);
  const items: LabelledText[] = [];
  const makers: Array<() => LabelledText> = [
    () => build('constructed', random.pick(['my email is ', 'reach me at ', 'Email: ', 'send it to ', 'account under ']), ['EMAIL', email(random)], random.pick(['.', ' thanks', '', ', please'])),
    () => build('constructed', random.pick(['call me on ', 'my number is ', 'phone: ', 'you can text ', 'Reach me at ']), ['PHONE', usPhone(random)], random.pick(['.', ' after 5pm', '', ' (mobile)'])),
    () => build('constructed', 'Order arrived broken, ', random.pick(['my cell is ', 'ring me at ', 'phone ']), ['PHONE', phoneNumber(random)], '. Thanks'),
    () => build('constructed', random.pick(['I live abroad, my number is ', 'WhatsApp: ', 'call ', 'or try ']), ['PHONE', random.pick(INTERNATIONAL_PHONES)], random.pick(['.', '', ' any time'])),
    () => build('constructed', 'is my delivery on time? ', ['PHONE', usPhone(random)], ' is the best number'),
    () => build('constructed', random.pick(['my card is ', 'card number ', 'charge it to ', 'I paid with ']), ['CARD', formattedCard(random)], random.pick(['.', ' exp 04/27', '', ' please'])),
    () => build('constructed', 'two charges on ', ['CARD', formattedCard(random)], ' for order ', ['ORDER', orderId(random)]),
    () => {
      const card = cardNumber(random, 0);
      return build('constructed', 'my card ', [isLuhnValid(card) ? 'CARD' : 'ACCOUNT', card], ' was declined');
    },
    () => build('constructed', random.pick(['refund to IBAN ', 'my iban is ', 'bank: ', 'IBAN: ']), ['IBAN', iban(random)], random.pick(['.', ' please', '', ' (Sparkasse)'])),
    () => build('constructed', random.pick(['order ', 'ORDER ', 'order #', 'ref ', 'Order no. ']), ['ORDER', random.chance(0.3) ? orderId(random).toLowerCase() : orderId(random)], ' never came'),
    () => build('constructed', random.pick(['account number ', 'acct # ', 'rewards member ', 'customer number: ']), ['ACCOUNT', String(random.int(10_000_000, 99_999_999))], '. can you check?'),
    () => build('constructed', random.pick(['my name is ', 'My name is ', 'this is ', 'This is ', "I'm "]), ['NAME', random.pick(GENERATOR_FIRST_NAMES.filter((name) => name !== 'Grace'))], random.pick([' and my order is late', ', order status?', '.', ' from Denver'])),
    () => build('constructed', 'Where is my sofa?\n\n', random.pick(['Thanks,\n', 'Kind regards,\n', 'Cheers, ', 'Best regards,\n', 'thanks, ']), ['NAME', `${random.pick(OTHER_NAMES)} ${random.pick(LAST_NAMES)}`]),
    () => build('constructed', 'please send it to ', ['ADDRESS', streetAddress(random)], random.pick(['.', ' instead', ', Apt 4', ''])),
    () => build('constructed', 'Hi, this is ', ['NAME', random.pick(OTHER_NAMES)], '. My email is ', ['EMAIL', email(random)], ' and phone ', ['PHONE', usPhone(random)], '.'),
  ];
  for (let index = 0; index < n; index++) items.push(random.pick(makers)());
  return items;
}

// ---- (C) hand-written ------------------------------------------------------------------------

/** Texts that hold no PII: every finding in them is a false positive. */
export const NEAR_MISSES: readonly string[] = [
  'The sofa is $1,299.00 and the chair $349.99, total $1,648.99.',
  'I ordered 2 chairs and 3 lamps on March 14, 2025 at 10:30 am.',
  'Delivery window 9:00-13:00 on 2025-03-14, or 03/14/2025.',
  'My zip code is 97209 and the ZIP+4 is 97209-1234.',
  'Is the XR-2000 model compatible with the Brew 3000?',
  'SKU 4006381333931 is out of stock; UPC 036000291452 too.',
  'Order quantity: 12. Price per unit 19.99. Discount 15%.',
  'Call center hours are 8am-8pm, 7 days a week.',
  'The table is 180 x 90 x 75 cm and weighs 42 kg.',
  'Version 2.14.3 of the app crashes on iOS 17.4.1.',
  'Use code SPRING20 for 20% off orders over $100.',
  'It was delivered on 12/05 at 3:45pm, about 4 weeks ago.',
  'Is there a showroom in Austin or Charlotte? Will it ship to Georgia?',
  'This is the third time I am asking. Grace period for returns?',
  'My card ending 4242 was charged twice.',
  'I bought it in 2019 and the warranty is 5 years.',
  'Item 3 of 4 is missing from the box.',
  'Your agent promised a callback by May 3.',
  'Can I return a rug I bought 8 months ago for $249.00?',
  'Room 1204, floor 12, building 3.',
  'Thanks in advance!',
  'Dear Sir or Madam,\n\nwhere is my parcel?\n\nKind regards',
  'hello Nearest store to Seattle?',
  'The lamp model LMN-4410-B overheated.',
  'Our invoice total was 1,250.50 EUR.',
  'Sizes 10-12 are sold out; 8-10 too.',
  'Is there a store in San Diego or St. Louis?',
  'Member since 2018, rewards tier 3.',
  'Press 1, then 2, then 3 to reach billing.',
  'Tracking says 3 of 3 boxes delivered at 14:05.',
];

/** Hard positives: unusual formats and contexts. */
export function hardPositives(): LabelledText[] {
  return [
    build('hand', 'pls call ', ['PHONE', '(503)555-0123'], ' or ', ['PHONE', '503.555.0188']),
    build('hand', 'numbers: ', ['PHONE', '+1 512 555 0142'], ', ', ['PHONE', '3125550177'], '.'),
    build('hand', 'qty 2 ', ['PHONE', '503-555-0123'], ' is my phone'),
    build('hand', 'tel:', ['PHONE', '+442079460958']),
    build('hand', 'call me on ', ['PHONE', '555-0123'], ' after six'),
    build('hand', 'card ', ['CARD', '4111-1111-1111-1111'], ', other card ', ['ACCOUNT', '4111 1111 1111 1112']),
    build('hand', 'amex ', ['CARD', '3782 822463 10005'], ' exp 09/26'),
    build('hand', ['EMAIL', 'MARIA.GARCIA@EXAMPLE.COM'], ' is my email'),
    build('hand', 'email ', ['EMAIL', 'priya (at) example (dot) com'], ' please'),
    build('hand', 'my address is ', ['ADDRESS', '1420 Larimer Street'], ', ', ['NAME', 'Tom'], ' here'),
    build('hand', 'IBAN ', ['IBAN', 'DE89 3704 0044 0532 0130 00'], ', typo version ', ['ACCOUNT', 'DE88 3704 0044 0532 0130 00']),
    build('hand', 'Sincerely,\n', ['NAME', 'Hannah Okafor']),
    build('hand', 'Mr. ', ['NAME', 'Kowalski'], ' asked about ', ['ORDER', 'nw-004211']),
    build('hand', 'my name is ', ['NAME', 'carlos lopez'], ' and i need help'),
    build('hand', 'Account number: ', ['ACCOUNT', '000123456789'], ', routing ', ['ACCOUNT', '021000021']),
    build('hand', 'bank account ', ['ACCOUNT', '9876543210123'], ' for the refund'),
    build('hand', 'Hi ', ['NAME', 'Sam'], ', any update on ', ['ORDER', 'NW-552310'], '?'),
    build('hand', 'ORDER NUMBER ', ['ORDER', '774211'], ' IS LATE'),
  ];
}

/**
 * Known limits, measured with the rest so the figures stay honest: PII the rules miss (a lower-case
 * name with no cue, an ambiguous name, a national number of another country, a spelled-out email, a
 * seven-digit number with no phone word) and harmless text they redact (a product named like a
 * person, a bare ten-digit tracking or invoice number).
 */
export function knownLimits(): LabelledText[] {
  return [
    build('hand', 'ask ', ['NAME', 'maria'], ' about my order'),
    build('hand', ['NAME', 'Grace'], ' from your team called me'),
    build('hand', 'The parcel for ', ['NAME', 'Jordan Ellis'], ' is late'),
    build('hand', 'my landline is ', ['PHONE', '020 7946 0958']),
    build('hand', 'write to ', ['EMAIL', 'maria at example dot com']),
    build('hand', 'try ', ['PHONE', '555-0123'], ' after six'),
    build('hand', 'I love the Sophia accent chair'),
    build('hand', 'tracking 9400111899 has not moved'),
    build('hand', 'serial 2025031412 is on the box'),
  ];
}

// ---- (D) real utterances: the Bitext sample's own entity annotations ------------------------

const BITEXT_TYPES: Readonly<Record<string, PiiType>> = { order_id: 'ORDER', invoice_id: 'ORDER', person_name: 'NAME' };

/**
 * Every distinct utterance of ../shared/data/bitext, labelled from its entity columns: order and
 * invoice ids, person names. Its other entities (refund amounts, cities, countries, account types)
 * and unannotated utterances are near-misses. undefined when the data is absent.
 */
export function bitextSet(directory: string): LabelledText[] | undefined {
  const files = ['responses-detailed.csv', 'responses-terse.csv'].map((file) => join(directory, file));
  if (!files.every((file) => existsSync(file))) return undefined;
  const seen = new Map<string, LabelledText>();
  for (const file of files) {
    const rows = parse(readFileSync(file), { columns: true, skip_empty_lines: true }) as Array<Record<string, string>>;
    for (const row of rows) {
      const text = row.instruction ?? '';
      if (seen.has(text)) continue;
      const type = BITEXT_TYPES[row.entity_type ?? ''];
      const value = row.entity_value ?? '';
      const spans: LabelledSpan[] = [];
      if (type !== undefined && value !== '') {
        // The offsets are off in about one row in eight; the value itself is reliable.
        const start = text.slice(Number(row.start_offset), Number(row.end_offset)) === value ? Number(row.start_offset) : text.indexOf(value);
        if (start >= 0) spans.push({ type, start, end: start + value.length });
      }
      seen.set(text, { source: 'bitext', text, spans });
    }
  }
  return [...seen.values()];
}

// ---- scoring -------------------------------------------------------------------------------

export interface FoundSpan {
  type: PiiType;
  start: number;
  end: number;
}

export interface TypeScore {
  labelled: number;
  recalled: number;
  /** Labelled spans covered by a finding of any type: what did not leak. */
  redacted: number;
  found: number;
  correct: number;
  recall: number | undefined;
  precision: number | undefined;
}

export interface Miss {
  type: PiiType;
  text: string;
  value: string;
}

function covered(text: string, span: LabelledSpan, findings: readonly FoundSpan[], sameType: boolean): boolean {
  for (let index = span.start; index < span.end; index++) {
    if (/\s/.test(text[index]!)) continue;
    if (!findings.some((found) => (!sameType || found.type === span.type) && found.start <= index && index < found.end)) return false;
  }
  return true;
}

/**
 * Recall: labelled spans whose every non-space character lies inside a finding of the same type.
 * Precision: findings that overlap a labelled span of their type.
 */
export function score(items: readonly LabelledText[], find: (text: string) => readonly FoundSpan[]): { byType: Map<PiiType, TypeScore>; misses: Miss[]; falsePositives: Miss[] } {
  const byType = new Map<PiiType, TypeScore>();
  const entry = (type: PiiType): TypeScore => {
    let existing = byType.get(type);
    if (!existing) byType.set(type, (existing = { labelled: 0, recalled: 0, redacted: 0, found: 0, correct: 0, recall: undefined, precision: undefined }));
    return existing;
  };
  const misses: Miss[] = [];
  const falsePositives: Miss[] = [];
  for (const item of items) {
    const findings = find(item.text);
    for (const span of item.spans) {
      const row = entry(span.type);
      row.labelled++;
      if (covered(item.text, span, findings, true)) row.recalled++;
      else misses.push({ type: span.type, text: item.text, value: item.text.slice(span.start, span.end) });
      if (covered(item.text, span, findings, false)) row.redacted++;
    }
    for (const found of findings) {
      const row = entry(found.type);
      row.found++;
      if (item.spans.some((span) => span.type === found.type && found.start < span.end && span.start < found.end)) row.correct++;
      else falsePositives.push({ type: found.type, text: item.text, value: item.text.slice(found.start, found.end) });
    }
  }
  for (const row of byType.values()) {
    row.recall = row.labelled === 0 ? undefined : row.recalled / row.labelled;
    row.precision = row.found === 0 ? undefined : row.correct / row.found;
  }
  return { byType, misses, falsePositives };
}
