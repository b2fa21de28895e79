import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';

const thresholdsSchema = z.strictObject({
  min_quality: z.number().min(1).max(5).optional(),
  quality_statistic: z.enum(['lower_bound', 'mean']).default('lower_bound'),
  max_quality_drop: z.number().nonnegative().optional(),
  max_error_rate: z.number().min(0).max(1).optional(),
  max_fallback_rate: z.number().min(0).max(1).optional(),
  max_unscored_rate: z.number().min(0).max(1).optional(),
  max_monthly_cost_usd: z.number().nonnegative().optional(),
  min_cost_reduction: z.number().min(0).max(1).optional(),
  min_scored: z.int().positive().default(30),
});

const planSchema = z.strictObject({
  name: z.string().default('default'),
  thresholds: thresholdsSchema,
});

export type GatePlan = z.infer<typeof planSchema> & { file: string };
export type Thresholds = z.infer<typeof thresholdsSchema>;

export function loadPlan(file: string): GatePlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`plan not found or unreadable: ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const parsed = planSchema.safeParse(parse(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const detail = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
    throw new UsageError(`${file}: ${issue.path.join('.') || '(root)'}: ${detail}`);
  }
  return { ...parsed.data, file };
}
