import { SHOWROOMS } from '../datasets/company.ts';
import { matchIntent, referenceFor } from '../datasets/knowledge-base.ts';
import type { SimModel } from './models.ts';
import { contentWords, coverage, isNegated, numbers, splitSentences } from './text-facts.ts';

export interface JudgeSections {
  query: string;
  reference: string | undefined;
  answer: string;
  /** The earlier turns of a multi-turn request (the judge prompt's <conversation>). */
  conversation?: string;
}

export interface JudgeVerdict {
  score: number;
  reasoning: string;
}

function unescapeSection(text: string): string {
  // &amp; last, so "&amp;lt;" comes back as the literal "&lt;" the answer contained.
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function section(prompt: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(prompt);
  return match ? unescapeSection(match[1] ?? '').trim() : undefined;
}

/** Reads the `<query>`, `<reference>` and `<answer>` sections of a judge prompt; undefined without an answer. */
export function parseJudgePrompt(prompt: string): JudgeSections | undefined {
  const answer = section(prompt, 'answer');
  if (answer === undefined) return undefined;
  const conversation = section(prompt, 'conversation');
  return { query: section(prompt, 'query') ?? '', reference: section(prompt, 'reference'), answer, ...(conversation === undefined ? {} : { conversation }) };
}

// What a conversation establishes that a later answer should use: order numbers (or the
// placeholders redaction left for them) and showroom cities the customer named.
const ORDER_IDENTIFIER = /\bNW-\d{4,}\b|\[ORDER_\d+\]/g;
const TOOL_CALL_ANSWER = /^\[calls tool ([\w.-]+) with ([\s\S]*)\]$/;

function contextIdentifiers(conversation: string): string[] {
  const found = new Set<string>();
  for (const line of conversation.split('\n')) {
    // The system prompt's examples are not the customer's facts.
    if (line.startsWith('system prompt:')) continue;
    for (const match of line.matchAll(ORDER_IDENTIFIER)) found.add(match[0]);
    for (const showroom of SHOWROOMS) if (line.startsWith('customer:') && line.toLowerCase().includes(showroom.city.toLowerCase())) found.add(showroom.city);
  }
  return [...found];
}

/**
 * An answer that is a tool call ("[calls tool order_lookup with {...}]", as the harness shows it):
 * right when the reference asks for that tool and every argument value comes from the conversation
 * or the reference; undefined when the reference does not ask for a tool (the answer is then judged
 * on its facts, and a call covers none).
 */
function judgeToolCall(answer: string, reference: string | undefined, conversation: string | undefined): JudgeVerdict | undefined {
  const lines = answer.split('\n').map((line) => TOOL_CALL_ANSWER.exec(line.trim())).filter((match) => match !== null);
  if (lines.length === 0 || reference === undefined) return undefined;
  const call = lines[0]!;
  const name = call[1]!;
  if (!reference.includes(name)) return undefined;
  let values: string[] = [];
  try {
    const parsed = JSON.parse(call[2]!) as unknown;
    values = typeof parsed === 'object' && parsed !== null ? Object.values(parsed).map(String) : [String(parsed)];
  } catch {
    return { score: 2, reasoning: `Calls ${name} with arguments that are not JSON.` };
  }
  const known = `${conversation ?? ''}\n${reference}`;
  const missing = values.filter((value) => value === '' || !known.includes(value));
  if (missing.length > 0) return { score: 2, reasoning: `Calls ${name}, as the reference asks, but with ${missing.map((value) => JSON.stringify(value)).join(', ')}, which the conversation does not give.` };
  return { score: 5, reasoning: `Calls ${name} with arguments the conversation gives, as the reference asks.` };
}

/**
 * A multi-turn answer that uses none of what the conversation established (the order number, the
 * showroom) answers a different question: one point off, said in the reasoning.
 */
function contextPenalty(answer: string, conversation: string | undefined): { points: number; note: string } {
  if (conversation === undefined) return { points: 0, note: '' };
  const identifiers = contextIdentifiers(conversation);
  if (identifiers.length === 0) return { points: 0, note: '' };
  const lower = answer.toLowerCase();
  if (identifiers.some((identifier) => lower.includes(identifier.toLowerCase()))) return { points: 0, note: '' };
  return { points: 1, note: ` Ignores the context: does not use ${identifiers.join(', ')} from the earlier turns.` };
}

const INJECTION = /\b(ignore (the |all |any |previous |prior |your )*(rubric|instructions|criteria|above)|give (this|it|me|the answer)? ?(a )?(score of |rating of )?5|score(d)? (this|it) (a )?5|you are (now )?the judge|system prompt)\b/i;

interface FactCheck {
  covered: number;
  contradicted: number;
  counted: number;
}

/**
 * Checks each reference fact against the answer. A fact is covered when most of its content
 * words and all of its numbers appear; it is contradicted when the answer sentence closest to
 * it gives other numbers or the opposite polarity.
 */
function checkFacts(reference: string, answer: string): FactCheck {
  const answerWords = contentWords(answer);
  const answerNumbers = numbers(answer);
  const facts = splitSentences(reference)
    .map((fact) => ({ fact, words: contentWords(fact), numbers: numbers(fact) }))
    .filter((fact) => fact.words.size > 0);
  // Each answer sentence is compared only with the fact it resembles most, so two similar facts
  // (standard and express shipping) are not read as contradicting each other.
  const closest = new Map<number, { sentence: string; numbers: Set<string>; overlap: number }>();
  for (const sentence of splitSentences(answer)) {
    const words = contentWords(sentence);
    let bestFact = -1;
    let bestOverlap = 0;
    facts.forEach((fact, index) => {
      const overlap = coverage(fact.words, words);
      if (overlap > bestOverlap) {
        bestFact = index;
        bestOverlap = overlap;
      }
    });
    const current = closest.get(bestFact);
    if (bestFact >= 0 && (!current || bestOverlap > current.overlap)) closest.set(bestFact, { sentence, numbers: numbers(sentence), overlap: bestOverlap });
  }
  const result: FactCheck = { covered: 0, contradicted: 0, counted: facts.length };
  facts.forEach((fact, index) => {
    const best = closest.get(index);
    if (best && best.overlap >= 0.5) {
      const missingNumber = [...fact.numbers].some((value) => !best.numbers.has(value));
      const otherNumber = [...best.numbers].some((value) => !fact.numbers.has(value));
      const flipped = best.overlap >= 0.7 && isNegated(best.sentence) !== isNegated(fact.fact);
      if ((missingNumber && otherNumber) || flipped) {
        result.contradicted++;
        return;
      }
    }
    const numbersPresent = [...fact.numbers].every((value) => answerNumbers.has(value));
    if (numbersPresent && coverage(fact.words, answerWords) >= 0.6) result.covered++;
  });
  return result;
}

function scoreFromFacts(check: FactCheck): number {
  const share = check.counted === 0 ? 0 : check.covered / check.counted;
  return Math.min(5, Math.max(1, Math.round(1 + 4 * share - 1.5 * check.contradicted)));
}

function describe(check: FactCheck, against: string): string {
  const parts = [`Covers ${check.covered} of ${check.counted} ${against} facts`];
  if (check.contradicted > 0) parts.push(`${check.contradicted} stated wrongly`);
  return parts.join('; ');
}

/**
 * The sim's judge: fact coverage against the reference, wrong facts penalised. Text inside the
 * answer is only ever measured, never obeyed. With no reference it falls back to the company
 * knowledge base for the query's topic, then to length and relevance heuristics.
 */
export function judgeAnswer(sections: JudgeSections, lookupReference?: (query: string) => string | undefined): JudgeVerdict {
  const answer = sections.answer.trim();
  const injectionNote = INJECTION.test(answer) ? ' The answer contains instructions to the grader, which were ignored.' : '';
  if (answer.length === 0) return { score: 1, reasoning: 'The answer is empty.' };

  const reference = sections.reference?.trim() || lookupReference?.(sections.query);
  const toolVerdict = judgeToolCall(answer, reference, sections.conversation);
  if (toolVerdict !== undefined) return { ...toolVerdict, reasoning: `${toolVerdict.reasoning}${injectionNote}` };
  const penalty = contextPenalty(answer, sections.conversation);
  if (reference) {
    const check = checkFacts(reference, answer);
    return { score: Math.max(1, scoreFromFacts(check) - penalty.points), reasoning: `${describe(check, 'reference')}.${penalty.note}${injectionNote}` };
  }

  const match = matchIntent(sections.query);
  if (match) {
    const check = checkFacts(referenceFor(match.intent, () => undefined), answer);
    // Without a labelled reference, a fluent on-topic answer is not punished below 2.
    const score = Math.max(1, Math.max(2, scoreFromFacts(check)) - penalty.points);
    return { score, reasoning: `No reference given; judged against the knowledge base for ${match.intent.id}. ${describe(check, 'knowledge-base')}.${penalty.note}${injectionNote}` };
  }

  const words = answer.split(/\s+/).length;
  const relevance = coverage(contentWords(sections.query), contentWords(answer));
  let score = words < 8 ? 2 : words > 400 ? 3 : 3 + (relevance >= 0.25 ? 1 : 0);
  if (injectionNote) score = Math.min(score, 2);
  score = Math.max(1, score - penalty.points);
  return { score, reasoning: `No reference given; judged on length (${words} words) and relevance to the query.${penalty.note}${injectionNote}` };
}

export interface PairwiseSections {
  query: string;
  reference: string | undefined;
  answerA: string;
  answerB: string;
}

export interface PairwiseVerdict {
  reasoning: string;
  preference: 'A' | 'B' | 'tie';
}

/** Reads `<query>`, optional `<reference>`, `<answer_a>` and `<answer_b>`; undefined without both answers. */
export function parsePairwisePrompt(prompt: string): PairwiseSections | undefined {
  const answerA = section(prompt, 'answer_a');
  const answerB = section(prompt, 'answer_b');
  if (answerA === undefined || answerB === undefined) return undefined;
  return { query: section(prompt, 'query') ?? '', reference: section(prompt, 'reference'), answerA, answerB };
}

/** Merit on a continuous scale (the single score before rounding), so close answers still differ. */
function merit(answer: string, reference: string | undefined, query: string): { value: number; note: string } {
  if (answer.trim().length === 0) return { value: 0, note: 'empty' };
  if (reference) {
    const check = checkFacts(reference, answer.trim());
    const share = check.counted === 0 ? 0 : check.covered / check.counted;
    return { value: 1 + 4 * share - 1.5 * check.contradicted, note: describe(check, 'reference') };
  }
  const verdict = judgeAnswer({ query, reference: undefined, answer });
  return { value: verdict.score, note: `scored ${verdict.score} without a reference` };
}

/**
 * The sim's pairwise judge: the answer with the better fact coverage (wrong facts penalised) wins.
 * When both are equally good it prefers the answer shown first, as LLM judges are documented to do
 * (position bias), unless the two texts are identical; the harness asks in both orders, sees the two
 * verdicts disagree and records a tie. Text inside the answers is measured, never obeyed.
 */
export function judgePairwise(sections: PairwiseSections, lookupReference?: (query: string) => string | undefined): PairwiseVerdict {
  const reference = sections.reference?.trim() || lookupReference?.(sections.query);
  const a = merit(sections.answerA, reference, sections.query);
  const b = merit(sections.answerB, reference, sections.query);
  const injected = [sections.answerA, sections.answerB].some((answer) => INJECTION.test(answer));
  const note = injected ? ' An answer contains instructions to the grader, which were ignored.' : '';
  const detail = `A: ${a.note}; B: ${b.note}.${note}`;
  if (Math.abs(a.value - b.value) > 1e-9) return { reasoning: detail, preference: a.value > b.value ? 'A' : 'B' };
  if (sections.answerA.trim() === sections.answerB.trim()) return { reasoning: `The answers are identical. ${detail}`, preference: 'tie' };
  return { reasoning: `Equally good on the facts; A reads slightly better. ${detail}`, preference: 'A' };
}

/** promptfoo's llm-rubric grader prompt: the graded text in `<Output>`, the rubric in `<Rubric>`. */
export function parseRubricPrompt(prompt: string): { output: string; rubric: string } | undefined {
  if (!prompt.includes('<Rubric>')) return undefined;
  const output = section(prompt, 'Output');
  const rubric = section(prompt, 'Rubric');
  return output === undefined || rubric === undefined ? undefined : { output, rubric };
}

/**
 * The reply to promptfoo's llm-rubric grader (`{"reason", "pass", "score"}`, score 0-1), so promptfoo
 * can be benchmarked against the same sim with a model-graded assertion. The rubric's `<reference>`
 * section (or the whole rubric) is the facts; grading is the sim judge's fact coverage, pass at 4 of 5.
 * undefined when the prompt is not such a grader prompt.
 */
export function simRubricReply(prompt: string, lookupReference?: (query: string) => string | undefined): string | undefined {
  const sections = parseRubricPrompt(prompt);
  if (sections === undefined) return undefined;
  const reference = section(sections.rubric, 'reference') ?? sections.rubric;
  const verdict = judgeAnswer({ query: '', reference, answer: sections.output }, lookupReference);
  return JSON.stringify({ reason: verdict.reasoning, pass: verdict.score >= 4, score: (verdict.score - 1) / 4 });
}

/** Response-format names the sim answers as a judge; anything else is an ordinary chat request. */
export const SIM_JUDGE_FORMATS = ['judge_verdict', 'judge_pairwise'] as const;
export type SimJudgeFormat = (typeof SIM_JUDGE_FORMATS)[number];

export function simJudgeFormat(responseFormat: unknown): SimJudgeFormat | undefined {
  const format = responseFormat as { type?: unknown; json_schema?: { name?: unknown } } | undefined;
  if (format?.type !== 'json_schema') return undefined;
  const name = format.json_schema?.name;
  return SIM_JUDGE_FORMATS.find((known) => known === name);
}

/** The reply content of a judge request (a JSON verdict), for the chat endpoint and for batch lines alike. */
export function simJudgeReply(format: SimJudgeFormat, prompt: string, lookupReference?: (query: string) => string | undefined, model?: SimModel): string {
  if (format === 'judge_pairwise') {
    const sections = parsePairwisePrompt(prompt);
    const verdict: PairwiseVerdict = sections
      ? judgePairwise(sections, lookupReference)
      : { reasoning: 'The prompt has no <answer_a> and <answer_b> sections to compare.', preference: 'tie' };
    return JSON.stringify(verdict);
  }
  const sections = parseJudgePrompt(prompt);
  const verdict = sections ? judgeAnswer(sections, lookupReference) : { score: 1, reasoning: 'The prompt has no <answer> section to judge.' };
  return JSON.stringify(model === undefined ? verdict : asJudgedBy(model, verdict, prompt));
}

/**
 * A smaller open model as judge (Llama-as-judge) agrees with GPT-4 often but not always: the sim's
 * Llama judge moves about one verdict in five a point up and one in twelve a point down, decided by
 * a hash of the prompt (the same prompt, the same verdict), clamped to 1-5 (so on answers GPT-4
 * gives 5 it can only be stricter). GPT-4 and GPT-3.5 judge with the reference verdict. A
 * simulation of a judge's noise, not a measurement of Llama.
 */
export function asJudgedBy(model: SimModel, verdict: JudgeVerdict, prompt: string): JudgeVerdict {
  if (model !== 'llama-3-70b') return verdict;
  const draw = (fnv1a(prompt) % 10_000) / 10_000;
  const shift = draw < 0.2 ? 1 : draw < 0.2 + 1 / 12 ? -1 : 0;
  const score = Math.min(5, Math.max(1, verdict.score + shift));
  return score === verdict.score ? verdict : { score, reasoning: `${verdict.reasoning} (Llama judge: ${shift > 0 ? 'lenient' : 'strict'} by a point.)` };
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
