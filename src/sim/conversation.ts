import { SHOWROOMS } from '../datasets/company.ts';
import { createRandom, hashString } from '../datasets/random.ts';
import type { SimModel } from './models.ts';
import type { Query } from '../core/query.ts';

// How the sim reads a multi-turn request: what the customer said across turns, what tools returned,
// what the request offers. Deterministic, like everything the sim answers.

export interface WireMessageLike {
  role: string;
  content: unknown;
  tool_calls?: unknown;
  tool_call_id?: unknown;
}

export interface ConversationView {
  /** Every user message's text, oldest first. */
  userTexts: string[];
  lastUser: string | undefined;
  /** The messages after the last user message are tool results (the model is to answer from them). */
  answersToolResult: boolean;
  /** Tool results' texts, oldest first. */
  toolResults: string[];
  /** Order numbers named anywhere in the customer's or the assistant's messages, most recent last. */
  orderNumbers: string[];
  /** A showroom city the conversation named. */
  city: string | undefined;
  /** An earlier tool result or an assistant message already gave the order's status. */
  lookedUp: boolean;
  /** Assistant and tool turns exist: the request carries history. */
  multiTurn: boolean;
}

export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: unknown) => (typeof part === 'object' && part !== null && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : ''))
      .join('');
  }
  return '';
}

// Order numbers as the sample writes them, and the placeholders redaction leaves for them.
const ORDER = /\bNW-\d{4,}\b|\[ORDER_\d+\]/g;
const STATUS_GIVEN = /\b(shipped|tracking number|expected to arrive|was delivered|out for delivery)\b/i;

export function readConversation(messages: readonly WireMessageLike[]): ConversationView {
  const userTexts: string[] = [];
  const toolResults: string[] = [];
  const orderNumbers: string[] = [];
  let lastUserIndex = -1;
  let lookedUp = false;
  let multiTurn = false;
  messages.forEach((message, index) => {
    const text = messageText(message.content);
    if (message.role === 'user') {
      userTexts.push(text);
      lastUserIndex = index;
    }
    if (message.role === 'assistant' || message.role === 'tool') multiTurn = true;
    if (message.role === 'tool') {
      toolResults.push(text);
      lookedUp = true;
    }
    if (message.role === 'assistant' && STATUS_GIVEN.test(text)) lookedUp = true;
    if (message.role === 'user' || message.role === 'assistant' || message.role === 'tool') {
      for (const match of text.matchAll(ORDER)) orderNumbers.push(match[0]);
    }
  });
  const after = messages.slice(lastUserIndex + 1);
  const allText = userTexts.join('\n').toLowerCase();
  return {
    userTexts,
    lastUser: userTexts.at(-1),
    answersToolResult: after.length > 0 && after.at(-1)?.role === 'tool',
    toolResults,
    orderNumbers,
    city: SHOWROOMS.find((showroom) => allText.includes(showroom.city.toLowerCase()))?.city,
    lookedUp,
    multiTurn,
  };
}

/** The key a conversation's reference is stored and looked up under: all its customer messages. */
export function conversationKey(userTexts: readonly string[]): string {
  return userTexts.join('\n');
}

/** The key a logged query's reference goes under in the sim: its text, or its whole conversation's customer messages. */
export function referenceKeyFor(query: Pick<Query, 'text' | 'request'>): string {
  if (query.request === undefined) return query.text;
  return conversationKey(query.request.messages.filter((message) => message.role === 'user').map((message) => message.content));
}

interface ToolJson {
  type?: unknown;
  function?: { name?: unknown; description?: unknown; parameters?: { properties?: Record<string, unknown>; required?: unknown } };
}

export interface PlannedToolCall {
  name: string;
  arguments: string;
}

const ASKS_ABOUT_ORDER = /\b(on its way|shipped|ship|arriv\w*|where is|status|track\w*|deliver\w*|get here|come)\b/i;

/** How often each model answers in text when a tool call was called for, and writes the order number without its prefix. */
const TOOL_SLIPS: Readonly<Record<SimModel, { noCall: number; bareNumber: number }>> = {
  'gpt-4': { noCall: 0, bareNumber: 0 },
  'gpt-3.5-turbo': { noCall: 0.06, bareNumber: 0.04 },
  'llama-3-70b': { noCall: 0.12, bareNumber: 0.08 },
};

/**
 * The tool call a model makes for this request, or undefined when it answers in text. A call is
 * made when the request offers an order tool, tool_choice allows it, the customer named an order
 * and asks about its status, and nobody has looked it up yet; 'required' or a named tool_choice
 * always calls. Models slip at their own rates (a text answer, the number without "NW-").
 */
export function planToolCall(model: SimModel, tools: unknown, toolChoice: unknown, view: ConversationView): PlannedToolCall | undefined {
  if (!Array.isArray(tools) || tools.length === 0 || toolChoice === 'none' || view.answersToolResult) return undefined;
  const offered = (tools as ToolJson[]).filter((tool) => typeof tool?.function?.name === 'string');
  const named = typeof toolChoice === 'object' && toolChoice !== null ? (toolChoice as { function?: { name?: unknown } }).function?.name : undefined;
  const forced = toolChoice === 'required' || typeof named === 'string';
  const orderTool =
    offered.find((tool) => tool.function!.name === named) ??
    offered.find((tool) => /order/i.test(`${String(tool.function!.name)} ${String(tool.function!.description ?? '')}`)) ??
    (forced ? offered[0] : undefined);
  if (orderTool === undefined) return undefined;
  const order = view.orderNumbers.at(-1);
  const wanted = forced || (order !== undefined && !view.lookedUp && ASKS_ABOUT_ORDER.test(view.lastUser ?? ''));
  if (!wanted) return undefined;
  const random = createRandom(hashString(model, 'tool', conversationKey(view.userTexts)));
  const slips = TOOL_SLIPS[model];
  if (!forced && random.next() < slips.noCall) return undefined;
  const properties = Object.keys(orderTool.function!.parameters?.properties ?? {});
  const parameter = properties.find((name) => /order/i.test(name)) ?? properties[0] ?? 'order_id';
  const value = order === undefined ? '' : random.next() < slips.bareNumber ? order.replace(/^NW-/, '') : order;
  return { name: String(orderTool.function!.name), arguments: JSON.stringify({ [parameter]: value }) };
}

/**
 * What the context adds to a text answer when no reference is known for the conversation: the
 * order it is about, and what a tool returned, so a fact given in an earlier turn is used in the
 * last. Empty for a single-turn request.
 */
export function contextSentences(view: ConversationView): string[] {
  if (!view.multiTurn) return [];
  const sentences: string[] = [];
  const order = view.orderNumbers.at(-1);
  if (order !== undefined) sentences.push(`This is about your order ${order}.`);
  const result = view.toolResults.at(-1);
  if (result !== undefined) {
    const facts = toolFacts(result);
    if (facts !== '') sentences.push(`Our order system shows: ${facts}.`);
  }
  if (view.city !== undefined) sentences.push(`This is about our ${view.city} showroom.`);
  return sentences;
}

/** A tool result's fields as words: {"status":"shipped","eta":"Saturday, March 8"} -> "status shipped, eta Saturday, March 8". */
function toolFacts(text: string): string {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return text.slice(0, 300);
    return Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => typeof field === 'string' || typeof field === 'number')
      .map(([key, field]) => `${key.replace(/_/g, ' ')} ${String(field)}`)
      .join(', ');
  } catch {
    return text.slice(0, 300);
  }
}
