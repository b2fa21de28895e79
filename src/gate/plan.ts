import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { formatIssues } from '../config/load.ts';
import { UsageError } from '../core/errors.ts';
import { TIERS, type Tier } from '../core/tier.ts';
import { cascadeStepSchema, type CascadeStep } from './cascade-step.ts';

const perTier = <T extends z.ZodType>(value: T) =>
  z.strictObject({ simple: value.optional(), medium: value.optional(), complex: value.optional() });

const score = z.number().min(1).max(5);
const share = z.number().min(0).max(1);

/** Every threshold is optional: one left out is not checked. A step's thresholds override the plan's. */
const thresholdsSchema = z.strictObject({
  min_quality: score.optional().describe('Candidate (served) mean quality, 1-5'),
  quality_statistic: z
    .enum(['lower_bound', 'mean'])
    .optional()
    .describe('lower_bound (default): the 95% interval must clear the bar; mean: the mean must, and a fail needs the whole interval below'),
  max_quality_drop: z.number().nonnegative().optional().describe('Non-inferiority margin: lower bound of (candidate - baseline), paired, >= -delta'),
  tier_floors: perTier(score).optional().describe('Per-tier candidate quality floors, judged like min_quality'),
  tier_max_quality_drop: perTier(z.number().nonnegative()).optional().describe('Per-tier non-inferiority margins'),
  min_pairwise_win_or_tie: share.optional().describe('Share of pairwise verdicts where the candidate wins or ties'),
  max_monthly_cost_usd: z.number().nonnegative().optional(),
  min_cost_reduction: share.optional().describe('1 - step bill / all-baseline bill'),
  max_p95_latency_ms: z.number().positive().optional().describe('p95 latency of the served answer (candidate, plus fallback when it was called)'),
  max_router_p95_us: z.number().positive().optional().describe('p95 routing decision time (router runs only)'),
  max_error_rate: share.optional().describe('Candidate calls that failed after retries'),
  max_fallback_rate: share.optional().describe('Queries served by the fallback endpoint'),
  max_unscored_rate: share.optional().describe('Judged answers the judge could not score (unscored or error)'),
  min_router_accuracy: share.optional().describe('Routed tier = human label, on labelled queries'),
  min_tool_call_agreement: share.optional().describe('On turns where either side called a tool: share where the served answer made the same calls as the baseline (same tool, arguments equal as JSON)'),
  max_underroute_rate: share.optional().describe('Labelled queries routed to a cheaper tier than their label'),
  min_judge_human_kappa: z.number().min(-1).max(1).optional().describe('Quadratic-weighted kappa of judge vs human ratings'),
  max_unjudged_rate: share.optional().describe('Per tier: served answers with no judge score (withheld, judge failed, not judged); above it the step holds (default 0.02)'),
  min_onprem_judge_kappa: z
    .number()
    .min(-1)
    .max(1)
    .optional()
    .describe('Quadratic-weighted kappa of the on-prem judge (privacy.sensitive.judge) vs the main judge on non-sensitive answers both graded'),
  max_cost_vs_baseline: z
    .number()
    .positive()
    .optional()
    .describe("The step's monthly bill over today's all-baseline (GPT-4) bill, as a ratio: 1.0 fails a step that costs more than today"),
  min_human_ratings: z.int().positive().optional().describe('Fewer human ratings than this: hold the agreement check (default 30)'),
  min_scored: z.int().positive().optional().describe('Scored candidate answers in the step scope (default 30)'),
  min_scored_per_tier: z.union([z.int().positive(), perTier(z.int().positive())]).optional(),
});

const sharesSchema = z
  .strictObject({
    simple: z.record(z.string(), share),
    medium: z.record(z.string(), share),
    complex: z.record(z.string(), share),
  })
  .describe('Per tier: endpoint -> share of that tier. "candidate" = the tier\'s routed endpoint, "baseline" = the production endpoint');

const stepSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  shares: sharesSchema,
  shadow_share: share.default(0).describe('Share of traffic also sent to the candidate in shadow (paid, not served)'),
  thresholds: thresholdsSchema.default({}),
  cascade: cascadeStepSchema.optional(),
});

const regressionSchema = z.strictObject({
  max_quality_drop: z.number().nonnegative().default(0.2).describe('Paired drop in mean quality (overall and per tier) that counts as a regression'),
  max_cost_increase: z.number().nonnegative().default(0.1).describe('Relative rise of the variable cost per query'),
  max_p95_latency_increase: z.number().nonnegative().default(0.25).describe('Relative rise of the served p95 latency'),
  latency_slack_ms: z.number().nonnegative().default(50).describe('Rises smaller than this are never a regression (fast simulated runs jitter by milliseconds)'),
  max_route_change_rate: share.default(0.05).describe('Share of the same queries routed to another tier'),
  max_router_accuracy_drop: share.default(0.02),
  min_paired: z.int().positive().default(30).describe('Fewer matching queries than this: hold'),
});

