import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePreferenceReply } from './pairwise-verdict.ts';
import { parseVerdict } from './verdict.ts';

/*
 * The judge's reply is untrusted text from a model: whatever it says, the parsers give the verdict
 * it states, or no verdict with a reason. A cut, padded or malformed reply never becomes a number
 * or a preference it did not state.
 */

const reasoning = fc.string({ unit: fc.oneof(fc.constantFrom('{', '}', '"', '\\', '\n', '```', 'score', ':', '5'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 30 });
/** Prose a model wraps its JSON in: anything without braces. */
const prose = fc.string({ maxLength: 20 }).filter((text) => !text.includes('{') && !text.includes('}'));
const wrapping = fc.oneof(
  fc.constant((json: string) => json),
  fc.constant((json: string) => `\`\`\`json\n${json}\n\`\`\``),
  prose.chain((before) => prose.map((after) => (json: string) => `${before}${json}${after}`)),
);
const layout = fc.constantFrom<(value: unknown) => string>((value) => JSON.stringify(value), (value) => JSON.stringify(value, null, 2));

describe('single verdicts (property)', () => {
  it('read back the stated score and reasoning, in any key order, layout and wrapping', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), reasoning, fc.boolean(), layout, wrapping, (score, why, scoreFirst, render, wrap) => {
        const value = scoreFirst ? { score, reasoning: why } : { reasoning: why, score };
        expect(parseVerdict(wrap(render(value)))).toEqual({ status: 'scored', score, reasoning: why });
      }),
      { numRuns: 500 },
    );
  });

  it('are unscored, with a reason and no score, when the score is anything but an integer 1-5', () => {
    const notAScore = fc.jsonValue().filter((value) => !(typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 5));
    fc.assert(
      fc.property(notAScore, reasoning, fc.boolean(), (score, why, present) => {
        const verdict = parseVerdict(JSON.stringify(present ? { score, reasoning: why } : { reasoning: why }));
        expect(verdict.status).toBe('unscored');
        expect('score' in verdict).toBe(false);
        expect(verdict.status === 'unscored' && verdict.reason.length > 0).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never take another score from a reply cut short (a stream that stopped mid-answer)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), reasoning, fc.boolean(), layout, fc.nat(), (score, why, scoreFirst, render, cutAt) => {
        const text = render(scoreFirst ? { score, reasoning: why } : { reasoning: why, score });
        const cut = text.slice(0, cutAt % text.length);
        const verdict = parseVerdict(cut);
        if (verdict.status === 'scored') expect(verdict.score).toBe(score);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('pairwise verdicts (property)', () => {
  const spelled = fc.constantFrom('A', 'B', 'tie').chain((preference) =>
    fc
      .tuple(fc.constantFrom('', ' ', '\t', '\n '), fc.constantFrom('', ' ', '\n'), fc.boolean())
      .map(([before, after, upper]) => ({ preference, written: `${before}${upper ? preference.toUpperCase() : preference.toLowerCase()}${after}` })),
  );

  it('read back A, B or tie however they are cased and padded, with the reasoning verbatim', () => {
    fc.assert(
      fc.property(spelled, reasoning, fc.boolean(), layout, wrapping, ({ preference, written }, why, preferenceFirst, render, wrap) => {
        const value = preferenceFirst ? { preference: written, reasoning: why } : { reasoning: why, preference: written };
        expect(parsePreferenceReply(wrap(render(value)))).toEqual({ ok: true, value: { preference, reasoning: why } });
      }),
      { numRuns: 500 },
    );
  });

  it('give no preference for any other value, with a reason', () => {
    const other = fc.jsonValue().filter((value) => typeof value !== 'string' || !['A', 'B', 'TIE'].includes(value.trim().toUpperCase()));
    fc.assert(
      fc.property(other, reasoning, (preference, why) => {
        const parsed = parsePreferenceReply(JSON.stringify({ reasoning: why, preference }));
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(parsed.reason).toMatch(/preference|JSON/);
      }),
      { numRuns: 500 },
    );
  });

  it('never take another preference from a reply cut short', () => {
    fc.assert(
      fc.property(fc.constantFrom('A', 'B', 'tie'), reasoning, layout, fc.nat(), (preference, why, render, cutAt) => {
        const text = render({ reasoning: why, preference });
        const parsed = parsePreferenceReply(text.slice(0, cutAt % text.length));
        if (parsed.ok) expect(parsed.value.preference).toBe(preference);
      }),
      { numRuns: 1000 },
    );
  });
});
