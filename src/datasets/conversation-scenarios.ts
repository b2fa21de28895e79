import type { Tier } from '../core/tier.ts';
import { PRODUCTS, SHOWROOMS } from './company.ts';
import { calendarDate, dollarAmount, orderId } from './pii.ts';
import type { Random } from './random.ts';

/**
 * Multi-turn support conversations whose last question cannot be answered without an earlier
 * turn: the order number given in the first message, the product named earlier, the fixes the
 * customer already tried. Messages are in the OpenAI chat-completions wire shape.
 */

export interface WireToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface WireMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null | { type: 'text'; text: string }[];
  tool_calls?: WireToolCall[];
  tool_call_id?: string;
}

export interface ScenarioTurns {
  scenario: string;
  tier: Tier;
  /** Every message after the system prompt, ending with the user's last question. */
  messages: WireMessage[];
  /** The facts a correct answer to the last question states (with the values given earlier). */
  reference: string;
  /** GPT-4's logged answer: text, or a tool call. */
  answer: { content: string } | { toolCall: { name: string; arguments: Record<string, unknown> } };
  /** Help-centre snippets retrieved for the system prompt. */
  retrieved: string[];
}

export interface ScenarioInput {
  random: Random;
  /** The tool definitions are sent with this request. */
  toolsOffered: boolean;
  /** When the conversation happens (ETAs are relative to it). */
  at: Date;
}

export const ORDER_LOOKUP_TOOL = {
  type: 'function',
  function: {
    name: 'order_lookup',
    description: 'Look up a Northwind Home order by its order number: status, carrier, tracking number and estimated delivery date.',
    parameters: {
      type: 'object',
      properties: { order_id: { type: 'string', description: 'The order number, e.g. NW-123456' } },
      required: ['order_id'],
      additionalProperties: false,
    },
  },
} as const;

const CARRIERS = ['UPS', 'FedEx', 'USPS'];
const DAY_MS = 86_400_000;

function longDate(date: Date): string {
  return date.toLocaleDateString('en-US', { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' });
}

function callId(random: Random): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let id = 'call_';
  for (let index = 0; index < 24; index++) id += alphabet[random.int(0, alphabet.length - 1)];
  return id;
}

function trackingNumber(random: Random, carrier: string): string {
  const digits = (count: number): string => Array.from({ length: count }, () => random.int(0, 9)).join('');
  return carrier === 'UPS' ? `1Z${digits(16)}` : digits(carrier === 'FedEx' ? 12 : 20);
}

function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}

function user(random: Random, text: string): WireMessage {
  // Some clients send content as an array of text parts; the readers must join them.
  return { role: 'user', content: random.chance(0.12) ? [{ type: 'text', text }] : text };
}

function assistant(text: string): WireMessage {
  return { role: 'assistant', content: text };
}

/** The customer's order as order_lookup would return it. */
function drawOrder(random: Random, at: Date): { order: string; item: string; carrier: string; tracking: string; shipped: Date; eta: Date } {
  const carrier = random.pick(CARRIERS);
  const shipped = new Date(at.getTime() - random.int(1, 3) * DAY_MS);
  return {
    order: orderId(random),
    item: random.pick(PRODUCTS),
    carrier,
    tracking: trackingNumber(random, carrier),
    shipped,
    eta: new Date(at.getTime() + random.int(1, 5) * DAY_MS),
  };
}

function orderEta({ random, toolsOffered, at }: ScenarioInput): ScenarioTurns {
  const o = drawOrder(random, at);
  const opening = random.pick([
    `Hi, I ordered ${withArticle(o.item)} on ${calendarDate(random)}, order ${o.order}. Has it shipped yet?`,
    `hey, checking on order ${o.order} - it's ${withArticle(o.item)}`,
    `Order ${o.order} (${o.item}), any update?`,
  ]);
  const status = `Your ${o.item} (order ${o.order}) shipped on ${longDate(o.shipped)} with ${o.carrier}. The tracking number is ${o.tracking}.`;
  const messages: WireMessage[] = [user(random, opening)];
  if (toolsOffered) {
    const id = callId(random);
    messages.push(
      { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'order_lookup', arguments: JSON.stringify({ order_id: o.order }) } }] },
      {
        role: 'tool',
        tool_call_id: id,
        content: JSON.stringify({ order_id: o.order, status: 'shipped', items: [o.item], carrier: o.carrier, tracking_number: o.tracking, shipped_on: o.shipped.toISOString().slice(0, 10), estimated_delivery: o.eta.toISOString().slice(0, 10) }),
      },
    );
  }
  messages.push(assistant(toolsOffered ? status : `${status} I will let you know if anything changes.`));
  messages.push(user(random, random.pick(['ok thanks. so when will it get here?', 'when will it arrive?', 'great, and what day should I expect it?', 'will it arrive before the weekend?'])));
  const eta = longDate(o.eta);
  return {
    scenario: 'order_eta',
    tier: 'medium',
    messages,
    reference: `Order ${o.order} (${o.item}) is expected to arrive on ${eta}. It is with ${o.carrier}, tracking number ${o.tracking}.`,
    answer: { content: `Your ${o.item} from order ${o.order} is expected to arrive on ${eta}. You can follow it on the ${o.carrier} website with tracking number ${o.tracking}.` },
    retrieved: ['Tracking can take up to 24 hours to show the first scan.', 'Standard shipping takes 3 to 5 business days.'],
  };
}

