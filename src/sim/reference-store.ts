import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { InputError } from '../core/errors.ts';
import type { Tier } from '../core/tier.ts';
import { isTier } from '../core/tier.ts';
import type { KnownReference } from './answer.ts';
import { normaliseQuery } from './answer.ts';
import { redact } from '../privacy/redact.ts';
import { parseChatRequest } from '../ingest/chat-request.ts';
import { referenceKeyFor } from './conversation.ts';

export interface ReferenceEntry {
  query: string;
  reference: string;
  tier?: Tier;
}

export interface ReferenceStore {
  add(entry: ReferenceEntry): void;
  lookup(query: string): KnownReference | undefined;
  readonly size: number;
}

// Placeholders a redactor may leave ("[EMAIL]", "<PHONE_1>", "{{CARD}}") and the PII they replaced,
// so a redacted query still finds the reference of the original one.
const PII_AND_PLACEHOLDERS = [
  /\[[^\]\n]{1,40}\]/g,
  /<[^>\n]{1,40}>/g,
  /\{\{[^}\n]{1,40}\}\}/g,
  /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g,
  /\bNW-\d+\b/gi,
  /\+?\d[\d\s().-]{6,}\d/g,
];

/** A second, looser key: PII and redaction placeholders removed, only letters kept. */
export function looseKey(query: string): string {
  return strippedText(query).replace(/[^a-z]+/g, ' ').trim();
}

/** The loose key with the digits redaction leaves (amounts, dates) kept: tells apart two customers' turns of one template. */
export function looseKeyWithDigits(query: string): string {
  return strippedText(query).replace(/[^a-z0-9]+/g, ' ').trim();
}

function strippedText(query: string): string {
  // The replay redacts with src/privacy; the same redaction on both sides makes the keys meet.
  let text = redact(query).text;
  for (const pattern of PII_AND_PLACEHOLDERS) text = text.replace(pattern, ' ');
  return text.toLowerCase();
}

const LOOKUP_MEMO_LIMIT = 4096;

export function createReferenceStore(): ReferenceStore {
  const exact = new Map<string, KnownReference>();
  const withDigits = new Map<string, KnownReference>();
  // A letters-only key that several references share is ambiguous (null): conversations built from
  // one template differ only in their numbers, and answering one customer with another's order
  // (what a first-come entry did) is worse than not knowing.
  const loose = new Map<string, KnownReference | null>();
  // A request is looked up by each of its calls (candidate and baseline ask the same conversation),
  // and each lookup redacts it: answers kept until the store changes (bounded, cleared when full).
  const found = new Map<string, KnownReference | null>();
  return {
    add(entry) {
      found.clear();
      const known: KnownReference = { reference: entry.reference, tier: entry.tier };
      exact.set(normaliseQuery(entry.query), known);
      const digitsKey = looseKeyWithDigits(entry.query);
      if (digitsKey.length > 0 && !withDigits.has(digitsKey)) withDigits.set(digitsKey, known);
      const key = looseKey(entry.query);
      const current = loose.get(key);
      if (key.length > 0 && current === undefined) loose.set(key, known);
      else if (current !== undefined && current !== null && current.reference !== known.reference) loose.set(key, null);
    },
    lookup(query) {
      let known = found.get(query);
      if (known === undefined) {
        if (found.size >= LOOKUP_MEMO_LIMIT) found.clear();
        known = exact.get(normaliseQuery(query)) ?? withDigits.get(looseKeyWithDigits(query)) ?? loose.get(looseKey(query)) ?? null;
        found.set(query, known);
      }
      return known ?? undefined;
    },
    get size() {
      return exact.size;
    },
  };
}

/**
 * Adds every line of a JSONL file that has string `query` and `reference` fields (and an optional
 * `tier`), and every logged chat-completions request (a body with `messages`, or a `{request}`
 * wrapper) with a `reference` beside it or under `metadata` (with `metadata.tier`), as the replay's
 * default mapping reads them: a conversation's reference is stored under its customer messages,
 * where `replay --sim` puts it. Lines without a reference are skipped, since a replayed log need not
 * carry references.
 */
export async function loadReferenceFile(path: string, store: ReferenceStore): Promise<number> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNumber = 0;
  let added = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim().length === 0) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      throw new InputError('not valid JSON', { file: path, line: lineNumber }, { cause: error });
    }
    if (typeof record !== 'object' || record === null || Array.isArray(record)) continue;
    const entry = referenceEntryOf(record as Record<string, unknown>, path, lineNumber);
    if (entry === undefined) continue;
    store.add(entry);
    added++;
  }
  return added;
}

function referenceEntryOf(record: Record<string, unknown>, file: string, line: number): ReferenceEntry | undefined {
  const metadata = typeof record['metadata'] === 'object' && record['metadata'] !== null ? (record['metadata'] as Record<string, unknown>) : {};
  const reference = record['reference'] ?? metadata['reference'];
  if (typeof reference !== 'string' || reference.trim().length === 0) return undefined;
  const tier = record['tier'] ?? metadata['tier'];
  if (typeof record['query'] === 'string') return { query: record['query'], reference, tier: isTier(tier) ? tier : undefined };
  const wrapped = record['request'];
  const body = typeof wrapped === 'object' && wrapped !== null ? (wrapped as Record<string, unknown>) : record;
  if (!Array.isArray(body['messages'])) return undefined;
  let request;
  try {
    request = parseChatRequest(body, body === record ? '' : 'request.');
  } catch (error) {
    throw new InputError((error as Error).message, { file, line }, { cause: error });
  }
  return { query: referenceKeyFor({ text: '', request }), reference, tier: isTier(tier) ? tier : undefined };
}
