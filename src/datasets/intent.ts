import type { Tier } from '../core/tier.ts';
import { LARGE_PRODUCTS, OTHER_CITIES, PHONE_MODELS, PRODUCTS, PROMO_CODES, SHOWROOMS, US_STATES } from './company.ts';
import { calendarDate, cardNumber, dollarAmount, emailAddress, orderId, personName, phoneNumber, streetAddress } from './pii.ts';
import type { Random } from './random.ts';
import type { SlotReader } from './template.ts';

/** What a reference needs to know about the slots used in the query; undefined when the query did not name one. */
export type FactSlots = (name: string) => string | undefined;

/** One kind of customer question: how people phrase it, and the facts a correct answer must state. */
export interface Intent {
  id: string;
  tier: Tier;
  /** Words that suggest this intent in a free-text query (the simulator matches unknown queries with them). */
  keywords: readonly string[];
  templates: readonly string[];
  /** One plain sentence per fact, each ending in a full stop. */
  facts: (slots: FactSlots) => string[];
}

type SlotFactory = (random: Random) => string;

const SLOT_FACTORIES: Record<string, SlotFactory> = {
  order: orderId,
  email: emailAddress,
  phone: phoneNumber,
  card: (random) => cardNumber(random),
  last4: (random) => String(random.int(1000, 9999)),
  city: (random) => random.pick(SHOWROOMS).city,
  other_city: (random) => random.pick(OTHER_CITIES),
  item: (random) => random.pick(PRODUCTS),
  other_item: (random) => random.pick(PRODUCTS),
  big_item: (random) => random.pick(LARGE_PRODUCTS),
  amount: dollarAmount,
  date: calendarDate,
  name: (random) => personName(random).first,
  address: streetAddress,
  code: (random) => random.pick(PROMO_CODES),
  state: (random) => random.pick(US_STATES),
  phone_model: (random) => random.pick(PHONE_MODELS),
  days: (random) => String(random.int(3, 9)),
  months: (random) => String(random.pick([2, 3, 4, 5, 6, 8, 9, 11])),
};

/** Slot values for one query: drawn on first use, then fixed, so the text and the reference agree. */
export function createSlots(random: Random): { read: SlotReader; known: FactSlots } {
  const values = new Map<string, string>();
  const read: SlotReader = (name) => {
    const existing = values.get(name);
    if (existing !== undefined) return existing;
    const factory = SLOT_FACTORIES[name];
    if (!factory) throw new Error(`template uses unknown slot {${name}}`);
    const value = factory(random);
    values.set(name, value);
    return value;
  };
  return { read, known: (name) => values.get(name) };
}