function orderLookupCall({ random, at }: ScenarioInput): ScenarioTurns {
  const o = drawOrder(random, at);
  return {
    scenario: 'order_lookup_call',
    tier: 'medium',
    messages: [
      user(random, random.pick([`Hi, I have a question about my order, the number is ${o.order}.`, `my order is ${o.order}, the ${o.item}`, `Hello! Order number ${o.order} here.`])),
      assistant(`Thanks! What would you like to know about order ${o.order}?`),
      user(random, random.pick(['where is it right now?', 'has it shipped yet?', 'can you check the status?', 'is it on its way?'])),
    ],
    reference: `Look up order ${o.order} with the order_lookup tool before answering; the order number was given earlier in the conversation.`,
    answer: { toolCall: { name: 'order_lookup', arguments: { order_id: o.order } } },
    retrieved: ['Sign in and go to My Account > Orders, then select Track package next to your order.'],
  };
}

interface Device {
  name: string;
  symptom: string[];
  stillBroken: string;
  steps: [string, string, string, string];
}

const DEVICES: readonly Device[] = [
  {
    name: 'Sweep robot vacuum',
    symptom: ['my Sweep robot vacuum keeps stopping with error E2', 'the sweep vacuum beeps and shows E2 every few minutes'],
    stillBroken: 'it still stops with E2',
    steps: [
      'remove hair and debris from the brushes and wheels',
      'wipe the charging contacts on the robot and the dock with a dry cloth',
      'install the latest firmware from the Northwind app under Device settings',
      'we can arrange a repair under warranty',
    ],
  },
  {
    name: 'Lumen lamp',
    symptom: ["my Lumen lamp won't connect to the wifi", 'the lumen smart lamp keeps failing to pair in the app'],
    stillBroken: "it still won't pair",
    steps: [
      'make sure your phone is on a 2.4 GHz Wi-Fi network, not 5 GHz',
      'reset the lamp by switching it off and on 5 times until it blinks quickly',
      'add it again in the Northwind app with your phone within 10 metres of the lamp',
      'we can send a replacement lamp under warranty',
    ],
  },
  {
    name: 'Brew coffee maker',
    symptom: ['my Brew coffee maker has a blinking orange light', 'the brew machine keeps flashing orange and the coffee is lukewarm'],
    stillBroken: 'the orange light is still blinking',
    steps: [
      'descale it: fill the tank with equal parts white vinegar and water and run the Clean cycle',
      'run 2 cycles of fresh water to rinse it',
      'unplug it for 10 minutes to reset the descaling reminder',
      'we can arrange a repair under warranty',
    ],
  },
];

function troubleshootTried({ random }: ScenarioInput): ScenarioTurns {
  const device = random.pick(DEVICES);
  const [first, second, third, last] = device.steps;
  return {
    scenario: 'troubleshoot_tried',
    tier: 'medium',
    messages: [
      user(random, random.pick(device.symptom)),
      assistant(`Sorry about that! Let's fix it. First, ${first}.`),
      user(random, random.pick([`I already did that, ${device.stillBroken}`, `did that yesterday. ${device.stillBroken}.`])),
      assistant(`Thanks for trying that. Next, ${second}.`),
      user(random, random.pick(["that didn't work either. what now?", 'still the same. anything else I can do?', 'nope, no change. next step?'])),
    ],
    reference: `The customer's ${device.name} still fails after they tried to ${first} and to ${second}. The next step is to ${third}. If that does not help, ${last}.`,
    answer: { content: `Thanks for trying both of those. The next step for your ${device.name} is to ${third}. If it still happens after that, ${last}: just reply here and I will set it up.` },
    retrieved: [`${device.name} troubleshooting: ${device.steps.join('; ')}.`],
  };
}

