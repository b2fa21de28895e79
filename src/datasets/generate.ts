import type { Tier } from '../core/tier.ts';
import { TIERS } from '../core/tier.ts';
import { createSlots } from './intent.ts';
import type { Intent } from './intent.ts';
import { INTENTS_BY_TIER, referenceFor } from './knowledge-base.ts';
import type { CaseStyle, Channel } from './noise.ts';
import { addTypos, applyCase, greeting, leadIn, signOff, varyEnding } from './noise.ts';
import { createRandom, hashString } from './random.ts';
import type { Random } from './random.ts';
import { expandTemplate } from './template.ts';
import type { SlotReader } from './template.ts';
import { createTimeline } from './timestamps.ts';

/** One line of a generated dataset (JSONL). Field names are the log's, snake_case. */
export interface GeneratedQuery {
  query_id: string;
  timestamp: string;
  conversation_id: string;
  channel: Channel;
  query: string;
  tier: Tier;
  /** The intent id, or two joined by '+' for a two-question message. */
  intent: string;
  /** The facts a correct answer must contain, as plain sentences. */
  reference: string;
}

export const DATASET_SPLITS = ['train', 'test'] as const;
export type DatasetSplit = (typeof DATASET_SPLITS)[number];

export interface GenerateOptions {
  n: number;
  seed: number;
  /**
   * Router training data: 'train' and 'test' draw question phrasings from disjoint buckets
   * (by a hash of the phrasing with digits masked), so no test question is phrased like a
   * training one. Omitted: every phrasing is allowed.
   */
  split?: DatasetSplit;
}

export const TIER_MIX: Readonly<Record<Tier, number>> = { simple: 0.7, medium: 0.25, complex: 0.05 };
const CHANNEL_MIX: Readonly<Record<Channel, number>> = { chat: 0.45, app: 0.2, web: 0.15, email: 0.2 };
const MULTI_QUESTION_RATE = 0.08;
const TYPO_RATE = 0.1;
const FOLLOW_UP_RATE = 0.1;
const PII_RATE: Readonly<Record<Tier, number>> = { simple: 0.1, medium: 0.18, complex: 0.25 };
/** Logs cover 30 days from this instant; fixed so a seed always gives the same file. */
export const TIMELINE_START = new Date('2025-03-03T00:00:00Z');
export const TIMELINE_DAYS = 30;

const JOINERS = [' Also, ', ' Also ', '. And ', ' Another question: ', '\nAlso: ', '. One more thing, ', ' + ', '. Oh and '];

const PII_ADDENDA: readonly string[] = [
  'my order number is {order}', 'order #{order}', '(order {order})', 'it\'s order {order}', 'order no. {order}', 'ref {order}',
  'you can reach me at {phone}', 'call me back on {phone}', 'my number is {phone}',
  'my email is {email}', 'account email: {email}', 'the account is under {email}',
  'my card is {card}', 'card number {card} if you need it',
];

// The second question of a two-question message is never harder than the first, so the message keeps the drawn tier.
const SECOND_QUESTION_POOL: Readonly<Record<Tier, readonly Intent[]>> = {
  simple: TIERS.slice(0, 1).flatMap((tier) => INTENTS_BY_TIER[tier]),
  medium: TIERS.slice(0, 2).flatMap((tier) => INTENTS_BY_TIER[tier]),
  complex: TIERS.slice(0, 3).flatMap((tier) => INTENTS_BY_TIER[tier]),
};

/** One phrasing in TEST_BUCKETS goes to the test split; the rest to train. */
const TEST_BUCKETS = 5;
const MAX_SPLIT_ATTEMPTS = 400;

