import { createRandom, hashString } from '../datasets/random.ts';
import { LAST_TURN_TEXT } from '../judge/judge-context.ts';
import { conversationKey } from './conversation.ts';
import { judgeAnswer, parseJudgePrompt } from './judge.ts';

/** The response_format name of a validator request (src/cascade/validator-rubric.ts sends it). */
export const SIM_VALIDATOR_FORMAT = 'validator_verdict';

/** Skill of a validator nobody configured: good, not perfect. */
export const DEFAULT_VALIDATOR_SKILL = 0.8;

export function isValidatorRequest(responseFormat: unknown): boolean {
  const format = responseFormat as { type?: unknown; json_schema?: { name?: unknown } } | undefined;
  return format?.type === 'json_schema' && format.json_schema?.name === SIM_VALIDATOR_FORMAT;
}

/**
 * The sim's validator. The request carries only the query and the answer; the sim, which plays
 * every model, grades the answer with its own judge against what it knows of the query (the
 * reference store), then behaves as a validator of the given skill: with probability `skill` it
 * sees the answer's real quality (P(acceptable) near (score - 1) / 4), otherwise it guesses, and
 * an unskilled validator guesses leniently (0.55-1.0), the way weak LLM validators pass answers.
 * Skill 1 is an oracle, skill 0 passes nearly everything at a low threshold and escalates at
 * random at a high one. Deterministic per (query, answer): a rerun gets the same verdicts.
 */
export function simValidatorReply(prompt: string, skill: number, lookupReference?: (query: string) => string | undefined): string {
  const sections = parseJudgePrompt(prompt);
  if (sections === undefined) return JSON.stringify({ reasoning: 'The prompt has no <answer> section to check.', p_acceptable: 0 });
  const conversation = sections.conversation;
  // The sim knows a conversation's reference by all its customer messages (as it answers it), so
  // a validator shown the conversation is graded against what that conversation asked.
  const lookup = lookupReference === undefined || conversation === undefined
    ? lookupReference
    : (query: string): string | undefined => lookupReference(conversationKey(customerMessages(conversation, query))) ?? lookupReference(query);
  const verdict = judgeAnswer({ query: sections.query, reference: undefined, answer: sections.answer, ...(conversation === undefined ? {} : { conversation }) }, lookup);
  const random = createRandom(conversation === undefined ? hashString('validator', sections.query, sections.answer) : hashString('validator', conversation, sections.query, sections.answer));
  const sees = random.next() < skill;
  const p = sees ? clamp((verdict.score - 1) / 4 + (random.next() - 0.5) * 0.2) : 0.55 + 0.45 * random.next();
  const reasoning = sees ? `Looks like a ${verdict.score}/5 answer.` : 'Reads fluently; nothing obviously wrong.';
  return JSON.stringify({ reasoning, p_acceptable: Math.round(p * 1000) / 1000 });
}

const TRANSCRIPT_LINE = /^(system prompt|customer|assistant|tool result)( \([^)]*\))?: /;

/**
 * The customer's messages in a judge-style transcript (src/judge/judge-context.ts), in order, with
 * the marked last turn replaced by the query. A message spanning several lines continues until
 * the next line that starts a transcript entry.
 */
export function customerMessages(conversation: string, query: string): string[] {
  const entries: Array<{ customer: boolean; text: string }> = [];
  for (const line of conversation.split('\n')) {
    const match = TRANSCRIPT_LINE.exec(line);
    if (match !== null) entries.push({ customer: match[1] === 'customer', text: line.slice(match[0].length) });
    else if (entries.length > 0) entries.at(-1)!.text += `\n${line}`;
  }
  const customer = entries.filter((entry) => entry.customer);
  const marked = customer.some((entry) => entry.text.startsWith(LAST_TURN_TEXT));
  const texts = customer.map((entry) => (entry.text.startsWith(LAST_TURN_TEXT) ? query : entry.text));
  return marked ? texts : [...texts, query];
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}
