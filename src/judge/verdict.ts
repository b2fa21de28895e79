import { z } from 'zod';
import type { Verdict } from '../core/judgment.ts';
import { extractJson, type Parsed } from './structured-call.ts';

const verdictSchema = z.object({
  score: z.int().min(1).max(5),
  reasoning: z.string().default(''),
});

export interface ScoreVerdict {
  score: number;
  reasoning: string;
}

/** Parses a single-answer judge reply into a score, or the reason it is not one. */
export function parseScoreReply(text: string | undefined): Parsed<ScoreVerdict> {
  if (text === undefined || text.trim() === '') return { ok: false, reason: 'empty judge reply' };
  const json = extractJson(text);
  if (json === undefined) return { ok: false, reason: `judge reply is not JSON: ${text.slice(0, 80)}` };
  const parsed = verdictSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `judge verdict invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  return { ok: true, value: { score: parsed.data.score, reasoning: parsed.data.reasoning } };
}

/** Parses a judge reply. Anything that is not a valid verdict is unscored with the reason, never a 0. */
export function parseVerdict(text: string | undefined): Verdict {
  const parsed = parseScoreReply(text);
  return parsed.ok ? { status: 'scored', ...parsed.value } : { status: 'unscored', reason: parsed.reason };
}
