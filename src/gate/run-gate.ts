import { configSchema, type Config } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import { TIERS, type Tier } from '../core/tier.ts';
import { applyCascadeChecks } from './cascade-check.ts';
import { loadCascadeEvidence } from './cascade-evidence.ts';
import { compareRuns, type Comparison } from './compare.ts';
import { buildCostModel, costModelFrom, readCostInputs, type CostModel, type CostProjection } from './cost.ts';
import { decide, decisionOf, type Check, type Decision, type GateResult } from './decide.ts';
import { loadRunData, summarise, type GateStore, type RunData, type RunMetrics } from './metrics.ts';
import { selectStep, type GatePlan, type GateStep } from './plan.ts';
import { readToolAgreement, toolAgreementCheck, type ToolAgreementByTier } from './tool-agreement.ts';
import type { Absent } from './optional-evidence.ts';
import { applyWhatIf, labelVolume, type WhatIf } from './what-if.ts';

/** What deciding needs: reads only. */
export interface GateReadStore extends GateStore {
  getRun(runId: string): Promise<{ run_id: string; status: string; config_json: string; dataset: string; policy: string; created_at: string; notes?: string | undefined; mode?: string } | undefined>;
}

export interface GateRunStore extends GateReadStore {
  writeGateDecision(row: { runId: string; plan: string; step: string; decision: Decision; reasons: unknown; metrics: unknown; decidedAt?: Date }): Promise<void>;
}

export interface StepSummary {
  step: string;
  description: string | undefined;
  decision: Decision;
  tiers: Tier[];
  failed: string[];
  held: string[];
  monthlyUsd: number | undefined;
  reduction: number | undefined;
  /** Today's bill: the same volume all on the baseline. */
  baselineMonthlyUsd?: number | undefined;
}

export interface GateOutcome extends GateResult {
  runId: string;
  runStatus: string;
  plan: string;
  planFile: string;
  step: string;
  stepDescription: string | undefined;
  dataset: string;
  policy: string;
  /** The gated step's metrics: quality over the tiers the step sends to the candidate. */
  metrics: RunMetrics;
  /** The gated step's projected bill. */
  cost: CostProjection;
  costModel: CostModel;
  /** Every step of the plan decided on this run (only the gated one is stored). */
  steps: StepSummary[];
  /** Tool-call agreement per routed tier (the `tool_calls_by_tier` view). */
  toolCalls: ToolAgreementByTier[] | Absent;
  comparison?: Comparison;
  /** What the cost projection took from elsewhere than the run's stored config, e.g. "what-if: prices from other.yaml, volume 50,000,000". */
  whatIf?: string;
  decidedAt: string;
}

export interface GateOptions {
  step?: string;
  /** Compare with this run (last night's) and add its regressions as checks. */
  against?: string;
  now?: () => Date;
  seed?: number;
  /** The run's facts when the caller has read them already (gate-and-report shares them with the report). */
  data?: RunData;
  /** Another config's prices and/or another volume for the cost projection (gate -c, --volume). */
  whatIf?: WhatIf;
}

/** Gates a stored run and stores the decision in gate_decisions. */
export async function gateRun(store: GateRunStore, runId: string, plan: GatePlan, options: GateOptions = {}): Promise<GateOutcome> {
  const outcome = await decideGate(store, runId, plan, options);
  await recordGateDecision(store, outcome, options.against);
  return outcome;
}

/**
 * Decides a rollout step for a stored run, reading only (so it can be run again, e.g. at a higher
 * memory limit); gateRun also stores the decision. The run's own config (stored with it) gives
 * endpoints, prices and volume.
 */
