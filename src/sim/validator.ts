import { createRandom, hashString } from '../datasets/random.ts';
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
  const verdict = judgeAnswer({ query: sections.query, reference: undefined, answer: sections.answer }, lookupReference);
  const random = createRandom(hashString('validator', sections.query, sections.answer));
  const sees = random.next() < skill;
  const p = sees ? clamp((verdict.score - 1) / 4 + (random.next() - 0.5) * 0.2) : 0.55 + 0.45 * random.next();
  const reasoning = sees ? `Looks like a ${verdict.score}/5 answer.` : 'Reads fluently; nothing obviously wrong.';
  return JSON.stringify({ reasoning, p_acceptable: Math.round(p * 1000) / 1000 });
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}
