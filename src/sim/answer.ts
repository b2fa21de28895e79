import type { Tier } from '../core/tier.ts';
import { COMPANY, SHOWROOMS } from '../datasets/company.ts';
import { matchIntent, referenceFor } from '../datasets/knowledge-base.ts';
import { createRandom, hashString } from '../datasets/random.ts';
import type { Random } from '../datasets/random.ts';
import type { AnswerOutcome, SimModel } from './models.ts';
import { QUALITY_PROFILES } from './models.ts';
import { isNegated, splitSentences } from './text-facts.ts';
import { guessTier } from './tier-guess.ts';

export interface KnownReference {
  reference: string;
  tier: Tier | undefined;
}

export interface ComposedAnswer {
  text: string;
  tier: Tier;
  outcome: AnswerOutcome;
  /** Where the facts came from: a labelled reference, the company knowledge base, or nowhere. */
  source: 'reference' | 'knowledge-base' | 'generic';
}

const OPENERS: Readonly<Record<SimModel, Readonly<Record<Tier, readonly string[]>>>> = {
  'gpt-4': {
    simple: ['Thanks for reaching out to Northwind Home!', 'Happy to help with that.', 'Great question.', 'Thanks for getting in touch.'],
    medium: ['Sorry you are running into this, let\'s get it sorted.', 'Thanks for the details, here is what usually fixes this.', 'I understand how frustrating that is. Here is what to do.'],
    complex: ['I\'m truly sorry about this, and I understand how upsetting it is.', 'Thank you for raising this, and I apologise for the trouble it has caused.', 'I\'m sorry for the experience you have had. Here is how we will resolve it.'],
  },
  'gpt-3.5-turbo': {
    simple: ['Hello! Thanks for contacting Northwind Home.', 'Hi there!', 'Thank you for your question.'],
    medium: ['Hello! I\'m sorry to hear about the issue.', 'Hi there! Here are some steps that should help.', 'Thank you for reaching out.'],
    complex: ['I apologize for the inconvenience.', 'I\'m sorry to hear about this situation.', 'Thank you for bringing this to our attention.'],
  },
  'llama-3-70b': {
    simple: ['Sure!', 'Hi!', ''],
    medium: ['Sorry about that.', 'Here is what to try:', ''],
    complex: ['Sorry to hear that.', 'I understand.', ''],
  },
};

const CLOSERS: Readonly<Record<SimModel, readonly string[]>> = {
  'gpt-4': ['Is there anything else I can help you with today?', 'Let me know if you have any other questions.', 'I hope this helps, and please reach out if you need anything else.'],
  'gpt-3.5-turbo': ['Let me know if there is anything else I can help with!', 'Have a great day!', 'I hope this helps!'],
  'llama-3-70b': ['Hope this helps!', '', 'Anything else?'],
};

const VAGUE_ANSWERS = [
  'I\'m sorry for any inconvenience. Please check the Help Centre on our website, or reach out again and a colleague will look into this for you.',
  'Thanks for your message. Policies can vary, so I would recommend reviewing the information on our website for the most accurate details.',
  'I understand your concern. Our team will do everything possible to assist you, so please keep an eye on your inbox for updates.',
];

const GENERIC_ANSWER = [
  'Thanks for contacting Northwind Home, I\'d be glad to help with this.',
  'Could you share a few more details, such as your order number and what you have tried so far?',
  `You can also reach our team on ${COMPANY.phone} or at ${COMPANY.supportEmail}, Monday to Friday from 8am to 8pm Eastern Time.`,
];

/** Lower case, single spaces: how queries are matched to references. */
export function normaliseQuery(text: string): string {
  return text.toLowerCase().replace(/[\u2018\u2019]/g, '\'').replace(/\s+/g, ' ').trim();
}

const NUMBER = /\$?\d[\d,]*(?:\.\d+)?(?:am|pm)?/g;
const PHONE = /\d-\d{3}-\d{3}-\d{4}/g;

/** Another plausible value for a number, never one the fact already states (that would not read as wrong). */
function shiftNumber(token: string, taken: ReadonlySet<number>, random: Random): string {
  const match = /^(\$?)([\d,]+)(\.\d+)?(am|pm)?$/.exec(token);
  if (!match) return token;
  const value = Number((match[2] ?? '0').replace(/,/g, ''));
  const options = [value + 1, value * 2, value + 5, value > 1 ? value - 1 : value + 3, value + 7].filter((candidate) => candidate !== value && !taken.has(candidate));
  if (options.length === 0) return token;
  let next = random.pick(options);
  if (match[4]) next = ((next - 1) % 12) + 1;
  const formatted = (match[2] ?? '').includes(',') ? next.toLocaleString('en-US') : String(next);
  return `${match[1] ?? ''}${formatted}${match[3] ?? ''}${match[4] ?? ''}`;
}

const POLARITY_FLIPS: readonly [RegExp, string][] = [
  [/\bno longer\b/, 'still'],
  [/\bcannot\b/, 'can'],
  [/\bdo not\b/, 'do'],
  [/\bdoes not\b/, 'does'],
  [/\bnot\b /, ''],
  [/\bnever\b/, 'always'],
  [/\bcan\b/, 'cannot'],
  [/\bwill\b/, 'will not'],
  [/\bmust\b/, 'do not need to'],
  [/\bare\b/, 'are not'],
  [/\bis\b/, 'is not'],
];

