import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainDeltaContent as readBytes, plainDeltaReader } from './stream-delta.ts';

/**
 * An event's bytes as the SSE parser hands them over: a range inside a larger buffer, here with
 * another event after it whose content prefix a search must not run into.
 */
function inBuffer(data: string): [Buffer, number, number] {
  const before = Buffer.from('data: ');
  const event = Buffer.from(data);
  const after = Buffer.from('\n\ndata: {"choices":[{"index":0,"delta":{"content":"next"},"logprobs":null,"finish_reason":null}]}\n\n');
  return [Buffer.concat([before, event, after]), before.length, before.length + event.length];
}

function plainDeltaContent(data: string): string | undefined {
  return readBytes(...inBuffer(data));
}

interface Chunk {
  choices?: Array<{ index?: number; delta?: Record<string, unknown>; finish_reason?: string | null }>;
  usage?: unknown;
  error?: unknown;
}

/** What the stream reader takes from an event when it parses it in full. */
function readInFull(data: string): { plain: boolean; content: unknown } {
  const chunk = JSON.parse(data) as Chunk;
  const choice = chunk.choices?.[0];
  const plain =
    chunk.choices?.length === 1 &&
    choice?.finish_reason === null &&
    (chunk.usage === undefined || chunk.usage === null) &&
    chunk.error === undefined &&
    Object.keys(choice.delta ?? {}).join() === 'content';
  return { plain, content: choice?.delta?.content };
}

/** A fast read must be a plain event's content as the full parse gives it; true when there was one. */
function agreesWithFullParse(data: string, fast: string | undefined): boolean {
  if (fast === undefined) return false;
  const full = readInFull(data);
  expect(full.plain, data).toBe(true);
  expect(fast).toBe(full.content);
  return true;
}

const identity = { id: 'chatcmpl-9f8e7d6c5b4a', object: 'chat.completion.chunk', created: 1732420000, model: 'meta-llama/Meta-Llama-3-70B-Instruct' };

