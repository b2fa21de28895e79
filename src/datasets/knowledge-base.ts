import type { Tier } from '../core/tier.ts';
import type { FactSlots, Intent } from './intent.ts';
import { COMPLEX_INTENTS } from './intents-complex.ts';
import { MEDIUM_INTENTS } from './intents-medium.ts';
import { SIMPLE_INTENTS } from './intents-simple.ts';

export const INTENTS_BY_TIER: Readonly<Record<Tier, readonly Intent[]>> = {
  simple: SIMPLE_INTENTS,
  medium: MEDIUM_INTENTS,
  complex: COMPLEX_INTENTS,
};

export const ALL_INTENTS: readonly Intent[] = [...SIMPLE_INTENTS, ...MEDIUM_INTENTS, ...COMPLEX_INTENTS];

export function findIntent(id: string): Intent | undefined {
  return ALL_INTENTS.find((intent) => intent.id === id);
}

export function referenceFor(intent: Intent, slots: FactSlots): string {
  return intent.facts(slots).join(' ');
}

export interface IntentMatch {
  intent: Intent;
  /** Sum of the lengths of the keywords found: longer phrases are stronger evidence. */
  strength: number;
}

const keywordPatterns = new Map<string, RegExp>();

function keywordPattern(keyword: string): RegExp {
  let pattern = keywordPatterns.get(keyword);
  if (!pattern) {
    const escaped = keyword.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    pattern = new RegExp(`(^|[^a-z0-9])${escaped}($|[^a-z0-9])`);
    keywordPatterns.set(keyword, pattern);
  }
  return pattern;
}

// The sim asks about one text several times (its answer, its tier, the judge's reading of it), each
// call a regex per keyword of every intent: answers are kept, in a bounded map cleared when full.
const MATCH_MEMO_LIMIT = 4096;
const matchMemo = new Map<string, IntentMatch | null>();

/** Best keyword match for a free-text query, or undefined when no keyword appears at all. */
export function matchIntent(text: string): IntentMatch | undefined {
  let match = matchMemo.get(text);
  if (match === undefined) {
    if (matchMemo.size >= MATCH_MEMO_LIMIT) matchMemo.clear();
    match = bestIntent(text) ?? null;
    matchMemo.set(text, match);
  }
  return match ?? undefined;
}

function bestIntent(text: string): IntentMatch | undefined {
  const lower = text.toLowerCase();
  let best: IntentMatch | undefined;
  for (const intent of ALL_INTENTS) {
    let strength = 0;
    for (const keyword of intent.keywords) if (keywordPattern(keyword).test(lower)) strength += keyword.length;
    if (strength > 0 && (!best || strength > best.strength)) best = { intent, strength };
  }
  return best;
}