const IMPERATIVE = /^(Update|Sign|Check|Reset|Wipe|Install|Fill|Select|Start|Contact|Keep|Turn|Send|Wait|Ask|Choose|Remove|Use|Call|Email|Go)\b/;

/** A fact made wrong in a way a careful reader can tell: another number, or the opposite meaning. Undefined if neither applies. */
export function falsifyFact(fact: string, random: Random): string | undefined {
  const phones = [...fact.matchAll(PHONE)].map((match) => [match.index, match.index + match[0].length] as const);
  const candidates = [...fact.matchAll(NUMBER)].filter(
    (match) => !phones.some(([start, end]) => match.index >= start && match.index < end) && fact[match.index + match[0].length] !== '/',
  );
  if (candidates.length > 0) {
    const target = random.pick(candidates);
    const taken = new Set(candidates.map((candidate) => Number(candidate[0].replace(/[$,]|am|pm/g, '').split('.')[0])));
    const replacement = shiftNumber(target[0], taken, random);
    if (replacement !== target[0]) return fact.slice(0, target.index) + replacement + fact.slice(target.index + target[0].length);
  }
  const negated = isNegated(fact);
  for (const [pattern, replacement] of POLARITY_FLIPS) {
    if (!pattern.test(fact)) continue;
    const flipped = fact.replace(pattern, replacement).replace(/ {2,}/g, ' ');
    if (isNegated(flipped) !== negated) return flipped;
  }
  // An instruction turned into its opposite: "Update the app" -> "Do not update the app".
  if (!negated && IMPERATIVE.test(fact)) return `Do not ${fact[0]?.toLowerCase() ?? ''}${fact.slice(1)}`;
  return undefined;
}

function removeRandom<T>(items: T[], count: number, random: Random): T[] {
  const kept = [...items];
  for (let removed = 0; removed < count && kept.length > 1; removed++) kept.splice(random.int(0, kept.length - 1), 1);
  return kept;
}

function shuffledIndexes(length: number, random: Random): number[] {
  const indexes = Array.from({ length }, (_unused, index) => index);
  for (let index = length - 1; index > 0; index--) {
    const other = random.int(0, index);
    [indexes[index], indexes[other]] = [indexes[other] as number, indexes[index] as number];
  }
  return indexes;
}

function applyOutcome(facts: string[], outcome: AnswerOutcome, random: Random): string[] | undefined {
  switch (outcome) {
    case 'full':
      return facts;
    case 'drop_one':
      return removeRandom(facts, 1, random);
    case 'drop_two':
      return removeRandom(facts, 2, random);
    case 'wrong_fact': {
      for (const index of shuffledIndexes(facts.length, random)) {
        const wrong = falsifyFact(facts[index] ?? '', random);
        if (wrong !== undefined) return facts.map((fact, position) => (position === index ? wrong : fact));
      }
      return removeRandom(facts, 1, random);
    }
    case 'vague':
      return undefined;
  }
}

function knowledgeBaseFacts(query: string): string[] | undefined {
  const match = matchIntent(query);
  if (!match) return undefined;
  const lower = query.toLowerCase();
  const city = SHOWROOMS.find((showroom) => lower.includes(showroom.city.toLowerCase()))?.city;
  return splitSentences(referenceFor(match.intent, (name) => (name === 'city' ? city : undefined)));
}

function frame(model: SimModel, tier: Tier, body: string, random: Random): string {
  const opener = random.pick(OPENERS[model][tier]);
  const closer = random.pick(CLOSERS[model]);
  return [opener, body, closer].filter((part) => part.length > 0).join(model === 'gpt-4' ? '\n\n' : ' ');
}

/**
 * The sim's answer to a customer query. Deterministic in (model, query): the outcome is drawn
 * from the model's quality profile for the tier with a generator seeded by their hash.
 */
export function composeAnswer(model: SimModel, query: string, known: KnownReference | undefined): ComposedAnswer {
  const random = createRandom(hashString(model, normaliseQuery(query)));
  const tier = known?.tier ?? guessTier(query);
  const facts = known ? splitSentences(known.reference) : knowledgeBaseFacts(query);
  const source: ComposedAnswer['source'] = known ? 'reference' : facts ? 'knowledge-base' : 'generic';
  const outcome = random.weighted(QUALITY_PROFILES[model][tier]);
  if (!facts || facts.length === 0) {
    return { text: frame(model, tier, GENERIC_ANSWER.join(' '), random), tier, outcome: 'vague', source: 'generic' };
  }
  const stated = applyOutcome(facts, outcome, random);
  // GPT-4 lays out steps as a list for harder questions; the others write one paragraph.
  const asList = model === 'gpt-4' && tier !== 'simple' && stated !== undefined && stated.length > 2;
  const body = stated ? (asList ? stated.map((fact) => `- ${fact}`).join('\n') : stated.join(' ')) : random.pick(VAGUE_ANSWERS);
  return { text: frame(model, tier, body, random), tier, outcome, source };
}
