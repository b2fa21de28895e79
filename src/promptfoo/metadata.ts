import { z } from 'zod';
import { TIERS } from '../core/tier.ts';

/**
 * What hybrid-eval's provider and judge assertion leave in promptfoo's results, under one key each,
 * so `hybrid-eval promptfoo import` can store a promptfoo run exactly as a replay would. The
 * import validates it with these schemas; bump the version when a field changes meaning.
 */
export const METADATA_VERSION = 1;
export const PROVIDER_METADATA_KEY = 'hybrid_eval';
export const JUDGE_METADATA_KEY = 'hybrid_eval_judge';

const optionalNumber = z.number().nullish().transform((value) => value ?? undefined);
const optionalString = z.string().nullish().transform((value) => value ?? undefined);
const tier = z.enum(TIERS);

export const callRecordSchema = z.object({
  role: z.enum(['candidate', 'fallback']),
  endpoint: z.string().min(1),
  model: z.string().min(1),
  status: z.enum(['ok', 'ok_after_retry', 'failed', 'interrupted', 'withheld']),
  attempts: z.int().nonnegative(),
  error: optionalString,
  output: optionalString,
  promptTokens: optionalNumber,
  completionTokens: optionalNumber,
  ttftMs: optionalNumber,
  latencyMs: optionalNumber,
  costUsd: optionalNumber,
  startedAt: z.iso.datetime({ offset: true }),
});

export const simSettingsSchema = z.object({ timeScale: z.number().nonnegative(), faults: optionalString });

export const providerMetadataSchema = z.object({
  version: z.literal(METADATA_VERSION),
  kind: z.enum(['hybrid', 'endpoint']),
  /** The side this provider takes on import unless --candidate / --baseline say otherwise. */
  role: z.enum(['candidate', 'baseline']),
  configFile: z.string().min(1),
  sim: simSettingsSchema.nullish().transform((value) => value ?? undefined),
  route: z
    .object({
      policy: z.string().min(1),
      tier,
      endpoint: z.string().min(1),
      probabilities: z.object({ simple: z.number(), medium: z.number(), complex: z.number() }).nullish().transform((value) => value ?? undefined),
      latencyUs: optionalNumber,
      routerVersion: optionalString,
    })
    .nullish()
    .transform((value) => value ?? undefined),
  calls: z.array(callRecordSchema).min(1),
});
export type ProviderMetadata = z.infer<typeof providerMetadataSchema>;
export type ProviderMetadataInput = z.input<typeof providerMetadataSchema>;

export const judgeMetadataSchema = z.object({
  version: z.literal(METADATA_VERSION),
  spec: z.object({
    name: z.string().min(1),
    rubric: z.string().min(1),
    rubricVersion: z.string().min(1),
    promptHash: z.string().min(1),
    model: z.string().min(1),
    settings: z.record(z.string(), z.unknown()),
  }),
  verdict: z.discriminatedUnion('status', [
    z.object({ status: z.literal('scored'), score: z.number().min(1).max(5), reasoning: z.string() }),
    z.object({ status: z.literal('unscored'), reason: z.string() }),
    z.object({ status: z.literal('error'), reason: z.string() }),
  ]),
  latencyMs: optionalNumber,
  threshold: z.number(),
  configFile: z.string().min(1),
  sim: simSettingsSchema.nullish().transform((value) => value ?? undefined),
});
export type JudgeMetadata = z.infer<typeof judgeMetadataSchema>;
export type JudgeMetadataInput = z.input<typeof judgeMetadataSchema>;