export async function decideGate(store: GateReadStore, runId: string, plan: GatePlan, options: GateOptions = {}): Promise<GateOutcome> {
  const gated = selectStep(plan, options.step);
  const { run, config } = await readRun(store, runId);
  const data = withRouterLatencyNote(options.data ?? (await loadRunData(store, runId)), run.mode);
  const priced = applyWhatIf(config, options.whatIf);
  const costModel = await buildCostModel(store, runId, priced.config, plan, (inputs) => labelVolume(inputs, options.whatIf));
  const cascades = await loadCascadeEvidence(store, runId, plan, priced.config, (step) => stepScope(step, priced.config).tiers);
  const toolCalls = await readToolAgreement(store, runId);

  // Steps that send the same tiers to the candidate share their metrics: bootstrap each scope once.
  const scoped = new Map<string, RunMetrics>();
  const metricsFor = (tiers: Tier[]): RunMetrics => {
    const key = tiers.join(',');
    const metrics = scoped.get(key) ?? summarise(data, { tiers, ...(options.seed === undefined ? {} : { seed: options.seed }) });
    scoped.set(key, metrics);
    return metrics;
  };
  let selected: { result: GateResult; metrics: RunMetrics; cost: CostProjection } | undefined;
  const steps: StepSummary[] = plan.steps.map((step, index) => {
    const evaluated = evaluateStep(step, config, costModel.steps[index]!, run.status, metricsFor, toolCalls);
    applyCascadeChecks(evaluated.result, step, evaluated.cost, costModel.tierMix, cascades.get(step.name), options.seed);
    if (step === gated) selected = evaluated;
    return {
      step: step.name,
      description: step.description,
      decision: evaluated.result.decision,
      tiers: evaluated.metrics.scope?.tiers ?? [...TIERS],
      failed: evaluated.result.checks.filter((check) => check.outcome === 'fail').map((check) => check.metric),
      held: evaluated.result.checks.filter((check) => check.outcome === 'hold').map((check) => check.metric),
      monthlyUsd: evaluated.cost.routedMonthlyUsd,
      reduction: evaluated.cost.reduction,
      baselineMonthlyUsd: evaluated.cost.baselineMonthlyUsd,
    };
  });
  const { result, metrics, cost } = selected!;

  let comparison: Comparison | undefined;
  if (options.against !== undefined) {
    if (options.against === runId) throw new UsageError(`--against names the gated run itself (${runId})`);
    const other = await readRun(store, options.against);
    const otherData = await loadRunData(store, options.against);
    const otherCost = costModelFrom(await readCostInputs(store, options.against, other.config), other.config, plan).asRouted;
    comparison = compareRuns(
      { runId, data, cost: costModel.asRouted, simulated: isSimulated(run.notes) },
      { runId: options.against, data: otherData, cost: otherCost, simulated: isSimulated(other.run.notes) },
      plan.regression,
    );
    result.checks.push(...comparison.checks);
    result.decision = decisionOf(result.checks);
  }

  const outcome: GateOutcome = {
    decision: result.decision,
    checks: result.checks,
    runId,
    runStatus: run.status,
    plan: plan.name,
    planFile: plan.file,
    step: gated.name,
    stepDescription: gated.description,
    dataset: run.dataset,
    policy: run.policy,
    metrics,
    cost,
    costModel,
    steps,
    toolCalls,
    ...(comparison === undefined ? {} : { comparison }),
    ...(priced.note === undefined ? {} : { whatIf: priced.note }),
    decidedAt: (options.now ?? (() => new Date()))().toISOString(),
  };
  return outcome;
}

/** The decision's one gate_decisions row (an INSERT: call it once per decision). */
export function recordGateDecision(store: Pick<GateRunStore, 'writeGateDecision'>, outcome: GateOutcome, against: string | undefined): Promise<void> {
  return store.writeGateDecision({
    runId: outcome.runId,
    plan: outcome.plan,
    step: outcome.step,
    decision: outcome.decision,
    reasons: outcome.checks,
    metrics: { metrics: outcome.metrics, cost: outcome.cost, against },
    decidedAt: new Date(outcome.decidedAt),
  });
}

/**
 * A replay times the router alone: the model loaded once, each query's share of its batch's
 * tokenising and ONNX run. Inside promptfoo's provider the same decision shares the event loop with
 * promptfoo's own concurrent work, and its time includes waiting there (11 ms at p50 against 0.8 ms
 * in a replay of the same queries): not comparable, so the gate states it and does not check it.
 */
