import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBodyEncoder, type ChatRequestBody } from './request-body.ts';
import type { ChatMessage } from './types.ts';

const role = fc.constantFrom<ChatMessage['role']>('system', 'developer', 'user', 'assistant', 'tool');
// Long texts with quotes, backslashes, control characters, non-Latin and astral characters, lone surrogates.
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', '\n', '\t', '\u0001', 'é', '—', '👍', '\ud800', '"messages":[]'), minLength: 1000, maxLength: 3000 }),
);
// Keys in the API's order (the encoder writes them so): a message with tool calls, a tool result, a name.
const toolCall = fc.record({
  id: fc.string({ maxLength: 12 }),
  type: fc.constant('function' as const),
  function: fc.record({ name: fc.string({ maxLength: 20 }), arguments: fc.oneof(fc.json(), text) }),
});
const message: fc.Arbitrary<ChatMessage> = fc.record(
  {
    role,
    content: fc.oneof({ weight: 5, arbitrary: text }, { weight: 1, arbitrary: fc.constant(null) }),
    tool_calls: fc.array(toolCall, { minLength: 1, maxLength: 3 }),
    tool_call_id: fc.string({ maxLength: 12 }),
    name: fc.string({ maxLength: 12 }),
  },
  { requiredKeys: ['role', 'content'] },
);
const jsonObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
const tool = fc.record({
  type: fc.constant('function' as const),
  function: fc.record({ name: fc.string({ maxLength: 20 }), description: text, parameters: jsonObject }, { requiredKeys: ['name'] }),
});
// Every field in the order requestBody adds them: model, messages, the logged parameters, tools, stream.
const body: fc.Arbitrary<ChatRequestBody> = fc.record(
  {
    model: fc.oneof(fc.constant('gpt-4'), fc.string(), fc.constant('x","messages":[],"y":"')),
    messages: fc.array(message, { minLength: 1, maxLength: 4 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    max_tokens: fc.nat(4096),
    max_completion_tokens: fc.nat(4096),
    stop: fc.oneof(fc.string(), fc.array(fc.string(), { maxLength: 4 })),
    seed: fc.integer(),
    presence_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
    frequency_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
    response_format: fc.oneof(fc.constant({ type: 'json_object' }), jsonObject),
    tool_choice: fc.oneof(fc.constantFrom('auto', 'none', 'required'), fc.constant({ type: 'function', function: { name: 'lookup_order' } })),
    parallel_tool_calls: fc.boolean(),
    tools: fc.array(tool, { maxLength: 3 }),
    stream: fc.boolean(),
    stream_options: fc.record({ include_usage: fc.boolean() }),
  },
  { requiredKeys: ['model', 'messages'] },
);

describe('createBodyEncoder', () => {
  it('gives the bytes of JSON.stringify, call after call with the first message kept or replaced', () => {
    fc.assert(
      fc.property(fc.array(body, { minLength: 1, maxLength: 6 }), fc.nat(5), (bodies, repeatFrom) => {
        const encode = createBodyEncoder();
        // The same system message again (the common case: one prompt per endpoint), then others.
        const shared = bodies[Math.min(repeatFrom, bodies.length - 1)]!.messages[0]!;
        const otherRole: ChatMessage = { ...shared, role: shared.role === 'system' ? 'user' : 'system' };
        const calls = bodies.flatMap((each) => [
          each,
          { ...each, messages: [{ ...shared }, ...each.messages.slice(1)] },
          { ...each, messages: [otherRole, ...each.messages.slice(1)] },
        ]);
        for (const call of calls) expect(encode(call)).toEqual(Buffer.from(JSON.stringify(call)));
      }),
    );
  });

  it('a kept first message is replaced when its tool calls, tool call id or name differ', () => {
    const encode = createBodyEncoder();
    const long = 'policy '.repeat(300);
    const bodies: ChatRequestBody[] = [
      { model: 'm', messages: [{ role: 'system', content: long }, { role: 'user', content: 'a' }] },
      { model: 'm', messages: [{ role: 'system', content: long, name: 'ops' }, { role: 'user', content: 'a' }] },
      { model: 'm', messages: [{ role: 'assistant', content: long, tool_calls: [{ id: '1', type: 'function', function: { name: 'f', arguments: '{}' } }] }] },
      { model: 'm', messages: [{ role: 'tool', content: long, tool_call_id: '1' }] },
      { model: 'm', messages: [{ role: 'system', content: long }, { role: 'user', content: 'b' }] },
    ];
    for (const each of bodies) expect(encode(each)).toEqual(Buffer.from(JSON.stringify(each)));
  });

  it('sends only a message\'s role and content, whatever else the caller\'s objects carry', () => {
    const encode = createBodyEncoder();
    const long = 'policy '.repeat(300);
    for (const content of [long, 'short']) {
      const messages = [{ role: 'system', content, internal: 'not for the API' } as ChatMessage, { role: 'user', content: 'hi', id: 7 } as ChatMessage];
      expect(JSON.parse(encode({ model: 'm', messages }).toString('utf8'))).toEqual({
        model: 'm',
        messages: [
          { role: 'system', content },
          { role: 'user', content: 'hi' },
        ],
      });
    }
  });
});
