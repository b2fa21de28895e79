import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';

export const RUBRIC_KINDS = ['single', 'pairwise'] as const;
export type RubricKind = (typeof RUBRIC_KINDS)[number];

const settingsSchema = z
  .strictObject({ temperature: z.number().min(0).max(2).default(0), max_tokens: z.int().positive().default(300) })
  .default({ temperature: 0, max_tokens: 300 });

const rubricSchema = z.strictObject({
  name: z.string().min(1),
  version: z.string().min(1),
  kind: z.enum(RUBRIC_KINDS),
  system: z.string().min(1),
  settings: settingsSchema,
});

export type Rubric = z.infer<typeof rubricSchema> & { file: string; promptHash: string };

/** The JSON schema sent as response_format; part of the prompt hash, since changing it changes the judge. */
export const VERDICT_JSON_SCHEMA = {
  type: 'object',
  properties: { score: { type: 'integer', minimum: 1, maximum: 5 }, reasoning: { type: 'string' } },
  required: ['score', 'reasoning'],
  additionalProperties: false,
} as const;

/** Pairwise: which of the two answers shown is better. Reasoning first, so the model argues before it picks. */
export const PAIRWISE_JSON_SCHEMA = {
  type: 'object',
  properties: { reasoning: { type: 'string' }, preference: { type: 'string', enum: ['A', 'B', 'tie'] } },
  required: ['reasoning', 'preference'],
  additionalProperties: false,
} as const;

/** response_format names: the sim (and any reader of a batch file) tells the two kinds apart by them. */
export const RESPONSE_FORMAT_NAMES = { single: 'judge_verdict', pairwise: 'judge_pairwise' } as const satisfies Record<RubricKind, string>;

/** The fixed text the code adds around the sections; hashed with the rubric. */
export const PROMPT_TEMPLATES = {
  single: {
    instruction: 'Grade the answer. JSON only.',
    repair: 'That reply was not valid. Reply with JSON only: {"score": <integer 1-5>, "reasoning": "<text>"}.',
  },
  pairwise: {
    instruction: 'Compare answer A and answer B. JSON only.',
    repair: 'That reply was not valid. Reply with JSON only: {"reasoning": "<text>", "preference": "A" | "B" | "tie"}.',
  },
} as const satisfies Record<RubricKind, { instruction: string; repair: string }>;

const SCHEMAS = { single: VERDICT_JSON_SCHEMA, pairwise: PAIRWISE_JSON_SCHEMA } as const satisfies Record<RubricKind, object>;

export function responseFormatFor(kind: RubricKind): { type: 'json_schema'; json_schema: { name: string; schema: object; strict: true } } {
  return { type: 'json_schema', json_schema: { name: RESPONSE_FORMAT_NAMES[kind], schema: SCHEMAS[kind], strict: true } };
}

/**
 * Reads a rubric-like YAML file and validates it: a missing file, bad YAML or a schema mismatch is
 * one UsageError naming the file (and the key path), with the underlying error as its cause.
 */
export function readRubricFile<T>(file: string, schema: z.ZodType<T>, what: string): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${what} not found or unreadable: ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  const parsed = schema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/** Loads a rubric; with `expect`, a rubric of the other kind is a UsageError naming the file. */
export function loadRubric(file: string, expect?: RubricKind): Rubric {
  const rubric = readRubricFile(file, rubricSchema, 'rubric');
  if (expect !== undefined && rubric.kind !== expect) {
    throw new UsageError(`${file}: kind: this is a ${rubric.kind} rubric; a ${expect} rubric is needed here`);
  }
  // Everything that shapes what the judge sees: a change to any of it is a different judge.
  const kind = rubric.kind;
  const hashed = [kind, rubric.system, SCHEMAS[kind], PROMPT_TEMPLATES[kind], rubric.settings];
  const promptHash = createHash('sha256').update(JSON.stringify(hashed)).digest('hex').slice(0, 16);
  return { ...rubric, file, promptHash };
}
