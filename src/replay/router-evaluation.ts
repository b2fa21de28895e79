import { randomBytes } from 'node:crypto';
import { UsageError } from '../core/errors.ts';
import { TIERS, type Tier } from '../core/tier.ts';
import { parseFieldFlags } from '../ingest/field-mapping.ts';
import { openLog } from '../ingest/open-log.ts';
import { calibrateRouter, type Calibration } from '../router/calibrate.ts';
import { calibrateWithLabels, DEFAULT_MAX_UNDERROUTE, type LabelledCalibration } from '../router/calibrate-labelled.ts';
import { compareToReference, readFolderDomainReference, type DomainShift } from '../router/domain-shift.ts';
import { evaluateRouter, type LabelledText, type RouterEvaluation } from '../router/evaluate.ts';
import { loadRouter, type Router } from '../router/load-router.ts';
import { routeLlmMeasures, type RouteLlmMeasures } from '../router/routellm.ts';
import type { Store } from '../store/types.ts';
import type { Query } from '../core/query.ts';
import { DEFAULT_ROUTER_CONTEXT, routerText, type RouterContext } from '../router/router-input.ts';
import type { RouterThresholds } from '../router/thresholds.ts';

export interface LabelledLog {
  items: LabelledText[];
  /** Queries without a label (evaluation needs one); rejected records are not counted here. */
  unlabelled: number;
  rejects: number;
}

/** Reads queries (and their labels, when mapped) from any log hybrid-eval can ingest, as the router will read them. */
export async function readLabelledLog(path: string, fields: readonly string[], textOf: (query: Query) => string = (query) => query.text): Promise<LabelledLog> {
  const reader = await openLog({ path, mapping: parseFieldFlags(fields) });
  const items: LabelledText[] = [];
  let unlabelled = 0;
  let rejects = 0;
  try {
    for await (const item of reader.items()) {
      if (item.kind === 'reject') rejects++;
      else if (item.query.label === undefined) unlabelled++;
      else items.push({ text: textOf(item.query), label: item.query.label });
    }
  } finally {
    await reader.close();
  }
  return { items, unlabelled, rejects };
}

export interface RouterEvalResult extends RouterEvaluation {
  data_file: string;
  unlabelled: number;
  rejects: number;
  /** Where the result row went: router_evals in this database, or null (stored only with --db or -c). */
  stored: { database: string; eval_id: string } | null;
  /** The set's router confidence against the router's training data (shifted undefined: no reference stored). */
  domain_shift: DomainShift;
}

