import type { Candidate } from './types.ts';

// US-style street addresses: a house number, one to three name words, a street suffix, and an
// optional unit ("1200 NW Glisan Street", "42 maple ave apt 4b"). Not found: PO boxes, addresses
// without a suffix, and non-US layouts (number after the street name).
const SUFFIX =
  'street|st|avenue|ave|road|rd|lane|ln|drive|dr|court|ct|way|boulevard|blvd|place|pl|terrace|ter|circle|cir|parkway|pkwy|highway|hwy|square|sq|trail|trl';
const ADDRESS = new RegExp(
  `(?<![\\w$.,/-])\\d{1,6}[a-z]?\\s+(?:(?:n|s|e|w|ne|nw|se|sw)\\.?\\s+)?((?:[a-z][a-z'’-]*\\s+){1,3})(?:${SUFFIX})\\b\\.?(?:,?\\s+(?:apt|apartment|unit|suite|ste|#)\\.?\\s*#?\\w{1,6})?`,
  'gi',
);
// "30 days any way", "2 boxes the way": counted things are not street names.
const COUNTED = /^(?:days?|weeks?|months?|years?|hours?|minutes?|items?|boxes|box|pieces?|dollars?|bucks|percent|times?|orders?|of|more|other|different|ways?|the|a|an|in|on|at|to|for|and|or)\b/i;

export function findAddresses(text: string): Candidate[] {
  const found: Candidate[] = [];
  for (const match of text.matchAll(ADDRESS)) {
    if (COUNTED.test(match[1] ?? '')) continue;
    const span = match[0].replace(/\.$/, '');
    found.push({ type: 'ADDRESS', start: match.index, end: match.index + span.length, rule: 'street-address' });
  }
  return found;
}