describe('plainDeltaContent', () => {
  it('reads the text of the events vLLM, OpenAI and the sim send for each token', () => {
    const vllm = JSON.stringify({ ...identity, choices: [{ index: 0, delta: { content: ' refund' }, logprobs: null, finish_reason: null }] });
    const openai = JSON.stringify({ ...identity, service_tier: 'default', system_fingerprint: 'fp_1', choices: [{ index: 0, delta: { content: 'Hi "there"\n' }, logprobs: null, finish_reason: null }], usage: null, obfuscation: 'x1' });
    const sim = JSON.stringify({ ...identity, system_fingerprint: 'fp_sim', choices: [{ index: 0, delta: { content: 'déjà vu 👍 ' }, logprobs: null, finish_reason: null }], usage: null });
    expect(plainDeltaContent(vllm)).toBe(' refund');
    expect(plainDeltaContent(openai)).toBe('Hi "there"\n');
    expect(plainDeltaContent(sim)).toBe('déjà vu 👍 ');
  });

  it('leaves every other event to the full parse', () => {
    const event = (choice: object, extra: object = {}) => JSON.stringify({ ...identity, choices: [{ index: 0, logprobs: null, ...choice }], ...extra });
    const others = [
      event({ delta: { role: 'assistant', content: '' }, finish_reason: null }),
      event({ delta: { content: 'end' }, finish_reason: 'stop' }),
      event({ delta: {}, finish_reason: 'length' }),
      event({ delta: { content: 'x' }, finish_reason: null }, { usage: { prompt_tokens: 3, completion_tokens: 1 } }),
      event({ delta: { content: 'x' }, finish_reason: null }, { error: { message: 'overloaded' } }),
      event({ delta: { content: 'x', refusal: null }, finish_reason: null }),
      event({ delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '' } }] }, finish_reason: null }),
      event({ delta: { tool_calls: [{ index: 0, function: { arguments: '{"order_id":"NW-1"}' } }] }, finish_reason: null }),
      event({ delta: { content: 'x', tool_calls: [{ index: 0, function: { arguments: '{}' } }] }, finish_reason: null }),
      JSON.stringify({ ...identity, choices: [] }),
      JSON.stringify({ ...identity, usage: { prompt_tokens: 3, completion_tokens: 9 }, choices: [] }),
      '[DONE]',
      '{"choices":[{"index":0,"delta":{"content":"cut',
    ];
    for (const data of others) expect(plainDeltaContent(data), data).toBeUndefined();
  });

  it('on any valid event, gives what a full parse gives, or nothing', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    const choice = fc.record(
      {
        index: fc.constantFrom(0, 1),
        delta: fc.oneof(
          fc.record({ content: text }),
          fc.record({ role: fc.constant('assistant'), content: text }),
          fc.record({ content: text, tool_calls: fc.constant([]) }),
          fc.constant({}),
        ),
        logprobs: fc.constant(null),
        finish_reason: fc.constantFrom(null, 'stop', 'length'),
      },
      { requiredKeys: ['delta'] },
    );
    const event = fc.record(
      {
        id: text,
        object: fc.constant('chat.completion.chunk'),
        model: text,
        choices: fc.array(choice, { minLength: 0, maxLength: 2 }),
        usage: fc.oneof(fc.constant(null), fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat() })),
        error: fc.record({ message: text }),
        extra: text,
      },
      { requiredKeys: ['choices'] },
    );
    // Mostly one-token events with a twist or none, so both sides of the fast path are exercised.
    const nearPlain = fc.record(
      {
        id: text,
        object: fc.constant('chat.completion.chunk'),
        choices: fc.tuple(
          fc.record({
            index: fc.constant(0),
            delta: fc.oneof({ weight: 4, arbitrary: fc.record({ content: text }) }, { weight: 1, arbitrary: fc.record({ content: text, refusal: fc.constant(null) }) }),
            logprobs: fc.constant(null),
            finish_reason: fc.constantFrom(null, null, null, 'stop'),
          }),
        ),
        usage: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat() }) }),
        error: fc.constant({ message: 'overloaded' }),
      },
      { requiredKeys: ['choices'] },
    );
    let read = 0;
    fc.assert(
      fc.property(fc.oneof(event, nearPlain), fc.boolean(), (value, choicesFirst) => {
        const ordered = choicesFirst ? Object.assign({ choices: value.choices }, value) : value;
        const data = JSON.stringify(ordered);
        if (agreesWithFullParse(data, plainDeltaContent(data))) read++;
      }),
      { numRuns: 5000 },
    );
    // The generator does produce plain events, so the comparison above is not vacuous.
    expect(read).toBeGreaterThan(50);
  });

  it('read as one stream (the head checked once), gives what a full parse gives, or nothing', () => {
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    // Events of one stream share id and model; now and then one carries usage, an error, another
    // key, a finish reason, or a different head, which the reader must not take for the checked one.
    const twist = fc.constantFrom('none', 'none', 'none', 'usage', 'error', 'refusal', 'finish', 'other-id', 'extra-key', 'escaped-head', 'error-head');
    const stream = fc.tuple(fc.string({ minLength: 3, maxLength: 8 }), fc.array(fc.tuple(text, twist), { minLength: 1, maxLength: 12 }));
    let read = 0;
    fc.assert(
      fc.property(stream, ([id, events]) => {
        const reader = plainDeltaReader();
        for (const [content, kind] of events) {
          const head =
            kind === 'error-head' // as long as the usual head, so only a comparison tells them apart
              ? { error: id.slice(3), object: 'chat.completion.chunk', model: 'm' }
              : { id: kind === 'other-id' ? `${id}x` : kind === 'escaped-head' ? `${id}\\"usage\\":1` : id, object: 'chat.completion.chunk', model: 'm' };
          const choice = { index: 0, delta: kind === 'refusal' ? { content, refusal: null } : { content }, logprobs: null, finish_reason: kind === 'finish' ? 'stop' : null };
          const event: Record<string, unknown> = { ...head, ...(kind === 'extra-key' ? { usage: { prompt_tokens: 1, completion_tokens: 2 } } : {}), choices: [choice] };
          if (kind === 'usage') event.usage = { prompt_tokens: 3, completion_tokens: 4 };
          else if (kind === 'error') event.error = { message: 'overloaded' };
          else event.usage = null;
          const data = JSON.stringify(event);
          const [bytes, start, end] = inBuffer(data);
          if (agreesWithFullParse(data, reader(bytes, start, end))) read++;
          bytes.fill(0); // the transport's buffer is not the reader's to keep
        }
      }),
      { numRuns: 3000 },
    );
    expect(read).toBeGreaterThan(1000);
  });
});
