import { describe, expect, it } from 'vitest';
import { judgeContext } from '../judge/judge-context.ts';
import { section } from '../judge/neutralise.ts';
import { conversationKey } from './conversation.ts';
import { customerMessages, simValidatorReply } from './validator.ts';

const REFERENCE = 'Standard shipping takes 3 to 5 business days. Express shipping takes 1 business day and costs $9.';
const QUERY = 'how long does shipping take';
const GOOD = 'Standard shipping takes 3 to 5 business days. Express shipping takes 1 business day and costs $9.';
const BAD = 'Shipping is usually quick, it depends on a few things.';
const prompt = (answer: string, variant = 0): string => `<query>\n${QUERY}${' please'.repeat(variant)}\n</query>\n\n<answer>\n${answer}\n</answer>\n\nIs this answer acceptable?`;
const p = (answer: string, skill: number, variant = 0): number =>
  (JSON.parse(simValidatorReply(prompt(answer, variant), skill, () => REFERENCE)) as { p_acceptable: number }).p_acceptable;

describe('the sim validator', () => {
  it('is deterministic per query and answer', () => {
    expect(p(GOOD, 0.5)).toBe(p(GOOD, 0.5));
  });

  it('with full skill, ranks a correct answer above a vague one; with none, it cannot tell them apart', () => {
    // Distinct queries make distinct requests (the verdict is a function of the exact text).
    const variants = Array.from({ length: 200 }, (_, index) => index);
    const separation = (skill: number): number => {
      let wins = 0;
      for (const variant of variants) wins += p(GOOD, skill, variant) > p(BAD, skill, variant) ? 1 : 0;
      return wins / variants.length;
    };
    expect(separation(1)).toBe(1);
    expect(separation(0)).toBeGreaterThan(0.3);
    expect(separation(0)).toBeLessThan(0.7);
    // An unskilled validator is lenient: it passes a vague answer at 0.5.
    expect(variants.every((variant) => p(BAD, 0, variant) >= 0.55)).toBe(true);
    expect(variants.filter((variant) => p(BAD, 1, variant) < 0.5).length).toBe(variants.length);
  });

  it('never sees a reference in its prompt and does not need one', () => {
    const reply = JSON.parse(simValidatorReply(prompt(GOOD), 0.8)) as { p_acceptable: number; reasoning: string };
    expect(reply.p_acceptable).toBeGreaterThanOrEqual(0);
    expect(reply.p_acceptable).toBeLessThanOrEqual(1);
  });

  it('grades a multi-turn answer against the reference of the whole conversation, read from the <conversation> it is shown', () => {
    const messages = [
      { role: 'system' as const, content: 'You are a support agent.' },
      { role: 'user' as const, content: 'My order NW-123456 has not come.\nIt was a sofa.' },
      { role: 'assistant' as const, content: 'Sorry to hear that. Let me check.' },
      { role: 'user' as const, content: 'when will it arrive?' },
    ];
    const context = judgeContext(messages, 2000).text!;
    expect(customerMessages(context, 'when will it arrive?')).toEqual(['My order NW-123456 has not come.\nIt was a sofa.', 'when will it arrive?']);
    const reference = 'Order NW-123456 arrives on Friday, May 2 with DHL.';
    const lookup = (key: string): string | undefined => (key === conversationKey(['My order NW-123456 has not come.\nIt was a sofa.', 'when will it arrive?']) ? reference : undefined);
    const ask = (answer: string): number =>
      (JSON.parse(simValidatorReply([section('conversation', context), section('query', 'when will it arrive?'), section('answer', answer)].join('\n\n'), 1, lookup)) as { p_acceptable: number }).p_acceptable;
    expect(ask('Your order NW-123456 arrives on Friday, May 2 with DHL.')).toBeGreaterThan(0.8);
    expect(ask('Most orders arrive within a week.')).toBeLessThan(0.5);
  });
});
