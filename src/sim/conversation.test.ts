import OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { afterEach, describe, expect, it } from 'vitest';
import { conversationKey } from './conversation.ts';
import { judgeAnswer } from './judge.ts';
import { startSim, type SimOptions, type SimServer } from './server.ts';

// The sim on multi-turn requests, through the openai SDK (its own parser reads the sim's tool calls).

const started: SimServer[] = [];
async function sim(options: SimOptions = {}): Promise<OpenAI> {
  const server = await startSim({ timeScale: 0, ...options });
  started.push(server);
  return new OpenAI({ baseURL: server.url, apiKey: 'sim', maxRetries: 0 });
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.close()));
});

const SYSTEM: ChatCompletionMessageParam = { role: 'system', content: 'You are the Northwind Home support assistant.' };
const TOOLS: ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'order_lookup', description: 'Look up a Northwind Home order by its order number', parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] } },
  },
];
const ASKS_STATUS: ChatCompletionMessageParam[] = [
  SYSTEM,
  { role: 'user', content: 'Hello! Order number NW-582854 here.' },
  { role: 'assistant', content: 'Thanks! What would you like to know about order NW-582854?' },
  { role: 'user', content: 'is it on its way?' },
];

describe('sim: multi-turn requests', () => {
  it('answers the last turn from the context: an order number given two turns earlier is used', async () => {
    const client = await sim();
    const messages: ChatCompletionMessageParam[] = [
      SYSTEM,
      { role: 'user', content: 'I ordered a rattan basket, order NW-962621.' },
      { role: 'assistant', content: 'Thanks, I have found order NW-962621.' },
      { role: 'user', content: 'so when will it get here?' },
    ];
    const withHistory = await client.chat.completions.create({ model: 'gpt-4', messages });
    const without = await client.chat.completions.create({ model: 'gpt-4', messages: [SYSTEM, messages[3]!] });
    expect(withHistory.choices[0]!.message.content).toContain('NW-962621');
    expect(without.choices[0]!.message.content).not.toContain('NW-962621');
  });

  it("finds a conversation's reference by the whole conversation, not by its last message alone", async () => {
    const userTexts = ['I bought an oak dining table (order NW-264784) and it does not fit the room.', 'it is. can I still return it?'];
    const reference = 'The oak dining table can be returned within 30 days of delivery for a full refund. Start the return for order NW-264784 from My Account > Orders.';
    const client = await sim({ references: [{ query: conversationKey(userTexts), reference, tier: 'simple' }] });
    const messages: ChatCompletionMessageParam[] = [
      SYSTEM,
      { role: 'user', content: userTexts[0]! },
      { role: 'assistant', content: 'Sorry it did not work out! Is it unused and in its original packaging?' },
      { role: 'user', content: userTexts[1]! },
    ];
    const full = (await client.chat.completions.create({ model: 'gpt-4', messages })).choices[0]!.message.content!;
    const stripped = (await client.chat.completions.create({ model: 'gpt-4', messages: [SYSTEM, messages[3]!] })).choices[0]!.message.content!;
    const score = (answer: string) => judgeAnswer({ query: userTexts[1]!, reference, answer }).score;
    // The reference's facts (the model's draw may drop one of them), against a generic returns answer.
    expect(full).toContain('oak dining table');
    expect(stripped).not.toContain('oak dining table');
    expect(score(full)).toBeGreaterThan(score(stripped));
  });

  it('calls the order tool when one is offered and the customer asks about a named order, streamed and not', async () => {
    const client = await sim();
    const once = await client.chat.completions.create({ model: 'gpt-4', messages: ASKS_STATUS, tools: TOOLS, tool_choice: 'auto' });
    expect(once.choices[0]!.finish_reason).toBe('tool_calls');
    expect(once.choices[0]!.message.content).toBeNull();
    const call = once.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && call.function).toEqual({ name: 'order_lookup', arguments: '{"order_id":"NW-582854"}' });

    const stream = client.chat.completions.stream({ model: 'gpt-4', messages: ASKS_STATUS, tools: TOOLS, stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    const streamed = final.choices[0]!.message.tool_calls![0]!;
    expect(streamed.type === 'function' && streamed.function).toEqual({ name: 'order_lookup', arguments: '{"order_id":"NW-582854"}' });
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('does not call a tool when none is offered, tool_choice is none, or the lookup already happened; answers from a tool result', async () => {
    const client = await sim();
    const text = async (messages: ChatCompletionMessageParam[], extra: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> = {}) =>
      (await client.chat.completions.create({ model: 'gpt-4', messages, ...extra })).choices[0]!.message;
    expect((await text(ASKS_STATUS)).tool_calls).toBeUndefined();
    expect((await text(ASKS_STATUS, { tools: TOOLS, tool_choice: 'none' })).tool_calls).toBeUndefined();
    const afterResult = await text(
      [
        ...ASKS_STATUS,
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'order_lookup', arguments: '{"order_id":"NW-582854"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"status":"shipped","carrier":"FedEx","estimated_delivery":"Saturday, March 8"}' },
      ],
      { tools: TOOLS },
    );
    expect(afterResult.tool_calls).toBeUndefined();
    expect(afterResult.content).toContain('NW-582854');
    expect(afterResult.content).toContain('Saturday, March 8');
    // tool_choice naming the function: a call even without an order question.
    const forced = await text([SYSTEM, { role: 'user', content: 'hi' }], { tools: TOOLS, tool_choice: { type: 'function', function: { name: 'order_lookup' } } });
    expect(forced.tool_calls?.[0]).toMatchObject({ function: { name: 'order_lookup' } });
  });
});

describe('sim judge: the conversation', () => {
  const conversation = 'customer: I ordered a rattan basket, order NW-962621.\nassistant: Thanks, I found it.\ncustomer: (the message in <query> below)';
  it('takes a point off an answer that ignores what the earlier turns established', () => {
    const uses = judgeAnswer({ query: 'when will it get here?', reference: undefined, answer: 'Your order NW-962621 ships in 3 to 5 business days, and you will get a tracking email.', conversation });
    const ignores = judgeAnswer({ query: 'when will it get here?', reference: undefined, answer: 'Orders ship in 3 to 5 business days, and you will get a tracking email.', conversation });
    expect(ignores.score).toBe(uses.score - 1);
    expect(ignores.reasoning).toContain('Ignores the context: does not use NW-962621');
    // Without a conversation the same answer is not penalised.
    expect(judgeAnswer({ query: 'when will it get here?', reference: undefined, answer: 'Orders ship in 3 to 5 business days, and you will get a tracking email.' }).score).toBe(uses.score);
  });

  it('grades a tool call against a reference that asks for it: the right tool with arguments from the conversation', () => {
    const reference = 'Look up order NW-582854 with the order_lookup tool before answering.';
    const context = 'customer: Hello! Order number NW-582854 here.\ncustomer: (the message in <query> below)';
    const right = judgeAnswer({ query: 'is it on its way?', reference, answer: '[calls tool order_lookup with {"order_id":"NW-582854"}]', conversation: context });
    const wrongArgument = judgeAnswer({ query: 'is it on its way?', reference, answer: '[calls tool order_lookup with {"order_id":"582855"}]', conversation: context });
    const textInstead = judgeAnswer({ query: 'is it on its way?', reference, answer: 'Orders usually ship within 2 business days.', conversation: context });
    expect(right.score).toBe(5);
    expect(wrongArgument.score).toBe(2);
    expect(textInstead.score).toBeLessThan(right.score);
  });
});
