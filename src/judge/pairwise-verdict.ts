import { z } from 'zod';
import { extractJson, type Parsed } from './structured-call.ts';

export const PREFERENCES = ['A', 'B', 'tie'] as const;
export type Preference = (typeof PREFERENCES)[number];

export interface PreferenceVerdict {
  preference: Preference;
  reasoning: string;
}

const pairwiseSchema = z.object({
  reasoning: z.string().default(''),
  // Models write "a", "Tie", " B ": the meaning is clear, so normalise rather than reject.
  preference: z.preprocess((value) => (typeof value === 'string' ? normalise(value) : value), z.enum(PREFERENCES)),
});

function normalise(value: string): string {
  const trimmed = value.trim();
  return trimmed.toLowerCase() === 'tie' ? 'tie' : trimmed.toUpperCase();
}

/** Parses a pairwise judge reply: 'A', 'B' or 'tie' with the reasoning, or why it is none of them. */
export function parsePreferenceReply(text: string | undefined): Parsed<PreferenceVerdict> {
  if (text === undefined || text.trim() === '') return { ok: false, reason: 'empty judge reply' };
  const json = extractJson(text);
  if (json === undefined) return { ok: false, reason: `judge reply is not JSON: ${text.slice(0, 80)}` };
  const parsed = pairwiseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `pairwise verdict invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  return { ok: true, value: parsed.data };
}
