import type { Random } from './random.ts';

/** Looks up a slot value for the query being built; the same name always gives the same value within one query. */
export type SlotReader = (name: string) => string;

const ALTERNATIVES = /\[([^[\]]*)\]/;
const SLOT = /\{([a-z0-9_]+)\}/g;

/**
 * Expands `[a|b|c]` alternatives (nestable, an empty alternative means "nothing") and
 * `{slot}` placeholders. Innermost brackets are resolved first, so the draw order is fixed.
 */
export function expandTemplate(template: string, random: Random, slot: SlotReader): string {
  let text = template;
  for (let match = ALTERNATIVES.exec(text); match; match = ALTERNATIVES.exec(text)) {
    const choice = random.pick((match[1] ?? '').split('|'));
    text = text.slice(0, match.index) + choice + text.slice(match.index + match[0].length);
  }
  return text.replace(SLOT, (_whole, name: string) => slot(name)).replace(/ {2,}/g, ' ').replace(/ ([,.?!])/g, '$1').trim();
}
