import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBodyEncoder, type ChatRequestBody } from './request-body.ts';
import type { ChatMessage } from './types.ts';

const role = fc.constantFrom<ChatMessage['role']>('system', 'user', 'assistant');
// Long texts with quotes, backslashes, control characters, non-Latin and astral characters, lone surrogates.
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', '\n', '\t', '\u0001', 'é', '—', '👍', '\ud800', '"messages":[]'), minLength: 1000, maxLength: 3000 }),
);
const message = fc.record({ role, content: text });
const body: fc.Arbitrary<ChatRequestBody> = fc.record(
  {
    model: fc.oneof(fc.constant('gpt-4'), fc.string(), fc.constant('x","messages":[],"y":"')),
    messages: fc.array(message, { minLength: 1, maxLength: 4 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    max_tokens: fc.nat(4096),
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
        const otherRole: ChatMessage = { role: shared.role === 'system' ? 'user' : 'system', content: shared.content };
        const calls = bodies.flatMap((each) => [
          each,
          { ...each, messages: [{ ...shared }, ...each.messages.slice(1)] },
          { ...each, messages: [otherRole, ...each.messages.slice(1)] },
        ]);
        for (const call of calls) expect(encode(call)).toEqual(Buffer.from(JSON.stringify(call)));
      }),
    );
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