function withRouterLatencyNote(data: RunData, mode: string | undefined): RunData {
  if (mode !== 'promptfoo' || data.routerLatencyNotComparable !== undefined) return data;
  return {
    ...data,
    routerLatencyNotComparable:
      "router latency of a promptfoo run was measured inside promptfoo's provider, where it includes waiting behind promptfoo's own work; not comparable with a replay's (run `hybrid-eval replay` or `router eval` for it)",
  };
}

/** The replay command marks runs against the simulator in their notes. */
function isSimulated(notes: string | undefined): boolean {
  return notes?.startsWith('simulated endpoints') ?? false;
}

async function readRun(store: GateReadStore, runId: string): Promise<{ run: NonNullable<Awaited<ReturnType<GateReadStore['getRun']>>>; config: Config }> {
  const run = await store.getRun(runId);
  if (run === undefined) throw new UsageError(`run not found: ${runId}`);
  const parsed = configSchema.safeParse(JSON.parse(run.config_json));
  if (!parsed.success) throw new UsageError(`run ${runId}: its stored config does not validate any more (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  return { run, config: parsed.data };
}

/**
 * The tiers a step sends to the candidate; a step that serves nothing from it (shadow) is judged
 * on every tier, since the whole run is its evidence.
 */
export function stepScope(step: GateStep, config: Config): { tiers: Tier[]; unmeasured: Array<{ tier: Tier; endpoint: string; measured: string }> } {
  if (step.shares === undefined) return { tiers: [...TIERS], unmeasured: [] };
  const tiers: Tier[] = [];
  const unmeasured: Array<{ tier: Tier; endpoint: string; measured: string }> = [];
  for (const tier of TIERS) {
    const measured = config.routing.tiers[tier];
    let candidateShare = 0;
    for (const [name, share] of Object.entries(step.shares[tier])) {
      if (share === 0 || name === 'baseline') continue;
      if (name === 'candidate' || name === measured) candidateShare += share;
      else if (name !== config.baseline) {
        candidateShare += share;
        unmeasured.push({ tier, endpoint: name, measured });
      }
    }
    if (candidateShare > 0) tiers.push(tier);
  }
  return { tiers: tiers.length === 0 ? [...TIERS] : tiers, unmeasured };
}

function evaluateStep(step: GateStep, config: Config, cost: CostProjection, runStatus: string, metricsFor: (tiers: Tier[]) => RunMetrics, toolCalls: ToolAgreementByTier[] | Absent) {
  const scope = stepScope(step, config);
  const metrics = metricsFor(scope.tiers);
  const result = decide(metrics, cost, step.thresholds);
  const toolBar = step.thresholds.min_tool_call_agreement;
  if (toolBar !== undefined) result.checks.push(toolAgreementCheck(toolCalls, scope.tiers, toolBar));
  for (const { tier, endpoint, measured } of scope.unmeasured) {
    result.checks.push({
      metric: `measured_${tier}_${endpoint}`,
      outcome: 'hold',
      value: undefined,
      interval: undefined,
      threshold: 'the step serves only what the run measured',
      n: 0,
      detail: `the step sends ${tier} traffic to ${endpoint}, but this run measured ${measured} on ${tier}: replay with ${endpoint} on ${tier} for evidence`,
    });
  }
  // A run still being written (or interrupted) is not evidence for a rollout yet.
  if (runStatus !== 'complete') {
    const check: Check = {
      metric: 'run_complete',
      outcome: 'hold',
      value: undefined,
      interval: undefined,
      threshold: 'status = complete',
      n: metrics.queries,
      detail: `run status is "${runStatus}": finish it with --resume`,
    };
    result.checks.push(check);
  }
  result.decision = decisionOf(result.checks);
  return { result, metrics, cost };
}

export const EXIT_CODES = { go: 0, 'no-go': 1, hold: 3 } as const;
