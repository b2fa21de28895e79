import { z } from 'zod';
import type { Verdict } from '../core/judgment.ts';

const verdictSchema = z.object({
  score: z.int().min(1).max(5),
  reasoning: z.string().default(''),
});

/** Parses a judge reply. Anything that is not a valid verdict is unscored with the reason, never a 0. */
export function parseVerdict(text: string | undefined): Verdict {
  if (text === undefined || text.trim() === '') return { status: 'unscored', reason: 'empty judge reply' };
  const json = extractJson(text);
  if (json === undefined) return { status: 'unscored', reason: `judge reply is not JSON: ${text.slice(0, 80)}` };
  const parsed = verdictSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { status: 'unscored', reason: `judge verdict invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  return { status: 'scored', score: parsed.data.score, reasoning: parsed.data.reasoning };
}

/** Models sometimes wrap JSON in a code fence or a sentence; take the outermost object. */
function extractJson(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}
