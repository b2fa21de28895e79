import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeCacheKey } from './judge-cache.ts';
import { combineOrders, pairwiseMessages, winnerOf, type OrderResult } from './pairwise-judge.ts';
import { parsePreferenceReply } from './pairwise-verdict.ts';
import { loadRubric } from './rubric.ts';

const pairwise = loadRubric('judges/support-pairwise.yaml');
const single = loadRubric('judges/support-single.yaml');

describe('rubrics', () => {
  it('loads both kinds, refuses the wrong kind where one is required, and hashes them apart', () => {
    expect(pairwise).toMatchObject({ name: 'support-pairwise', kind: 'pairwise', version: '1.0' });
    expect(single.kind).toBe('single');
    expect(() => loadRubric('judges/support-single.yaml', 'pairwise')).toThrow(/single rubric; a pairwise rubric is needed/);
    expect(() => loadRubric('judges/nope.yaml')).toThrow(/rubric not found/);
    expect(pairwise.promptHash).toMatch(/^[0-9a-f]{16}$/);
    expect(pairwise.promptHash).not.toBe(single.promptHash);
    expect(loadRubric('judges/support-pairwise.yaml').promptHash).toBe(pairwise.promptHash);
  });
});

describe('parsePreferenceReply', () => {
  it('accepts A, B and tie (loosely spelled) with the reasoning', () => {
    expect(parsePreferenceReply('{"reasoning": "A has the hours", "preference": "A"}')).toEqual({ ok: true, value: { preference: 'A', reasoning: 'A has the hours' } });
    expect(parsePreferenceReply('```json\n{"preference": " b ", "reasoning": "x"}\n```')).toMatchObject({ ok: true, value: { preference: 'B' } });
    expect(parsePreferenceReply('{"preference": "Tie"}')).toMatchObject({ ok: true, value: { preference: 'tie', reasoning: '' } });
  });

  it('never turns a bad reply into a preference', () => {
    for (const text of ['', 'A', '{"preference": "C"}', '{"preference": 1}', '{"reasoning": "x"}', '{"preference": "A"', undefined]) {
      const parsed = parsePreferenceReply(text);
      expect(parsed.ok).toBe(false);
    }
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parsePreferenceReply(text);
        if (parsed.ok) expect(['A', 'B', 'tie']).toContain(parsed.value.preference);
      }),
    );
  });
});

const scored = (preference: 'A' | 'B' | 'tie', order: 'ab' | 'ba'): OrderResult => ({
  status: 'scored',
  preference,
  winner: winnerOf(preference, order),
  reasoning: `${preference} in ${order}`,
  latencyMs: 10,
  cached: false,
  calls: 1,
});

describe('position swap', () => {
  it('maps A/B back to candidate/baseline by order', () => {
    expect(winnerOf('A', 'ab')).toBe('candidate');
    expect(winnerOf('B', 'ab')).toBe('baseline');
    expect(winnerOf('A', 'ba')).toBe('baseline');
    expect(winnerOf('B', 'ba')).toBe('candidate');
    expect(winnerOf('tie', 'ba')).toBe('tie');
  });

  it('keeps a verdict both orders agree on, and calls a disagreement a tie', () => {
    const agreed = combineOrders(scored('A', 'ab'), scored('B', 'ba'));
    expect(agreed).toMatchObject({ status: 'scored', winner: 'candidate', consistent: true, latencyMs: 20, calls: 2 });
    // "Always A" is position bias: candidate first, then baseline first -> the orders disagree.
    const biased = combineOrders(scored('A', 'ab'), scored('A', 'ba'));
    expect(biased).toMatchObject({ status: 'scored', winner: 'tie', consistent: false });
    expect(biased.reason).toMatch(/disagree/);
    expect(combineOrders(scored('tie', 'ab'), scored('tie', 'ba'))).toMatchObject({ winner: 'tie', consistent: true });
    expect(combineOrders(scored('tie', 'ab'), scored('A', 'ba'))).toMatchObject({ winner: 'tie', consistent: false });
  });

  it('never guesses from one order when the other failed', () => {
    const failed: OrderResult = { status: 'error', reason: '503 overloaded', latencyMs: undefined, cached: false, calls: 1 };
    const unscored: OrderResult = { status: 'unscored', reason: 'after one repair: not JSON', latencyMs: 5, cached: false, calls: 2 };
    expect(combineOrders(scored('A', 'ab'), failed)).toMatchObject({ status: 'error', winner: undefined, consistent: undefined, latencyMs: undefined });
    expect(combineOrders(unscored, scored('A', 'ba'))).toMatchObject({ status: 'unscored', winner: undefined, reason: expect.stringMatching(/candidate-first order: after one repair/) });
    expect(combineOrders(unscored, failed).status).toBe('error');
  });
});

describe('pairwise prompt', () => {
  it('shows the candidate as A in one order and as B in the other, each answer inside its own section', () => {
    const input = { query: 'q?', reference: 'facts', candidate: 'CANDIDATE', baseline: 'BASELINE' };
    const ab = pairwiseMessages(pairwise, input, 'ab')[1]!.content;
    const ba = pairwiseMessages(pairwise, input, 'ba')[1]!.content;
    expect(ab).toMatch(/<answer_a>\nCANDIDATE\n<\/answer_a>[\s\S]*<answer_b>\nBASELINE\n<\/answer_b>/);
    expect(ba).toMatch(/<answer_a>\nBASELINE\n<\/answer_a>[\s\S]*<answer_b>\nCANDIDATE\n<\/answer_b>/);
  });

  it('keeps any answer text inside its section', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (candidate, baseline) => {
        const content = pairwiseMessages(pairwise, { query: 'q', reference: 'r', candidate, baseline }, 'ab')[1]!.content;
        for (const tag of ['answer_a', 'answer_b', 'reference', 'query']) {
          expect(content.split(`<${tag}>`).length).toBe(2);
          expect(content.split(`</${tag}>`).length).toBe(2);
        }
      }),
    );
  });
});

describe('judge cache key', () => {
  const spec = { promptHash: single.promptHash, model: 'gpt-4', settings: { temperature: 0, max_tokens: 300 } };
  const input = { kind: 'single' as const, query: 'q', answer: 'a', reference: 'r' };

  it('is a sha256 of the judge spec and the inputs, and changes with any of them', () => {
    const key = judgeCacheKey(spec, input);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(judgeCacheKey({ ...spec, settings: { max_tokens: 300, temperature: 0 } }, { ...input })).toBe(key);
    const variants = [
      judgeCacheKey({ ...spec, promptHash: pairwise.promptHash }, input),
      judgeCacheKey({ ...spec, model: 'gpt-4o' }, input),
      judgeCacheKey({ ...spec, settings: { temperature: 1, max_tokens: 300 } }, input),
      judgeCacheKey(spec, { ...input, query: 'q2' }),
      judgeCacheKey(spec, { ...input, answer: 'a2' }),
      judgeCacheKey(spec, { ...input, reference: undefined }),
      judgeCacheKey(spec, { kind: 'pairwise', query: 'q', reference: 'r', answerA: 'a', answerB: 'b', order: 'ab' }),
      judgeCacheKey(spec, { kind: 'pairwise', query: 'q', reference: 'r', answerA: 'a', answerB: 'b', order: 'ba' }),
    ];
    expect(new Set([key, ...variants]).size).toBe(variants.length + 1);
  });
});
