import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import { storedConfig } from '../judge/judge-setup.ts';
import { loadPlan, selectStep, type GatePlan, type GateStep } from '../gate/plan.ts';
import { monthlyVolume } from '../gate/volume.ts';
import { replaceCurve, setChosenThreshold } from '../store/cascade-tables.ts';
import { openStore } from '../store/store.ts';
import type { RunRow, Store } from '../store/types.ts';
import { AUROC_SQL, CURVE_SQL } from './curve-sql.ts';

/** One row of the stored curve (table cascade_curves), numbers as read back; NULL is undefined. */
export interface CurveRow {
  kind: 'threshold' | 'routing_only' | 'all_baseline';
  threshold: number | undefined;
  n: number;
  nScored: number;
  qualityMean: number | undefined;
  qualityCiLow: number | undefined;
  qualityCiHigh: number | undefined;
  nCosted: number;
  costPerQueryUsd: number | undefined;
  monthlyCostUsd: number | undefined;
  escalations: number | undefined;
  escalationRate: number | undefined;
  latencyP50Ms: number | undefined;
  latencyP95Ms: number | undefined;
  badCaught: number | undefined;
  badPassed: number | undefined;
  goodEscalated: number | undefined;
  goodPassed: number | undefined;
  badPrecision: number | undefined;
  badRecall: number | undefined;
}

export interface CascadeEvaluation {
  runId: string;
  database: string;
  validatorName: string;
  escalateTo: string;
  auroc: number | undefined;
  /** Validated answers both the validator and the judge scored. */
  n: number;
  /** Of those, judge score < 4. */
  nBad: number;
  /** The rollout plan file whose step sets the bar, and where it came from (said in the output, as gate does). */
  planFile: string;
  planFrom: string;
  /** The plan step whose min_quality is the bar, and the bar; undefined when the step sets none. */
  step: string;
  qualityBar: number | undefined;
  qualityStatistic: 'lower_bound' | 'mean';
  monthlyQueries: number | undefined;
  volumeDetail: string;
  thresholds: CurveRow[];
  chosen: CurveRow | undefined;
  routingOnly: CurveRow;
  allBaseline: CurveRow;
}

export interface EvaluateOptions {
  runId: string;
  db: string;
  config?: string;
  plan?: string;
  step?: string;
  validator?: string;
  now?: () => Date;
}

/**
 * `hybrid-eval cascade`: the offline cascade curve of a stored shadow run, with no new calls. The
 * curve is computed by CURVE_SQL inside DuckDB and stored (cascade_curves), then read back: what is
 * printed is what is stored. The chosen threshold is the cheapest whose quality clears the plan's bar.
 */
export async function evaluateCascade(options: EvaluateOptions): Promise<CascadeEvaluation> {
  const store = await openStore(options.db, { mustExist: true });
  try {
    const run = await resolveRun(store, options.runId, options.db);
    const config = options.config === undefined ? storedConfig(run) : loadConfig(options.config);
    const planFile = options.plan ?? config.plan;
    const planFrom = options.plan !== undefined ? '--plan' : options.config !== undefined ? `plan in ${options.config}` : `plan in run ${run.run_id}'s stored config`;
    const plan = loadPlan(planFile);
    const step = barStep(plan, options.step);
    const validatorName = await resolveValidator(store, run.run_id, options.validator ?? step.cascade?.validator);
    const escalateTo = await checkEscalation(store, run.run_id, validatorName, config);
    const volume = await monthlyVolume(store, run.run_id, config.volume.monthly_queries);
    const [power] = await store.all<{ n: number; n_bad: number; auroc: number | null }>(AUROC_SQL, [run.run_id, validatorName]);
    const qualityBar = step.thresholds.min_quality;
    const computedAt = (options.now ?? (() => new Date()))();
    await replaceCurve(store, CURVE_SQL, {
      runId: run.run_id,
      validatorName,
      auroc: power?.auroc ?? undefined,
      n: Number(power?.n ?? 0),
      nBad: Number(power?.n_bad ?? 0),
      qualityBar,
      chosenThreshold: undefined,
      monthlyQueries: volume.monthlyQueries,
      computedAt,
    });
    const rows = await readCurve(store, run.run_id, validatorName);
    const thresholds = rows.filter((row) => row.kind === 'threshold');
    const chosen = chooseThreshold(thresholds, qualityBar, step.thresholds.quality_statistic);
    if (chosen !== undefined) await setChosenThreshold(store, run.run_id, validatorName, chosen.threshold!);
    return {
      runId: run.run_id,
      database: store.path,
      validatorName,
      escalateTo,
      auroc: power?.auroc ?? undefined,
      n: Number(power?.n ?? 0),
      nBad: Number(power?.n_bad ?? 0),
      planFile,
      planFrom,
      step: step.name,
      qualityBar,
      qualityStatistic: step.thresholds.quality_statistic,
      monthlyQueries: volume.monthlyQueries,
      volumeDetail: volume.detail,
      thresholds,
      chosen,
      routingOnly: rows.find((row) => row.kind === 'routing_only')!,
      allBaseline: rows.find((row) => row.kind === 'all_baseline')!,
    };
  } finally {
    await store.close();
  }
}

export async function resolveRun(store: Store, runId: string, db: string): Promise<RunRow> {
  const run = runId === 'latest' ? await store.latestRun() : await store.getRun(runId);
  if (run === undefined) throw new UsageError(runId === 'latest' ? `no run in ${db}` : `run not found: ${runId} (in ${db})`);
  return run;
}

