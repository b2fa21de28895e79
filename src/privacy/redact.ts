import { findAccountsByCue, findLongDigitRuns } from './account.ts';
import { findAddresses } from './address.ts';
import { findCards } from './card.ts';
import { findEmails } from './email.ts';
import { findIbans } from './iban.ts';
import { findNames } from './name.ts';
import { DEFAULT_ORDER_PATTERNS, findOrders } from './order.ts';
import { findPhones } from './phone.ts';
import { PII_TYPES } from './types.ts';
import type { Candidate, PiiFinding, PiiType, RedactOptions, RedactResult } from './types.ts';

type Detector = (text: string, options: RedactOptions) => Candidate[];

// Order is precedence: a span claimed by an earlier detector wins over any overlapping later one.
// Emails first (they hold digits and names), IBANs, order numbers (the company's format, or digits
// right after "order"/"purchase": "purchase 113542617735902" is an order even if it passes Luhn),
// cards, cued account numbers, phones, street addresses, whatever long digit run is left, names last.
const DETECTORS: readonly Detector[] = [
  (text) => findEmails(text),
  (text) => findIbans(text),
  (text, options) => findOrders(text, options.orderPatterns ?? DEFAULT_ORDER_PATTERNS),
  (text) => findCards(text),
  (text) => findAccountsByCue(text),
  (text, options) => findPhones(text, options.phoneCountries ?? ['US']),
  (text) => findAddresses(text),
  (text) => findLongDigitRuns(text),
  (text, options) => findNames(text, options.extraNames ?? []),
];

export interface Redactor {
  redact(text: string): RedactResult;
}

/**
 * A redactor keeps its numbering across calls, so one query's text, its answers and its reference
 * call the same email [EMAIL_1] everywhere (with `numbered`). Use one per query, not per run: the
 * numbering map holds the values it has seen.
 */
export function createRedactor(options: RedactOptions = {}): Redactor {
  const types = new Set<PiiType>(options.types ?? PII_TYPES);
  const allowed = allowMatcher(options.allow ?? []);
  const numbers = new Map<string, string>();
  const counters = new Map<PiiType, number>();
  const placeholderFor = (type: PiiType, value: string): string => {
    if (!options.numbered) return `[${type}]`;
    const key = `${type}\u0000${normalise(value)}`;
    let placeholder = numbers.get(key);
    if (placeholder === undefined) {
      const next = (counters.get(type) ?? 0) + 1;
      counters.set(type, next);
      placeholder = `[${type}_${next}]`;
      numbers.set(key, placeholder);
    }
    return placeholder;
  };

  const detectionKey = detectionKeyOf(options);
  return {
    redact(text) {
      const kept = detectSpans(text, options, detectionKey)
        .filter((candidate) => types.has(candidate.type) && !allowed(text.slice(candidate.start, candidate.end)))
        .sort((a, b) => a.start - b.start);
      let output = '';
      let position = 0;
      const findings: PiiFinding[] = [];
      for (const candidate of kept) {
        const placeholder = placeholderFor(candidate.type, text.slice(candidate.start, candidate.end));
        output += text.slice(position, candidate.start) + placeholder;
        position = candidate.end;
        findings.push({ ...candidate, placeholder });
      }
      return { text: output + text.slice(position), findings };
    },
  };
}

/**
 * What the detectors claim in a text (before the types and allow-list filters): a pure function of
 * the text and the options that steer detection. The same text is detected more than once: a
 * customer message by the sensitivity rules and again for an external endpoint, a deployment's
 * logged system prompt for every request. Detection results are kept per options, bounded by
 * characters held (the cache is cleared when full: no per-entry bookkeeping on the hot path).
 */
function detectSpans(text: string, options: RedactOptions, key: string): readonly Candidate[] {
  let cache = detections.get(key);
  if (cache === undefined) {
    cache = new Map();
    detections.set(key, cache);
  }
  let claimed = cache.get(text);
  if (claimed !== undefined) return claimed;
  const found: Candidate[] = [];
  for (const detect of DETECTORS) {
    for (const candidate of detect(text, options)) {
      if (candidate.end <= candidate.start) continue;
      if (found.some((other) => candidate.start < other.end && other.start < candidate.end)) continue;
      found.push(candidate);
    }
  }
  claimed = found;
  if (text.length <= DETECTION_CACHE_CHARS / 16) {
    cachedChars += text.length;
    if (cachedChars > DETECTION_CACHE_CHARS) {
      for (const map of detections.values()) map.clear();
      cachedChars = text.length;
    }
    cache.set(text, claimed);
  }
  return claimed;
}

/** About 8 MB of text (UTF-16) held as cache keys at most. */
const DETECTION_CACHE_CHARS = 4_000_000;
const detections = new Map<string, Map<string, readonly Candidate[]>>();
let cachedChars = 0;

/** The options detection depends on, as a key (types, allow and numbering only filter or label its spans). */
function detectionKeyOf(options: RedactOptions): string {
  return JSON.stringify([
    options.phoneCountries ?? ['US'],
    (options.orderPatterns ?? DEFAULT_ORDER_PATTERNS).map((pattern) => `${pattern.source}/${pattern.flags}`),
    options.extraNames ?? [],
  ]);
}

/** PII replaced by placeholders ([EMAIL], [PHONE], [CARD], [IBAN], [ORDER], [ACCOUNT], [ADDRESS], [NAME]). */
export function redact(text: string, options: RedactOptions = {}): RedactResult {
  return createRedactor(options).redact(text);
}

/** Counts of findings by type, e.g. for a privacy row: { EMAIL: 1, PHONE: 2 }. */
export function countFindings(findings: readonly PiiFinding[]): Partial<Record<PiiType, number>> {
  const counts: Partial<Record<PiiType, number>> = {};
  for (const finding of findings) counts[finding.type] = (counts[finding.type] ?? 0) + 1;
  return counts;
}

// Compares values ignoring case and punctuation, and a US leading 1: "1-800-555-0199" allows "(800) 555 0199".
function normalise(value: string): string {
  const key = value.toLowerCase().replace(/[^a-z0-9@]/g, '');
  return /^1\d{10}$/.test(key) ? key.slice(1) : key;
}

function allowMatcher(allow: readonly string[]): (value: string) => boolean {
  const exact = new Set(allow.filter((entry) => !entry.startsWith('@')).map(normalise));
  const domains = allow.filter((entry) => entry.startsWith('@')).map((entry) => entry.toLowerCase());
  return (value) => exact.has(normalise(value)) || domains.some((domain) => value.toLowerCase().endsWith(domain));
}
