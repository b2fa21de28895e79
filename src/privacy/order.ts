import type { Candidate } from './types.ts';

/** Northwind Home's order numbers (src/datasets/pii.ts): NW- and six digits, any case. */
export const DEFAULT_ORDER_PATTERNS: readonly RegExp[] = [/(?<![A-Za-z0-9])NW[- ]?\d{6}(?!\d)/gi];

// A bare number right after "order" (or "purchase", "invoice", "bill", "receipt": the same kind of
// reference) is one when it has at least five digits, so "order 2 chairs" and "ordered 3" stay.
const ORDER_CUE = /\b(?:order|purchase|invoice|bill|receipt)\s*(?:number|no\.?|num\.?|id|#)?\s*(?:is\s*)?[:#]?\s*(\d{5,20})(?![\d-])/gi;

export function findOrders(text: string, patterns: readonly RegExp[] = DEFAULT_ORDER_PATTERNS): Candidate[] {
  const found: Candidate[] = [];
  for (const pattern of patterns) {
    const global = pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
    for (const match of text.matchAll(global)) found.push({ type: 'ORDER', start: match.index, end: match.index + match[0].length, rule: 'order-format' });
  }
  for (const match of text.matchAll(ORDER_CUE)) {
    const digits = match[1]!;
    const digitsStart = match.index + match[0].length - digits.length;
    // "bill #00108": the '#' goes with the number.
    const start = text[digitsStart - 1] === '#' ? digitsStart - 1 : digitsStart;
    found.push({ type: 'ORDER', start, end: digitsStart + digits.length, rule: 'cue:order' });
  }
  return found;
}
