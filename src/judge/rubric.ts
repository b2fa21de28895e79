import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';

const rubricSchema = z.strictObject({
  name: z.string().min(1),
  version: z.string().min(1),
  kind: z.literal('single'),
  system: z.string().min(1),
  settings: z
    .strictObject({ temperature: z.number().min(0).max(2).default(0), max_tokens: z.int().positive().default(300) })
    .default({ temperature: 0, max_tokens: 300 }),
});

export type Rubric = z.infer<typeof rubricSchema> & { file: string; promptHash: string };

/** The JSON schema sent as response_format; part of the prompt hash, since changing it changes the judge. */
export const VERDICT_JSON_SCHEMA = {
  type: 'object',
  properties: { score: { type: 'integer', minimum: 1, maximum: 5 }, reasoning: { type: 'string' } },
  required: ['score', 'reasoning'],
  additionalProperties: false,
} as const;

export function loadRubric(file: string): Rubric {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`rubric not found or unreadable: ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const parsed = rubricSchema.safeParse(parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const promptHash = createHash('sha256')
    .update(JSON.stringify([parsed.data.system, VERDICT_JSON_SCHEMA, parsed.data.settings]))
    .digest('hex')
    .slice(0, 16);
  return { ...parsed.data, file, promptHash };
}