/** `router eval`: metrics on a labelled log, stored in router_evals when a store is given. */
export async function runRouterEval(options: {
  data: string;
  fields: readonly string[];
  model: string;
  /** Thresholds to evaluate (a config's routing.router.thresholds, --thresholds); default the router's. */
  thresholds?: Partial<RouterThresholds>;
  /** What the router reads of a multi-turn request (routing.router.context). */
  context?: RouterContext;
  store?: Store;
  now?: () => Date;
}): Promise<RouterEvalResult> {
  const router = await loadRouter(options.model, options.thresholds === undefined ? {} : { thresholds: options.thresholds });
  // The same input the replay's router sees (routing.router.context).
  const context = options.context ?? DEFAULT_ROUTER_CONTEXT;
  let log: LabelledLog;
  try {
    log = await readLabelledLog(options.data, options.fields, (query) => routerText(query, context, router.maxLength));
  } catch (error) {
    await router.close();
    throw error;
  }
  if (log.items.length === 0) {
    await router.close();
    throw new UsageError(`${options.data}: no labelled query (map the label column with --field label=COLUMN)`);
  }
  let evaluation: RouterEvaluation;
  try {
    evaluation = await evaluateRouter(router, log.items);
  } finally {
    await router.close();
  }
  const evalId = `eval-${randomBytes(6).toString('hex')}`;
  const domainShift = compareToReference(evaluation.domain, await readFolderDomainReference(options.model));
  const result: RouterEvalResult = {
    ...evaluation,
    data_file: options.data,
    unlabelled: log.unlabelled,
    rejects: log.rejects,
    domain_shift: domainShift,
    stored: options.store === undefined ? null : { database: options.store.path, eval_id: evalId },
  };
  if (options.store !== undefined) {
    await options.store.all(
      `INSERT INTO router_evals VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        evalId,
        (options.now ?? (() => new Date()))(),
        result.router_version,
        options.model,
        options.data,
        result.n,
        result.accuracy,
        result.per_class.complex.recall ?? null,
        result.ece,
        result.misroute_cost.mean,
        result.latency_us.p50,
        result.latency_us.p99,
        JSON.stringify(result),
      ],
    );
  }
  return result;
}

/** --thresholds simple=0.6,medium=0.9 (either may be left out: the other keeps its value). */
export function parseThresholds(text: string): Partial<RouterThresholds> {
  const thresholds: Partial<RouterThresholds> = {};
  for (const part of text.split(',')) {
    const match = /^\s*(simple|medium)\s*=\s*([0-9.]+)\s*$/.exec(part);
    const value = match === null ? Number.NaN : Number(match[2]);
    if (match === null || !Number.isFinite(value) || value < 0 || value > 1.01) {
      throw new UsageError(`--thresholds must be simple=P,medium=P with P between 0 and 1.01, got "${text}"`);
    }
    thresholds[match[1] as keyof RouterThresholds] = value;
  }
  return thresholds;
}

/** Router folder and thresholds: flags, then the -c config's routing.router, then the shipped router's. */
export function routerUnderTest(
  flags: { model?: string; thresholds?: string },
  config: { routing: { router: { model: string; thresholds: RouterThresholds } } } | undefined,
): { model: string; thresholds: Partial<RouterThresholds> | undefined } {
  const fromFlag = flags.thresholds === undefined ? undefined : parseThresholds(flags.thresholds);
  const fromConfig = config?.routing.router.thresholds;
  return {
    model: flags.model ?? config?.routing.router.model ?? 'models/router',
    thresholds: fromConfig === undefined && fromFlag === undefined ? undefined : { ...fromConfig, ...fromFlag },
  };
}

export function parseMix(text: string): Record<Tier, number> {
  const parts = text.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 3 || parts.some((part) => !Number.isFinite(part) || part < 0)) {
    throw new UsageError(`--target must be three shares simple,medium,complex (e.g. 70,25,5), got "${text}"`);
  }
  const total = parts.reduce((sum, part) => sum + part, 0);
  if (total <= 0) throw new UsageError(`--target shares must not all be 0`);
  return Object.fromEntries(TIERS.map((tier, index) => [tier, parts[index]! / total])) as Record<Tier, number>;
}

/**
 * `router calibrate --data`: thresholds that hit a target traffic mix on logged queries. Without
 * labels, the mix is all it can check. With labels (any labelled query), it also reports accuracy,
 * the complex under-route rate and the misroute cost at those thresholds, and a target whose
 * thresholds under-route more than maxUnderroute of complex queries is refused (exit 2) with the
 * closest mix that holds.
 */
export async function runRouterCalibrate(options: {
  data: string;
  fields: readonly string[];
  model: string;
  target: Record<Tier, number>;
  maxUnderroute?: number;
  context?: RouterContext;
}): Promise<(Calibration | LabelledCalibration) & { router_version: string }> {
  const reader = await openLog({ path: options.data, mapping: parseFieldFlags(options.fields) });
  const inputs: Array<Pick<Query, 'text' | 'request'>> = [];
  const labels: Array<Tier | undefined> = [];
  try {
    for await (const item of reader.items()) {
      if (item.kind !== 'query') continue;
      inputs.push(item.query.request === undefined ? { text: item.query.text } : { text: item.query.text, request: item.query.request });
      labels.push(item.query.label);
    }
  } finally {
    await reader.close();
  }
  if (inputs.length === 0) throw new UsageError(`${options.data}: no query to calibrate on`);
  const router = await loadRouter(options.model);
  // Named in the output: thresholds only mean something for the router they were fitted on.
  const routerVersion = router.version;
  let probabilities: Array<Record<Tier, number>>;
  try {
    // The same input the replay's router sees (routing.router.context).
    const context = options.context ?? DEFAULT_ROUTER_CONTEXT;
    const texts = inputs.map((query) => routerText(query, context, router.maxLength));
    if (!labels.some((label) => label !== undefined)) return { ...(await calibrateRouter(router, texts, options.target)), router_version: routerVersion };
    probabilities = (await router.classifyBatch(texts)).map((result) => result.probabilities);
  } finally {
    await router.close();
  }
  const calibration = calibrateWithLabels(probabilities, labels, options.target, options.maxUnderroute ?? DEFAULT_MAX_UNDERROUTE);
  if (!calibration.holds) throw new UsageError(refusal(calibration));
  return { ...calibration, router_version: routerVersion };
}

const mixText = (mix: Record<Tier, number>): string => TIERS.map((tier) => Math.round(mix[tier] * 100)).join(',');
const rate = (value: number | undefined): string => (value === undefined ? 'n/a' : `${(value * 100).toFixed(1)}%`);

function refusal(calibration: LabelledCalibration): string {
  const { outcome, closest } = calibration;
  const breaks = `--target ${mixText(calibration.target)} breaks --max-underroute ${calibration.maxUnderroute}: its thresholds (simple ${outcome.thresholds.simple.toFixed(4)}, medium ${outcome.thresholds.medium.toFixed(4)}) send ${rate(outcome.complexUnderroute.rate)} of the ${outcome.complexUnderroute.n} complex-labelled queries to a cheaper tier`;
  if (closest === undefined) return `${breaks}; no thresholds keep it within ${rate(calibration.maxUnderroute)}`;
  return `${breaks}; the closest mix that holds is --target ${mixText(closest.achieved)} (thresholds simple ${closest.thresholds.simple}, medium ${closest.thresholds.medium}: complex under-route ${rate(closest.complexUnderroute.rate)}, accuracy ${rate(closest.accuracy)})`;
}

/**
 * `router calibrate --run`: the cost-quality curve over thresholds with RouteLLM's measures, from a
 * judged run in which every query has both a weak (candidate) and a strong (baseline) score, e.g. a
 * replay with `routing.policy: fixed` and `fixed_tier: simple` (Llama on everything, GPT-4 as shadow).
 */
export async function runRouterCurve(options: { store: Store; runId: string; model: string }): Promise<RouteLlmMeasures & { router_version: string; skipped: number }> {
  const pairs = await options.store.all<{ query_text: string; candidate_score: number | null; baseline_score: number | null }>(
    `SELECT query_text, candidate_score, baseline_score FROM pairs WHERE run_id = ?`,
    [options.runId],
  );
  if (pairs.length === 0) throw new UsageError(`run not found or empty: ${options.runId}`);
  const both = pairs.filter((pair) => pair.candidate_score !== null && pair.baseline_score !== null);
  if (both.length === 0) throw new UsageError(`run ${options.runId}: no query has both the candidate and the baseline judged`);
  const router: Router = await loadRouter(options.model);
  try {
    const results = await router.classifyBatch(both.map((pair) => pair.query_text));
    const measures = routeLlmMeasures(
      both.map((pair, index) => ({
        strongScore: 1 - results[index]!.probabilities.simple,
        weakQuality: pair.candidate_score!,
        strongQuality: pair.baseline_score!,
      })),
    );
    return { ...measures, router_version: router.version, skipped: pairs.length - both.length };
  } finally {
    await router.close();
  }
}
