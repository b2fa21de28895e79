import { z } from 'zod';

/**
 * A rollout step that serves through the validator cascade: the candidate's answer is served when
 * the validator's P(acceptable) reaches `threshold`, else the escalation target's. The gate then
 * judges quality and cost on what the cascade would serve (src/gate/cascade-check.ts).
 */
export const cascadeStepSchema = z
  .strictObject({
    threshold: z.number().min(0).max(1).describe('Serve the candidate when P(acceptable) >= this; escalate below it'),
    validator: z
      .string()
      .min(1)
      .optional()
      .describe("Validator name as stored in `validations` (default: the run's only validator, rubric@endpoint)"),
    max_escalation_rate: z.number().min(0).max(1).optional().describe('Share of the step scope escalated (each pays two or three calls in a row)'),
    max_added_p95_latency_ms: z.number().nonnegative().optional().describe('p95 served latency with the cascade minus without it'),
  })
  .describe('Serve this step through the validator cascade (config.cascade) at this threshold');

export type CascadeStep = z.infer<typeof cascadeStepSchema>;