function returnItem({ random, at }: ScenarioInput): ScenarioTurns {
  const o = drawOrder(random, at);
  return {
    scenario: 'return_item',
    tier: 'simple',
    messages: [
      user(random, random.pick([`I bought ${withArticle(o.item)} on ${calendarDate(random)} (order ${o.order}) and it doesn't fit the room.`, `The ${o.item} from order ${o.order} arrived but it's the wrong colour for us.`])),
      assistant(`Sorry it didn't work out! Is the ${o.item} unused and still in its original packaging?`),
      user(random, random.pick(['yes, still in the box. can I send it back?', 'yes unused. how do I return it?', 'it is. can I still return it?'])),
    ],
    reference: `The ${o.item} can be returned within 30 days of delivery for a full refund because it is unused and in its original packaging. Start the return for order ${o.order} from My Account > Orders to get a prepaid label; a $6.95 return shipping fee is deducted unless you are a Northwind Rewards member.`,
    answer: { content: `Yes, you can return the ${o.item} within 30 days of delivery for a full refund, since it is unused and in its original packaging. Go to My Account > Orders, choose order ${o.order} and select Return to get a prepaid label. A $6.95 return shipping fee is deducted unless you are a Northwind Rewards member.` },
    retrieved: ['You can return most items within 30 days of delivery for a full refund.', 'Items must be unused and in their original packaging.'],
  };
}

function showroomVisit({ random }: ScenarioInput): ScenarioTurns {
  const showroom = random.pick(SHOWROOMS);
  const day = random.pick(['Sunday', 'Saturday']);
  const hours = day === 'Sunday' ? '11am to 5pm' : '10am to 7pm';
  return {
    scenario: 'showroom_visit',
    tier: 'simple',
    messages: [
      user(random, random.pick([`I'm in ${showroom.city}. Do you have a showroom near me?`, `is there a northwind showroom in ${showroom.city}?`])),
      assistant(`Yes! Our ${showroom.city} showroom is at ${showroom.address}.`),
      user(random, random.pick([`what time is it open on ${day.toLowerCase()}?`, `great, is it open on ${day}?`, `and the hours on ${day}?`])),
    ],
    reference: `The ${showroom.city} showroom at ${showroom.address} is open on ${day} from ${hours}. Showrooms are open Monday to Saturday from 10am to 7pm and Sunday from 11am to 5pm.`,
    answer: { content: `Our ${showroom.city} showroom at ${showroom.address} is open on ${day} from ${hours}. During the week it is open from 10am to 7pm.` },
    retrieved: ['All Northwind Home showrooms are open Monday to Saturday from 10am to 7pm and Sunday from 11am to 5pm.'],
  };
}

function doubleCharge({ random, at }: ScenarioInput): ScenarioTurns {
  const o = drawOrder(random, at);
  const amount = dollarAmount(random);
  const last4 = String(random.int(1000, 9999));
  return {
    scenario: 'double_charge',
    tier: 'complex',
    messages: [
      user(random, random.pick([`I was charged twice for order ${o.order}, ${amount} each.`, `There are two charges of ${amount} for order ${o.order} on my statement!`])),
      assistant(`I'm sorry about that. I've noted both charges on order ${o.order}. Could you confirm the last 4 digits of the card you paid with?`),
      user(random, random.pick([`ending ${last4}. It's been 5 days and the extra charge is still there, I want this escalated.`, `${last4}. nothing has happened in a week, escalate it please`])),
    ],
    reference: `The duplicate charge of ${amount} on order ${o.order} (card ending ${last4}) is escalated to the billing team. The billing team checks the charges within 2 business days and refunds any duplicate in full. The refund then takes 3 to 10 business days to appear on the statement.`,
    answer: { content: `I'm sorry this is taking so long. I have escalated the duplicate charge of ${amount} on order ${o.order} (card ending ${last4}) to our billing team. They check the charges within 2 business days and refund any duplicate in full; the refund then takes 3 to 10 business days to show on your statement.` },
    retrieved: ['The billing team checks the charges within 2 business days and refunds any duplicate in full.'],
  };
}

type Scenario = (input: ScenarioInput) => ScenarioTurns;

/** Scenario -> share of conversations. Tiers: simple 45%, medium 45%, complex 10%. */
export const SCENARIOS: ReadonlyArray<{ build: Scenario; weight: number; needsTools: boolean }> = [
  { build: orderEta, weight: 0.2, needsTools: false },
  { build: orderLookupCall, weight: 0.1, needsTools: true },
  { build: troubleshootTried, weight: 0.15, needsTools: false },
  { build: returnItem, weight: 0.25, needsTools: false },
  { build: showroomVisit, weight: 0.2, needsTools: false },
  { build: doubleCharge, weight: 0.1, needsTools: false },
];
