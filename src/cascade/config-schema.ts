import { z } from 'zod';

/** One tier's cascade: who checks the candidate's answer, and where a doubtful answer goes. */
const tierCascadeSchema = z.strictObject({
  validator: z.strictObject({
    endpoint: z.string().describe('Endpoint that validates the answer (often the on-prem Llama itself, or GPT-3.5)'),
    rubric: z.string().default('judges/support-validator.yaml').describe('Validator rubric (kind: validator): sees only the request and the answer'),
    sim_skill: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Under --sim only: how well the simulated validator agrees with the sim judge (1 knows it, 0 is a lenient coin; default 0.8)'),
  }),
  escalate_to: z.string().describe("Endpoint that answers instead when the validator doubts (the offline curve uses the shadow run's baseline answer, so this is the baseline endpoint)"),
});

export const cascadeConfigSchema = z
  .strictObject({
    simple: tierCascadeSchema.optional(),
    medium: tierCascadeSchema.optional(),
    complex: tierCascadeSchema.optional(),
  })
  .describe("Validator cascade per routed tier: the tier's answer is validated before it is served, and escalated when the validator doubts it");

export type CascadeConfig = z.infer<typeof cascadeConfigSchema>;
export type TierCascade = z.infer<typeof tierCascadeSchema>;

/** Cross-field issues for the config's superRefine: every named endpoint must exist. */
export function cascadeConfigIssues(cascade: CascadeConfig | undefined, endpoints: ReadonlySet<string>): Array<{ path: (string | number)[]; message: string }> {
  const issues: Array<{ path: (string | number)[]; message: string }> = [];
  for (const [tier, entry] of Object.entries(cascade ?? {})) {
    if (entry === undefined) continue;
    for (const [path, name] of [[['cascade', tier, 'validator', 'endpoint'], entry.validator.endpoint], [['cascade', tier, 'escalate_to'], entry.escalate_to]] as const) {
      if (!endpoints.has(name)) issues.push({ path: [...path], message: `unknown endpoint "${name}" (defined: ${[...endpoints].join(', ') || 'none'})` });
    }
  }
  return issues;
}
