import { createHash } from 'node:crypto';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import { readRubricFile } from '../judge/rubric.ts';
import { extractJson, type Parsed } from '../judge/structured-call.ts';

const rubricSchema = z.strictObject({
  name: z.string().min(1),
  version: z.string().min(1),
  kind: z.literal('validator'),
  system: z.string().min(1),
  settings: z
    .strictObject({ temperature: z.number().min(0).max(2).default(0), max_tokens: z.int().positive().default(200) })
    .default({ temperature: 0, max_tokens: 200 }),
});

export type ValidatorRubric = z.infer<typeof rubricSchema> & { file: string; promptHash: string };

/** response_format name: the sim (and a reader of a batch file) tells a validator request apart by it. */
export const VALIDATOR_FORMAT_NAME = 'validator_verdict';

/** Reasoning first, so the model argues before it commits to a probability. */
export const VALIDATOR_JSON_SCHEMA = {
  type: 'object',
  properties: { reasoning: { type: 'string' }, p_acceptable: { type: 'number', minimum: 0, maximum: 1 } },
  required: ['reasoning', 'p_acceptable'],
  additionalProperties: false,
} as const;

export const VALIDATOR_TEMPLATES = {
  instruction: 'Is this answer acceptable to send to the customer as it is? JSON only.',
  repair: 'That reply was not valid. Reply with JSON only: {"reasoning": "<text>", "p_acceptable": <number 0-1>}.',
} as const;

export function validatorResponseFormat(): { type: 'json_schema'; json_schema: { name: string; schema: object; strict: true } } {
  return { type: 'json_schema', json_schema: { name: VALIDATOR_FORMAT_NAME, schema: VALIDATOR_JSON_SCHEMA, strict: true } };
}

/** Loads a validator rubric (kind: validator); a judge rubric here is a UsageError naming the file. */
export function loadValidatorRubric(file: string): ValidatorRubric {
  const rubric = readRubricFile(file, rubricSchema, 'validator rubric');
  // Everything that shapes what the validator sees: a change to any of it is another validator.
  const hashed = ['validator', rubric.system, VALIDATOR_JSON_SCHEMA, VALIDATOR_TEMPLATES, rubric.settings];
  const promptHash = createHash('sha256').update(JSON.stringify(hashed)).digest('hex').slice(0, 16);
  return { ...rubric, file, promptHash };
}

const replySchema = z.object({ p_acceptable: z.number().min(0).max(1), reasoning: z.string().default('') });

export interface AcceptableVerdict {
  pAcceptable: number;
  reasoning: string;
}

/** Parses a validator reply into P(acceptable), or the reason it is not one (never a default number). */
export function parseValidatorReply(text: string | undefined): Parsed<AcceptableVerdict> {
  if (text === undefined || text.trim() === '') return { ok: false, reason: 'empty validator reply' };
  const json = extractJson(text);
  if (json === undefined) return { ok: false, reason: `validator reply is not JSON: ${text.slice(0, 80)}` };
  const parsed = replySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, reason: `validator verdict invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  return { ok: true, value: { pAcceptable: parsed.data.p_acceptable, reasoning: parsed.data.reasoning } };
}