export function phrasingSplit(body: string): DatasetSplit {
  const key = body.toLowerCase().replace(/[0-9]/g, '#').replace(/[^a-z#]+/g, ' ').trim();
  return hashString(key) % TEST_BUCKETS === 0 ? 'test' : 'train';
}

/**
 * Draws an intent from the pool, then a phrasing of it that belongs to the requested split.
 * The intent is drawn once, so both splits keep the same intent mix.
 */
function drawQuestion(random: Random, pool: readonly Intent[], slot: SlotReader, split: DatasetSplit | undefined, exclude?: string): { intent: Intent; body: string } {
  let intent = random.pick(pool);
  while (intent.id === exclude) intent = random.pick(pool);
  for (let attempt = 0; ; attempt++) {
    const body = expandTemplate(random.pick(intent.templates), random, slot);
    if (split === undefined || attempt >= MAX_SPLIT_ATTEMPTS || phrasingSplit(body) === split) return { intent, body };
  }
}

function caseStyle(random: Random, channel: Channel, tier: Tier): CaseStyle {
  if (channel === 'email') return random.chance(0.9) ? 'sentence' : 'as-written';
  const styles: Record<CaseStyle, number> = { sentence: 0.5, lower: 0.28, 'as-written': 0.2, upper: tier === 'complex' ? 0.06 : 0.01 };
  return random.weighted(styles);
}

function assemble(random: Random, channel: Channel, body: string): string {
  const hello = greeting(random, channel);
  const bye = signOff(random, channel);
  const parts = [hello, body, bye].filter((part) => part !== undefined);
  return parts.join(channel === 'email' ? '\n\n' : ' ');
}

/** Yields `n` realistic support queries; the same options always yield the same records. */
export function* generateQueries(options: GenerateOptions): Generator<GeneratedQuery> {
  const { n, seed } = options;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const random = createRandom(seed);
  const timeline = createTimeline(Math.max(n, 1), { start: TIMELINE_START, days: TIMELINE_DAYS });
  let previousConversation: { id: string; channel: Channel } | undefined;
  const idWidth = Math.max(6, String(n).length);

  for (let index = 0; index < n; index++) {
    const timestamp = timeline(index, random);
    const tier = random.weighted(TIER_MIX);
    const followUp = previousConversation !== undefined && random.chance(FOLLOW_UP_RATE);
    const conversation = followUp && previousConversation
      ? previousConversation
      : { id: `conv-${random.int(0, 0xffffffff).toString(16).padStart(8, '0')}`, channel: random.weighted(CHANNEL_MIX) };
    previousConversation = conversation;
    const channel = conversation.channel;

    const slots = createSlots(random);
    const first = drawQuestion(random, INTENTS_BY_TIER[tier], slots.read, options.split);
    let body = first.body;
    const intentIds = [first.intent.id];
    const references = [referenceFor(first.intent, slots.known)];
    if (random.chance(MULTI_QUESTION_RATE)) {
      const second = drawQuestion(random, SECOND_QUESTION_POOL[tier], slots.read, options.split, first.intent.id);
      body = body.replace(/[.?!]*$/, '') + random.pick(JOINERS) + second.body;
      intentIds.push(second.intent.id);
      references.push(referenceFor(second.intent, slots.known));
    }
    if (random.chance(PII_RATE[tier])) {
      const addendum = expandTemplate(random.pick(PII_ADDENDA), random, slots.read);
      body = random.chance(0.5) ? `${body.replace(/[.?!]*$/, (end) => end || '.')} ${addendum}` : `${addendum}. ${body}`;
    }
    const intro = leadIn(random);
    if (intro) body = `${intro} ${body}`;

    let text = applyCase(body, caseStyle(random, channel, tier));
    if (random.chance(TYPO_RATE)) text = addTypos(random, text);
    text = varyEnding(random, text);
    if (channel === 'app' && random.chance(0.3)) text = text.replaceAll('\'', '\u2019');
    text = assemble(random, channel, text);

    yield {
      query_id: `q-${String(index + 1).padStart(idWidth, '0')}`,
      timestamp,
      conversation_id: conversation.id,
      channel,
      query: text,
      tier,
      intent: intentIds.join('+'),
      reference: references.join(' '),
    };
  }
}
