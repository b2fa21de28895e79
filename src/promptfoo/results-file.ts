import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { InputError, UsageError } from '../core/errors.ts';

/** The output version `promptfoo eval -o results.json` writes (EvaluateSummaryV3, promptfoo >= 0.5x through 0.121). */
export const SUPPORTED_RESULTS_VERSION = 3;

// Only what the import reads is checked; promptfoo adds fields between versions and those are kept.
const gradingComponentSchema = z.looseObject({
  pass: z.boolean(),
  score: z.number(),
  reason: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

const tokenUsageSchema = z.looseObject({ prompt: z.number().optional(), completion: z.number().optional(), total: z.number().optional() });

const resultSchema = z.looseObject({
  testIdx: z.int().nonnegative(),
  promptIdx: z.int().nonnegative(),
  promptId: z.string().min(1),
  provider: z.looseObject({ id: z.string().min(1), label: z.string().nullish() }),
  prompt: z.looseObject({ raw: z.string(), label: z.string().optional() }),
  vars: z.record(z.string(), z.unknown()).nullish(),
  testCase: z.looseObject({ description: z.string().nullish() }).nullish(),
  response: z
    .looseObject({
      output: z.unknown().optional(),
      error: z.string().nullish(),
      tokenUsage: tokenUsageSchema.nullish(),
      cost: z.number().nullish(),
      latencyMs: z.number().nullish(),
      metadata: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
  error: z.string().nullish(),
  success: z.boolean(),
  score: z.number(),
  latencyMs: z.number().nullish(),
  gradingResult: z.looseObject({ componentResults: z.array(gradingComponentSchema).nullish() }).nullish(),
});

const outputFileSchema = z.looseObject({
  evalId: z.string().nullable(),
  results: z.looseObject({
    version: z.literal(SUPPORTED_RESULTS_VERSION),
    timestamp: z.string().min(1),
    results: z.array(resultSchema),
    stats: z.looseObject({ successes: z.int(), failures: z.int(), errors: z.int().optional() }),
  }),
  config: z.looseObject({ description: z.string().nullish() }).nullish(),
});

export type PromptfooResultsFile = z.infer<typeof outputFileSchema>;
export type PromptfooResult = PromptfooResultsFile['results']['results'][number];

/**
 * Reads `promptfoo eval -o FILE.json` output. A file that is not JSON, not promptfoo output, or of
 * another output version is an InputError naming the file and the field.
 */
export function readResultsFile(file: string): PromptfooResultsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`promptfoo results not found or unreadable: ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseResults(text, file);
}

export function parseResults(text: string, file: string): PromptfooResultsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const hint = file.endsWith('.jsonl') ? ' (write it with `promptfoo eval -o results.json`: the JSON output, not JSONL)' : '';
    throw new InputError(`not JSON: ${(error as Error).message}${hint}`, { file });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || !('results' in raw) || typeof raw.results !== 'object' || raw.results === null) {
    throw new InputError('not promptfoo eval output: expected an object with "results" (written by `promptfoo eval -o results.json`)', {
      file,
      field: 'results',
    });
  }
  const version = (raw.results as { version?: unknown }).version;
  if (version !== SUPPORTED_RESULTS_VERSION) {
    const writer = (raw as { metadata?: { promptfooVersion?: unknown } }).metadata?.promptfooVersion;
    const by = typeof writer === 'string' ? ` (written by promptfoo ${writer})` : '';
    throw new InputError(`promptfoo output version ${JSON.stringify(version)}${by} is not supported; hybrid-eval reads version ${SUPPORTED_RESULTS_VERSION} (promptfoo 0.121)`, {
      file,
      field: 'results.version',
    });
  }
  const parsed = outputFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(issue.message, { file, field: fieldPath(issue.path) });
  }
  return parsed.data;
}

/** `results.results[3].provider.id`, as a user finds it in the file. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}
