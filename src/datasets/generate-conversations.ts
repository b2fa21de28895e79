import type { Tier } from '../core/tier.ts';
import { COMPANY, FIRST_NAMES } from './company.ts';
import { ORDER_LOOKUP_TOOL, SCENARIOS, type ScenarioTurns, type WireMessage, type WireToolCall } from './conversation-scenarios.ts';
import { TIMELINE_DAYS, TIMELINE_START } from './generate.ts';
import { createRandom, type Random } from './random.ts';
import { createTimeline } from './timestamps.ts';

/**
 * One line of a generated conversation log: an OpenAI chat-completions request body as production
 * sent it (the last turn of a conversation, with its whole history), the logged GPT-4 response,
 * and a `metadata` object the ingest readers map to the query's id, label, reference, timestamp
 * and channel by default.
 */
export interface GeneratedConversation {
  model: string;
  messages: WireMessage[];
  temperature: number;
  max_tokens: number;
  top_p?: number;
  tools?: (typeof ORDER_LOOKUP_TOOL)[];
  tool_choice?: 'auto';
  response: {
    id: string;
    object: 'chat.completion';
    created: number;
    model: string;
    choices: { index: 0; message: { role: 'assistant'; content: string | null; tool_calls?: WireToolCall[] }; finish_reason: 'stop' | 'tool_calls' }[];
    usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  };
  latency_ms: number;
  metadata: {
    query_id: string;
    conversation_id: string;
    tier: Tier;
    reference: string;
    timestamp: string;
    channel: 'chat' | 'app' | 'web';
    scenario: string;
  };
}

export interface GenerateConversationsOptions {
  n: number;
  seed: number;
}

const TOOLS_RATE = 0.4;
const GREETING_RATE = 0.75;
/** Every request's retrieval also brings back the general contact article, as a real one would. */
const GENERAL_ARTICLES = [
  `Our customer service team is available Monday to Friday from 8am to 8pm and Saturday from 9am to 5pm Eastern Time, by phone (${COMPANY.phone}), live chat and email (${COMPANY.supportEmail}).`,
  'Northwind Rewards members get free return shipping and 1 point for every dollar spent.',
];
const CHANNELS = { chat: 0.6, app: 0.25, web: 0.15 } as const;

function systemPrompt(random: Random, retrieved: readonly string[], toolsOffered: boolean): string {
  const customer = random.pick(FIRST_NAMES);
  const member = random.chance(0.35) ? 'yes' : 'no';
  return [
    `You are the customer support assistant of ${COMPANY.name}, an online home-goods retailer (furniture, bedding, kitchen, and its own smart devices: the Lumen lamp, the Sweep robot vacuum and the Brew coffee maker).`,
    'Answer in a friendly, concise way, in at most 4 sentences. Use only the policies below and what the customer told you earlier in this conversation; never invent order details.',
    'Never ask for a full card number or a password. If the customer asks for a person, or the issue involves money you cannot refund, escalate to a human agent.',
    toolsOffered ? 'When the customer gives an order number and asks about that order, call order_lookup before answering.' : `For order questions, point the customer to My Account > Orders or ${COMPANY.phone}.`,
    `Customer: ${customer}. Northwind Rewards member: ${member}.`,
    'Relevant help-centre articles:',
    ...[...retrieved, ...GENERAL_ARTICLES].map((line) => `- ${line}`),
  ].join('\n');
}

function hex(random: Random, length: number): string {
  let text = '';
  for (let index = 0; index < length; index++) text += random.int(0, 15).toString(16);
  return text;
}

/** Roughly 4 characters a token: the usage block needs plausible numbers, not a tokenizer. */
function tokens(text: string): number {
  return Math.max(1, Math.round(text.length / 4));
}

function loggedResponse(random: Random, turns: ScenarioTurns, requestText: string, created: number): GeneratedConversation['response'] {
  const id = `chatcmpl-${hex(random, 24)}`;
  if ('toolCall' in turns.answer) {
    const call: WireToolCall = { id: `call_${hex(random, 24)}`, type: 'function', function: { name: turns.answer.toolCall.name, arguments: JSON.stringify(turns.answer.toolCall.arguments) } };
    return {
      id,
      object: 'chat.completion',
      created,
      model: 'gpt-4-0613',
      choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [call] }, finish_reason: 'tool_calls' }],
      usage: { prompt_tokens: tokens(requestText), completion_tokens: 18, total_tokens: tokens(requestText) + 18 },
    };
  }
  const content = turns.answer.content;
  return {
    id,
    object: 'chat.completion',
    created,
    model: 'gpt-4-0613',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: tokens(requestText), completion_tokens: tokens(content), total_tokens: tokens(requestText) + tokens(content) },
  };
}

/** Yields `n` conversations, one request line each; the same options always yield the same records. */
export function* generateConversations(options: GenerateConversationsOptions): Generator<GeneratedConversation> {
  const { n, seed } = options;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const random = createRandom(seed);
  const timeline = createTimeline(Math.max(n, 1), { start: TIMELINE_START, days: TIMELINE_DAYS });
  const weights = Object.fromEntries(SCENARIOS.map((scenario, index) => [String(index), scenario.weight]));
  const idWidth = Math.max(6, String(n).length);

  for (let index = 0; index < n; index++) {
    const timestamp = timeline(index, random);
    const at = new Date(timestamp);
    const scenario = SCENARIOS[Number(random.weighted(weights))]!;
    const toolsOffered = scenario.needsTools || random.chance(TOOLS_RATE);
    const turns = scenario.build({ random, toolsOffered, at });
    const messages: WireMessage[] = [{ role: 'system', content: systemPrompt(random, turns.retrieved, toolsOffered) }];
    if (random.chance(GREETING_RATE)) {
      messages.push({ role: 'user', content: random.pick(['hi', 'Hello', 'hi there, I need some help']) }, { role: 'assistant', content: `Hi! Thanks for contacting ${COMPANY.name}. How can I help you today?` });
    }
    messages.push(...turns.messages);
    const temperature = random.pick([0.2, 0.3, 0.7]);
    const latency = random.int(900, 4200);
    const request = {
      model: 'gpt-4-0613',
      messages,
      temperature,
      max_tokens: random.pick([400, 512]),
      ...(random.chance(0.3) ? { top_p: 0.9 } : {}),
      ...(toolsOffered ? { tools: [ORDER_LOOKUP_TOOL], tool_choice: 'auto' as const } : {}),
    };
    const created = Math.floor(at.getTime() / 1000) + Math.ceil(latency / 1000);
    const response = loggedResponse(random, turns, JSON.stringify(request), created);
    yield {
      ...request,
      response,
      latency_ms: latency,
      metadata: {
        query_id: `c-${String(index + 1).padStart(idWidth, '0')}`,
        conversation_id: `conv-${hex(random, 8)}`,
        tier: turns.tier,
        reference: turns.reference,
        timestamp,
        channel: random.weighted(CHANNELS),
        scenario: turns.scenario,
      },
    };
  }
}