const planSchema = z
  .strictObject({
    name: z.string().default('default'),
    description: z.string().optional(),
    default_step: z.string().optional(),
    thresholds: thresholdsSchema.default({}),
    target: z.strictObject({ shares: sharesSchema }).optional(),
    steps: z.array(stepSchema).optional(),
    regression: regressionSchema.default(regressionSchema.parse({})),
  })
  .superRefine((plan, context) => {
    const names = new Set<string>();
    for (const [index, step] of (plan.steps ?? []).entries()) {
      if (names.has(step.name)) context.addIssue({ code: 'custom', path: ['steps', index, 'name'], message: `duplicate step "${step.name}"` });
      names.add(step.name);
      checkShares(step.shares, ['steps', index, 'shares'], context);
    }
    if (plan.target !== undefined) checkShares(plan.target.shares, ['target', 'shares'], context);
    if (plan.default_step !== undefined && !names.has(plan.default_step)) {
      context.addIssue({ code: 'custom', path: ['default_step'], message: `no step named "${plan.default_step}" (steps: ${[...names].join(', ') || 'none'})` });
    }
  });

function checkShares(shares: Shares, path: (string | number)[], context: z.RefinementCtx): void {
  for (const tier of TIERS) {
    const total = Object.values(shares[tier]).reduce((sum, value) => sum + value, 0);
    if (Math.abs(total - 1) > 1e-6) context.addIssue({ code: 'custom', path: [...path, tier], message: `shares add up to ${total}, not 1` });
  }
}

export type Shares = Record<Tier, Record<string, number>>;
export type PlanThresholds = z.infer<typeof thresholdsSchema>;
export type RegressionThresholds = z.infer<typeof regressionSchema>;
type ParsedPlan = z.infer<typeof planSchema>;

/** Thresholds after merging plan and step, with the defaults that always apply filled in. */
export type Thresholds = Omit<PlanThresholds, 'quality_statistic' | 'min_scored'> & {
  quality_statistic: 'lower_bound' | 'mean';
  min_scored: number;
};

export interface GateStep {
  name: string;
  description: string | undefined;
  /** undefined: the run's own routing (a plan without steps). */
  shares: Shares | undefined;
  shadowShare: number;
  thresholds: Thresholds;
  /** Serve through the validator cascade at this threshold (gated by cascade-check.ts). */
  cascade?: CascadeStep;
}

export interface GatePlan {
  file: string;
  name: string;
  description: string | undefined;
  steps: GateStep[];
  defaultStep: string;
  target: Shares | undefined;
  regression: RegressionThresholds;
}

/** The step name of a plan that lists no steps: its top-level thresholds gate the run as routed. */
export const IMPLICIT_STEP = 'default';

export function loadPlan(file: string): GatePlan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`plan not found or unreadable: ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parsePlan(text, file);
}

export function parsePlan(text: string, file: string): GatePlan {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const line = first.linePos?.[0]?.line;
    throw new UsageError(`${file}${line === undefined ? '' : `:${line}`}: invalid YAML: ${first.message.split('\n')[0]}`);
  }
  const parsed = planSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    const lineOf = (path: PropertyKey[]): number | undefined => {
      for (let depth = path.length; depth >= 0; depth--) {
        const node = document.getIn(path.slice(0, depth) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
        const offset = node?.range?.[0];
        if (offset !== undefined) return text.slice(0, offset).split('\n').length;
      }
      return undefined;
    };
    // One line: the CLI prints a usage error on one line.
    throw new UsageError(formatIssues(file, parsed.error.issues.slice(0, 1), lineOf));
  }
  return toPlan(parsed.data, file);
}

function toPlan(plan: ParsedPlan, file: string): GatePlan {
  const steps: GateStep[] =
    plan.steps === undefined || plan.steps.length === 0
      ? [{ name: IMPLICIT_STEP, description: undefined, shares: undefined, shadowShare: 0, thresholds: resolveThresholds(plan.thresholds, {}) }]
      : plan.steps.map((step) => ({
          name: step.name,
          description: step.description,
          shares: step.shares,
          shadowShare: step.shadow_share,
          thresholds: resolveThresholds(plan.thresholds, step.thresholds),
          ...(step.cascade === undefined ? {} : { cascade: step.cascade }),
        }));
  return {
    file,
    name: plan.name,
    description: plan.description,
    steps,
    defaultStep: plan.default_step ?? steps.at(-1)!.name,
    target: plan.target?.shares ?? steps.at(-1)!.shares,
    regression: plan.regression,
  };
}

function resolveThresholds(planLevel: PlanThresholds, stepLevel: PlanThresholds): Thresholds {
  const merged: PlanThresholds = { ...planLevel };
  for (const [key, value] of Object.entries(stepLevel)) if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  return { ...merged, quality_statistic: merged.quality_statistic ?? 'lower_bound', min_scored: merged.min_scored ?? 30 };
}

/** The step to gate: --step, else the plan's default_step, else its last step. */
export function selectStep(plan: GatePlan, name: string | undefined): GateStep {
  const wanted = name ?? plan.defaultStep;
  const step = plan.steps.find((candidate) => candidate.name === wanted);
  if (step === undefined) throw new UsageError(`${plan.file}: no step named "${wanted}" (steps: ${plan.steps.map((s) => s.name).join(', ')})`);
  return step;
}
