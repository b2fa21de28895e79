import type { Tier } from '../core/tier.ts';

export const SIM_MODELS = ['llama-3-70b', 'gpt-3.5-turbo', 'gpt-4'] as const;
export type SimModel = (typeof SIM_MODELS)[number];

/** Other names a client may use for a served model (vLLM serves the Hugging Face id by default). */
export const MODEL_ALIASES: Readonly<Record<string, SimModel>> = {
  'meta-llama/Meta-Llama-3-70B-Instruct': 'llama-3-70b',
};

export const MODEL_OWNERS = { 'llama-3-70b': 'vllm', 'gpt-3.5-turbo': 'openai', 'gpt-4': 'openai' } satisfies Record<SimModel, string>;

export function resolveModel(name: string): SimModel | undefined {
  if ((SIM_MODELS as readonly string[]).includes(name)) return name as SimModel;
  return MODEL_ALIASES[name];
}

/** Milliseconds at timeScale 1. Decode time is tokens x perTokenMs, then the total is clamped to totalMs. */
export interface LatencyProfile {
  ttftMs: readonly [number, number];
  perTokenMs: readonly [number, number];
  totalMs: readonly [number, number];
}

// Shapes from the migration brief: GPT-4 slow and variable, GPT-3.5 quick, on-prem Llama fastest and steady.
export const LATENCY_PROFILES = {
  'llama-3-70b': { ttftMs: [100, 200], perTokenMs: [4, 8], totalMs: [400, 1000] },
  'gpt-3.5-turbo': { ttftMs: [150, 450], perTokenMs: [5, 14], totalMs: [300, 1500] },
  'gpt-4': { ttftMs: [400, 1600], perTokenMs: [18, 45], totalMs: [1000, 5000] },
} satisfies Record<SimModel, LatencyProfile>;

/**
 * How an answer relates to the reference facts. full: all facts; drop_one / drop_two: facts
 * left out; wrong_fact: one fact stated with a wrong number or the opposite meaning; vague:
 * no facts at all.
 */
export const ANSWER_OUTCOMES = ['full', 'drop_one', 'drop_two', 'wrong_fact', 'vague'] as const;
export type AnswerOutcome = (typeof ANSWER_OUTCOMES)[number];
export type QualityProfile = Readonly<Record<AnswerOutcome, number>>;

// Probabilities chosen so the sim's own judge gives roughly: gpt-4 ~4.7 everywhere; llama 4.6 / 4.0 / 3.2;
// gpt-3.5 4.4 / 4.3 / 3.6 (simple / medium / complex). A simulation, not a measurement of any real model.
export const QUALITY_PROFILES = {
  'gpt-4': {
    simple: { full: 0.8, drop_one: 0.15, drop_two: 0.02, wrong_fact: 0.03, vague: 0 },
    medium: { full: 0.8, drop_one: 0.15, drop_two: 0.02, wrong_fact: 0.03, vague: 0 },
    complex: { full: 0.8, drop_one: 0.15, drop_two: 0.02, wrong_fact: 0.03, vague: 0 },
  },
  'llama-3-70b': {
    simple: { full: 0.72, drop_one: 0.22, drop_two: 0.02, wrong_fact: 0.04, vague: 0 },
    medium: { full: 0.4, drop_one: 0.4, drop_two: 0.07, wrong_fact: 0.1, vague: 0.03 },
    complex: { full: 0.12, drop_one: 0.3, drop_two: 0.2, wrong_fact: 0.26, vague: 0.12 },
  },
  'gpt-3.5-turbo': {
    simple: { full: 0.6, drop_one: 0.3, drop_two: 0.04, wrong_fact: 0.06, vague: 0 },
    medium: { full: 0.55, drop_one: 0.32, drop_two: 0.04, wrong_fact: 0.07, vague: 0.02 },
    complex: { full: 0.3, drop_one: 0.3, drop_two: 0.15, wrong_fact: 0.17, vague: 0.08 },
  },
} satisfies Record<SimModel, Record<Tier, QualityProfile>>;