/** The step whose quality bar the cascade must clear: --step, else the first step that names a cascade, else the plan's default step. */
export function barStep(plan: GatePlan, name: string | undefined): GateStep {
  if (name !== undefined) return selectStep(plan, name);
  return plan.steps.find((step) => step.cascade !== undefined) ?? selectStep(plan, undefined);
}

/** The named validator, or the run's only one. */
export async function resolveValidator(store: Pick<Store, 'all'>, runId: string, wanted: string | undefined): Promise<string> {
  const names = (await store.all<{ name: string }>('SELECT DISTINCT validator_name AS name FROM validations WHERE run_id = ? ORDER BY name', [runId])).map((row) => row.name);
  if (wanted !== undefined) {
    if (!names.includes(wanted)) throw new UsageError(`run ${runId} has no validations by "${wanted}" (${names.length === 0 ? 'none at all: configure cascade and replay, or run hybrid-eval validate --run' : `validators: ${names.join(', ')}`})`);
    return wanted;
  }
  if (names.length === 0) throw new UsageError(`run ${runId} has no validations: configure cascade in the config and replay, or run hybrid-eval validate --run ${runId}`);
  if (names.length > 1) throw new UsageError(`run ${runId} has validations by ${names.join(', ')}: name one with --validator`);
  return names[0]!;
}

/**
 * The offline curve serves the shadow run's baseline answer to an escalated query, so it is the
 * escalation's answer only when escalate_to is the baseline endpoint. Anything else would need that
 * endpoint's answers, which a shadow run does not hold: refuse rather than report the wrong model.
 */
async function checkEscalation(store: Pick<Store, 'all'>, runId: string, validatorName: string, config: Config): Promise<string> {
  const targets = (await store.all<{ target: string }>('SELECT DISTINCT escalate_to AS target FROM validations WHERE run_id = ? AND validator_name = ?', [runId, validatorName])).map((row) => row.target);
  const other = targets.find((target) => target !== config.baseline);
  if (other !== undefined) {
    throw new UsageError(`validator ${validatorName} escalates to ${other}, but run ${runId}'s escalation answers are its baseline's (${config.baseline}): the offline curve can only evaluate escalate_to: ${config.baseline}`);
  }
  return config.baseline;
}

/** Cheapest threshold whose quality clears the bar (the 95% lower bound, or the mean with quality_statistic: mean); ties go to the lower threshold. */
export function chooseThreshold(rows: readonly CurveRow[], bar: number | undefined, statistic: 'lower_bound' | 'mean'): CurveRow | undefined {
  if (bar === undefined) return undefined;
  let best: CurveRow | undefined;
  for (const row of rows) {
    const quality = statistic === 'mean' ? row.qualityMean : row.qualityCiLow;
    if (quality === undefined || quality < bar || row.costPerQueryUsd === undefined) continue;
    if (best === undefined || row.costPerQueryUsd < best.costPerQueryUsd!) best = row;
  }
  return best;
}

const number = (value: unknown): number | undefined => (value === null || value === undefined ? undefined : Number(value));

export async function readCurve(store: Pick<Store, 'all'>, runId: string, validatorName: string): Promise<CurveRow[]> {
  const rows = await store.all<Record<string, unknown>>(
    `SELECT * FROM cascade_curves WHERE run_id = ? AND validator_name = ? ORDER BY kind = 'threshold' DESC, kind, threshold`,
    [runId, validatorName],
  );
  return rows.map((row) => ({
    kind: row.kind as CurveRow['kind'],
    threshold: number(row.threshold),
    n: Number(row.n),
    nScored: Number(row.n_scored),
    qualityMean: number(row.quality_mean),
    qualityCiLow: number(row.quality_ci_low),
    qualityCiHigh: number(row.quality_ci_high),
    nCosted: Number(row.n_costed),
    costPerQueryUsd: number(row.cost_per_query_usd),
    monthlyCostUsd: number(row.monthly_cost_usd),
    escalations: number(row.escalations),
    escalationRate: number(row.escalation_rate),
    latencyP50Ms: number(row.latency_p50_ms),
    latencyP95Ms: number(row.latency_p95_ms),
    badCaught: number(row.bad_caught),
    badPassed: number(row.bad_passed),
    goodEscalated: number(row.good_escalated),
    goodPassed: number(row.good_passed),
    badPrecision: number(row.bad_precision),
    badRecall: number(row.bad_recall),
  }));
}

const orNull = (value: number | undefined): number | null => value ?? null;

/** The --json object, exactly the shape issue 18 names (CI scripts read it): unknown numbers are null. */
export function cascadeJson(evaluation: CascadeEvaluation) {
  const point = (row: CurveRow) => ({
    threshold: orNull(row.threshold),
    quality_mean: orNull(row.qualityMean),
    quality_ci_low: orNull(row.qualityCiLow),
    cost_per_query_usd: orNull(row.costPerQueryUsd),
    escalation_rate: orNull(row.escalationRate),
    latency_p95_ms: orNull(row.latencyP95Ms),
  });
  const reference = (row: CurveRow) => ({ quality_mean: orNull(row.qualityMean), cost_per_query_usd: orNull(row.costPerQueryUsd), latency_p95_ms: orNull(row.latencyP95Ms) });
  return {
    thresholds: evaluation.thresholds.map(point),
    chosen: evaluation.chosen === undefined ? null : point(evaluation.chosen),
    routing_only: reference(evaluation.routingOnly),
    all_baseline: reference(evaluation.allBaseline),
    validator: { auroc: orNull(evaluation.auroc), n: evaluation.n },
  };
}
