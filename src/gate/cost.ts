import type { Config } from '../config/schema.ts';
import { addKnown as add } from '../core/add-known.ts';
import { UsageError } from '../core/errors.ts';
import { TIERS, type Tier } from '../core/tier.ts';
import type { GateStore } from './metrics.ts';
import type { GatePlan, Shares } from './plan.ts';
import { monthlyVolume, type MonthlyVolume } from './volume.ts';
import { onPremCostSource } from './capacity-cost.ts';

/** Measured calls of one endpoint on one routed tier (successful calls, any role). */
export interface CostCell {
  tier: Tier;
  endpoint: string;
  calls: number;
  knownCost: number;
  /** Of `calls`, the baseline answers taken from the log (source 'log'), priced from their logged usage. */
  loggedCalls: number;
  loggedKnownCost: number;
  meanCostUsd: number | undefined;
  meanPromptTokens: number | undefined;
  meanCompletionTokens: number | undefined;
}

export interface CostInputs {
  volume: MonthlyVolume;
  tierQueries: Record<Tier, number>;
  cells: CostCell[];
  /** Candidate calls per tier and endpoint, and how many of them the fallback had to answer. */
  fallbackCells: Array<{ tier: Tier; endpoint: string; candidateCalls: number; fallbacks: number }>;
}

export interface CostProjection {
  /** The step name, 'target', 'as routed' or 'all baseline'. */
  label?: string;
  monthlyQueries: number | undefined;
  /** Monthly bill of the mix: variable cost per query times volume, plus on-prem fixed cost. */
  routedMonthlyUsd: number | undefined;
  /** The same volume all on the baseline (GPT-4). undefined when the baseline cost is unknown (logged answers). */
  baselineMonthlyUsd: number | undefined;
  /** 1 - routed / baseline. */
  reduction: number | undefined;
  fixedMonthlyUsd: number;
  /** Variable cost per query of the mix: served calls, fallback calls and shadow calls. */
  variablePerQueryUsd: number | undefined;
  fallbackMonthlyUsd: number | undefined;
  /** Calls with a known cost / calls, over the measured cells the mix uses. */
  costCoverage: { known: number; total: number };
  /** What the all-baseline bill rests on: the baseline's calls on the tiers in the mix. */
  baselineCoverage: BaselineCoverage;
  components?: CostComponents;
  /** Each endpoint's share of all traffic in the mix and its monthly variable cost. */
  endpoints?: Array<{ endpoint: string; share: number; perQueryUsd: number | undefined; monthlyUsd: number | undefined; estimated: boolean }>;
  notes?: string[];
}

/**
 * The baseline's calls behind the all-baseline bill, on the tiers the run has: how many carry a
 * cost, how many of those came from the log (production's own answers, priced from the logged
 * usage at the baseline's prices), and the tiers where no call had a cost (estimated from tokens).
 */
export interface BaselineCoverage {
  endpoint: string;
  calls: number;
  costed: number;
  logged: number;
  loggedCosted: number;
  estimatedTiers: Tier[];
}

export interface CostComponents {
  apiUsd: number | undefined;
  onPremMarginalUsd: number | undefined;
  onPremFixedUsd: number;
  fallbackUsd: number | undefined;
  shadowUsd: number | undefined;
}

export interface BreakEven {
  endpoint: string;
  /** Share of all traffic the endpoint serves in the mix. */
  trafficShare: number;
  fixedMonthlyUsd: number;
  /** Marginal cost per query served on-prem, fallback calls included. */
  perQueryUsd: number | undefined;
  against: Array<{ endpoint: string; perQueryUsd: number | undefined; breakEvenMonthlyQueries: number | undefined; estimated: boolean }>;
}

export interface CostModel {
  volume: MonthlyVolume;
  tierMix: Record<Tier, number>;
  asRouted: CostProjection;
  steps: CostProjection[];
  target: CostProjection | undefined;
  allBaseline: { monthlyUsd: number | undefined; perQueryUsd: number | undefined; coverage: BaselineCoverage };
  breakEven: BreakEven[];
  prices: Array<{ endpoint: string; model: string; onPrem: boolean; pricing: string }>;
  /** What the figures rest on beyond measurement: estimates, unknown fallback rates. */
  notes: string[];
}

export async function readCostInputs(store: GateStore, runId: string, config: Config): Promise<CostInputs> {
  // Logged baseline answers (source 'log') count: production paid for them, and the replay priced
  // their logged usage at the baseline's prices (NULL cost where the log has no usage: unknown, not free).
  const cells = await store.all<{
    tier: Tier;
    endpoint: string;
    calls: number;
    known_cost: number;
    logged: number;
    logged_cost: number;
    mean_cost: number | null;
    prompt: number | null;
    completion: number | null;
  }>(
    `SELECT rt.tier, s.endpoint, count(*) AS calls, count(s.cost_usd) AS known_cost, count(*) FILTER (WHERE s.source = 'log') AS logged,
            count(s.cost_usd) FILTER (WHERE s.source = 'log') AS logged_cost,
            avg(s.cost_usd) AS mean_cost,
            avg(s.prompt_tokens) FILTER (WHERE s.completion_tokens IS NOT NULL) AS prompt,
            avg(s.completion_tokens) FILTER (WHERE s.prompt_tokens IS NOT NULL) AS completion
     FROM responses AS s JOIN routes AS rt ON rt.run_id = s.run_id AND rt.query_id = s.query_id
     WHERE s.run_id = ? AND (s.source = 'endpoint' OR (s.source = 'log' AND s.role = 'baseline')) AND s.status IN ('ok', 'ok_after_retry')
     GROUP BY ALL`,
    [runId],
  );
  const fallbackCells = await store.all<{ tier: Tier; endpoint: string; candidate_calls: number; fallbacks: number }>(
    `SELECT rt.tier, c.endpoint, count(*) AS candidate_calls, count(f.query_id) AS fallbacks
     FROM responses AS c
     JOIN routes AS rt ON rt.run_id = c.run_id AND rt.query_id = c.query_id
     LEFT JOIN responses AS f ON f.run_id = c.run_id AND f.query_id = c.query_id AND f.role = 'fallback'
     WHERE c.run_id = ? AND c.role = 'candidate' AND c.status <> 'interrupted'
     GROUP BY ALL`,
    [runId],
  );
  const tiers = await store.all<{ tier: Tier; n: number }>(`SELECT tier, count(*) AS n FROM routes WHERE run_id = ? GROUP BY tier`, [runId]);
  const tierQueries = { simple: 0, medium: 0, complex: 0 };
  for (const row of tiers) tierQueries[row.tier] = Number(row.n);
  return {
    volume: await monthlyVolume(store, runId, config.volume.monthly_queries),
    tierQueries,
    cells: cells.map((row) => ({
      tier: row.tier,
      endpoint: row.endpoint,
      calls: Number(row.calls),
      knownCost: Number(row.known_cost),
      loggedCalls: Number(row.logged),
      loggedKnownCost: Number(row.logged_cost),
      meanCostUsd: row.mean_cost ?? undefined,
      meanPromptTokens: row.prompt ?? undefined,
      meanCompletionTokens: row.completion ?? undefined,
    })),
    fallbackCells: fallbackCells.map((row) => ({ tier: row.tier, endpoint: row.endpoint, candidateCalls: Number(row.candidate_calls), fallbacks: Number(row.fallbacks) })),
  };
}

/** Resolves "candidate" / "baseline" and checks every endpoint name against the run's config. */
export function resolveShares(shares: Shares, config: Config, where: string): Shares {
  const resolved: Shares = { simple: {}, medium: {}, complex: {} };
  for (const tier of TIERS) {
    for (const [name, share] of Object.entries(shares[tier])) {
      const endpoint = name === 'candidate' ? config.routing.tiers[tier] : name === 'baseline' ? config.baseline : name;
      if (config.endpoints[endpoint] === undefined) {
        throw new UsageError(`${where}: shares.${tier}: unknown endpoint "${name}" (the run's config has ${Object.keys(config.endpoints).join(', ')}; or use candidate / baseline)`);
      }
      resolved[tier][endpoint] = (resolved[tier][endpoint] ?? 0) + share;
    }
  }
  return resolved;
}

/** The run's own routing: every tier to its candidate endpoint. */
export function routedShares(config: Config): Shares {
  return { simple: { [config.routing.tiers.simple]: 1 }, medium: { [config.routing.tiers.medium]: 1 }, complex: { [config.routing.tiers.complex]: 1 } };
}

/** Prices, measurements and the run's tier mix, turned into per-query costs of any endpoint on any tier. */
export function costCalculator(inputs: CostInputs, config: Config) {
  const total = TIERS.reduce((sum, tier) => sum + inputs.tierQueries[tier], 0);
  const tierMix = Object.fromEntries(TIERS.map((tier) => [tier, total === 0 ? 0 : inputs.tierQueries[tier] / total])) as Record<Tier, number>;
  const cell = (endpoint: string, tier: Tier): CostCell | undefined => inputs.cells.find((c) => c.endpoint === endpoint && c.tier === tier);
  const tokensOf = (tier: Tier): { prompt: number; completion: number } | undefined => {
    const known = inputs.cells.filter((c) => c.tier === tier && c.meanPromptTokens !== undefined && c.meanCompletionTokens !== undefined);
    const calls = known.reduce((sum, c) => sum + c.calls, 0);
    if (calls === 0) return undefined;
    return {
      prompt: known.reduce((sum, c) => sum + c.meanPromptTokens! * c.calls, 0) / calls,
      completion: known.reduce((sum, c) => sum + c.meanCompletionTokens! * c.calls, 0) / calls,
    };
  };
  const onPrem = (endpoint: string): boolean => 'fixed_monthly_usd' in (config.endpoints[endpoint]?.pricing ?? {});

  /** Variable cost of one query on `endpoint` in `tier`: measured, else estimated from the tier's token usage. */
  const perQuery = (endpoint: string, tier: Tier): { usd: number | undefined; estimated: boolean } => {
    const pricing = config.endpoints[endpoint]?.pricing;
    if (pricing === undefined) return { usd: undefined, estimated: false };
    if ('per_query_usd' in pricing) return { usd: pricing.per_query_usd, estimated: false };
    const measured = cell(endpoint, tier);
    if (measured !== undefined && measured.knownCost > 0 && measured.meanCostUsd !== undefined) return { usd: measured.meanCostUsd, estimated: false };
    const tokens = tokensOf(tier);
    if (tokens === undefined) return { usd: undefined, estimated: true };
    return { usd: (tokens.prompt * pricing.input_per_million + tokens.completion * pricing.output_per_million) / 1_000_000, estimated: true };
  };

  /** Share of an on-prem endpoint's calls on `tier` that the fallback answered (its overall rate when the tier was not measured). */
  const fallbackRate = (endpoint: string, tier: Tier): number | undefined => {
    const rows = inputs.fallbackCells.filter((row) => row.endpoint === endpoint);
    const own = rows.find((row) => row.tier === tier);
    const pool = own !== undefined && own.candidateCalls > 0 ? [own] : rows;
    const calls = pool.reduce((sum, row) => sum + row.candidateCalls, 0);
    return calls === 0 ? undefined : pool.reduce((sum, row) => sum + row.fallbacks, 0) / calls;
  };

  return { tierMix, perQuery, fallbackRate, onPrem, cell };
}

type Calculator = ReturnType<typeof costCalculator>;

/** The baseline's measured calls behind the all-baseline bill (tiers the run has), and where it is an estimate. */
export function baselineCoverage(inputs: CostInputs, config: Config, calc: Calculator = costCalculator(inputs, config)): BaselineCoverage {
  const tiers = TIERS.filter((tier) => calc.tierMix[tier] > 0);
  const cells = inputs.cells.filter((c) => c.endpoint === config.baseline && tiers.includes(c.tier));
  const sum = (pick: (c: CostCell) => number): number => cells.reduce((total, c) => total + pick(c), 0);
  return {
    endpoint: config.baseline,
    calls: sum((c) => c.calls),
    costed: sum((c) => c.knownCost),
    logged: sum((c) => c.loggedCalls),
    loggedCosted: sum((c) => c.loggedKnownCost),
    estimatedTiers: tiers.filter((tier) => calc.perQuery(config.baseline, tier).estimated),
  };
}

/** "7 of 8 gpt4 answers costed (all 8 from the log: logged usage at gpt4's prices; 1 without usage left out)". */
export function describeBaselineCoverage(coverage: BaselineCoverage): string {
  const { endpoint, calls, costed, logged, loggedCosted, estimatedTiers } = coverage;
  const parts = [`${costed} of ${calls} ${endpoint} answer${calls === 1 ? '' : 's'} costed`];
  if (logged > 0) {
    const live = calls - logged;
    parts.push(
      `${logged === calls ? `all ${logged}` : `${logged}`} from the log (logged usage at ${endpoint}'s prices${logged > loggedCosted ? `; ${logged - loggedCosted} without logged usage left out of the mean` : ''})${live > 0 ? `, ${live} called live` : ''}`,
    );
  }
  if (estimatedTiers.length > 0) parts.push(`${estimatedTiers.join(', ')} estimated from the measured token usage`);
  return parts.join('; ');
}


/** The monthly bill of one traffic mix (shares already resolved to endpoint names). */
export function projectMix(label: string, shares: Shares, shadowShare: number, inputs: CostInputs, config: Config, calc: Calculator = costCalculator(inputs, config)): CostProjection {
  const volume = inputs.volume.monthlyQueries;
  const fallbackEndpoint = config.routing.fallback;
  const notes: string[] = [];
  let api: number | undefined = 0;
  let onPremMarginal: number | undefined = 0;
  let fallback: number | undefined = 0;
  let shadow: number | undefined = 0;
  const fixedEndpoints = new Set<string>();
  const byEndpoint = new Map<string, { share: number; usd: number | undefined; estimated: boolean }>();
  const used = new Set<string>();

  for (const tier of TIERS) {
    const weight = calc.tierMix[tier];
    if (weight === 0) continue;
    for (const [endpoint, share] of Object.entries(shares[tier])) {
      if (share === 0) continue;
      used.add(`${endpoint}/${tier}`);
      const cost = calc.perQuery(endpoint, tier);
      if (cost.estimated && cost.usd !== undefined) notes.push(`${endpoint} on ${tier} is estimated from the tier's measured token usage (not called on that tier in this run)`);
      const part = cost.usd === undefined ? undefined : weight * share * cost.usd;
      const entry = byEndpoint.get(endpoint) ?? { share: 0, usd: 0, estimated: false };
      entry.share += weight * share;
      entry.usd = add(entry.usd, part);
      entry.estimated ||= cost.estimated;
      byEndpoint.set(endpoint, entry);
      if (calc.onPrem(endpoint)) {
        fixedEndpoints.add(endpoint);
        onPremMarginal = add(onPremMarginal, part);
        if (fallbackEndpoint !== undefined) {
          const rate = calc.fallbackRate(endpoint, tier);
          const fallbackCost = calc.perQuery(fallbackEndpoint, tier).usd;
          if (rate === undefined) notes.push(`fallback rate of ${endpoint} unknown (not called in this run)`);
          fallback = add(fallback, rate === undefined || fallbackCost === undefined ? undefined : weight * share * rate * fallbackCost);
        }
      } else {
        api = add(api, part);
      }
    }
    if (shadowShare > 0) {
      const candidate = config.routing.tiers[tier];
      used.add(`${candidate}/${tier}`);
      if (calc.onPrem(candidate)) fixedEndpoints.add(candidate);
      const cost = calc.perQuery(candidate, tier).usd;
      shadow = add(shadow, cost === undefined ? undefined : weight * shadowShare * cost);
    }
  }
  const fixedMonthlyUsd = [...fixedEndpoints].reduce((sum, endpoint) => {
    const pricing = config.endpoints[endpoint]!.pricing;
    return sum + ('fixed_monthly_usd' in pricing ? pricing.fixed_monthly_usd : 0);
  }, 0);
  const variablePerQueryUsd = add(add(add(api, onPremMarginal), fallback), shadow);
  const monthly = (perQuery: number | undefined): number | undefined => (perQuery === undefined || volume === undefined ? undefined : perQuery * volume);
  const routedMonthlyUsd = add(monthly(variablePerQueryUsd), volume === undefined ? undefined : fixedMonthlyUsd);
  const baselinePerQuery = TIERS.reduce<number | undefined>((sum, tier) => (calc.tierMix[tier] === 0 ? sum : add(sum, mul(calc.tierMix[tier], calc.perQuery(config.baseline, tier).usd))), 0);
  const baselineMonthlyUsd = monthly(baselinePerQuery);
  const cells = inputs.cells.filter((c) => used.has(`${c.endpoint}/${c.tier}`));
  return {
    label,
    monthlyQueries: volume,
    routedMonthlyUsd,
    baselineMonthlyUsd,
    reduction: routedMonthlyUsd === undefined || baselineMonthlyUsd === undefined || baselineMonthlyUsd === 0 ? undefined : 1 - routedMonthlyUsd / baselineMonthlyUsd,
    fixedMonthlyUsd,
    variablePerQueryUsd,
    fallbackMonthlyUsd: monthly(fallback),
    costCoverage: { known: cells.reduce((sum, c) => sum + c.knownCost, 0), total: cells.reduce((sum, c) => sum + c.calls, 0) },
    baselineCoverage: baselineCoverage(inputs, config, calc),
    components: { apiUsd: monthly(api), onPremMarginalUsd: monthly(onPremMarginal), onPremFixedUsd: fixedMonthlyUsd, fallbackUsd: monthly(fallback), shadowUsd: monthly(shadow) },
    endpoints: [...byEndpoint].map(([endpoint, entry]) => ({ endpoint, share: entry.share, perQueryUsd: entry.share === 0 || entry.usd === undefined ? undefined : entry.usd / entry.share, monthlyUsd: monthly(entry.usd), estimated: entry.estimated })),
    notes: [...new Set(notes)],
  };
}

const mul = (a: number, b: number | undefined): number | undefined => (b === undefined ? undefined : a * b);

/**
 * Break-even volume of each on-prem endpoint in the mix: the monthly queries (all traffic) at
 * which its fixed cost plus marginal and fallback cost equals what the same queries would cost on
 * an API endpoint. undefined: never (the API is cheaper per query than on-prem's marginal cost).
 */
export function breakEven(shares: Shares, inputs: CostInputs, config: Config, calc: Calculator = costCalculator(inputs, config)): BreakEven[] {
  const results: BreakEven[] = [];
  const apis = Object.keys(config.endpoints).filter((name) => !calc.onPrem(name));
  for (const [endpoint, settings] of Object.entries(config.endpoints)) {
    if (!('fixed_monthly_usd' in settings.pricing)) continue;
    const weights = TIERS.map((tier) => ({ tier, weight: calc.tierMix[tier] * (shares[tier][endpoint] ?? 0) }));
    const trafficShare = weights.reduce((sum, w) => sum + w.weight, 0);
    if (trafficShare === 0) continue;
    const fixed = settings.pricing.fixed_monthly_usd;
    const fallbackEndpoint = config.routing.fallback;
    let perQuery: number | undefined = settings.pricing.per_query_usd;
    if (fallbackEndpoint !== undefined) {
      for (const { tier, weight } of weights) {
        if (weight === 0) continue;
        const rate = calc.fallbackRate(endpoint, tier);
        const fallbackCost = calc.perQuery(fallbackEndpoint, tier).usd;
        perQuery = add(perQuery, rate === undefined || fallbackCost === undefined ? undefined : (weight / trafficShare) * rate * fallbackCost);
      }
    }
    const against = apis.map((api) => {
      let apiPerQuery: number | undefined = 0;
      let estimated = false;
      for (const { tier, weight } of weights) {
        if (weight === 0) continue;
        const cost = calc.perQuery(api, tier);
        estimated ||= cost.estimated;
        apiPerQuery = add(apiPerQuery, mul(weight / trafficShare, cost.usd));
      }
      const saving = apiPerQuery === undefined || perQuery === undefined ? undefined : apiPerQuery - perQuery;
      return {
        endpoint: api,
        perQueryUsd: apiPerQuery,
        breakEvenMonthlyQueries: saving === undefined || saving <= 0 ? undefined : Math.ceil(fixed / (trafficShare * saving)),
        estimated,
      };
    });
    results.push({ endpoint, trafficShare, fixedMonthlyUsd: fixed, perQueryUsd: perQuery, against });
  }
  return results;
}

/** The whole cost model of a run under a plan: every step, the target mix, all-baseline, break-even. */
export async function buildCostModel(store: GateStore, runId: string, config: Config, plan: GatePlan, adjust: (inputs: CostInputs) => CostInputs = (inputs) => inputs): Promise<CostModel> {
  // A stored capacity plan prices the on-prem fixed cost instead of the typed figure (issue 19).
  const onPrem = await onPremCostSource(store, config);
  // adjust: a what-if's volume (gate --volume), labelled as such.
  const inputs = adjust(await readCostInputs(store, runId, onPrem.config));
  const model = costModelFrom(inputs, onPrem.config, plan);
  return { ...model, notes: [...onPrem.notes, ...model.notes] };
}

export function costModelFrom(inputs: CostInputs, config: Config, plan: GatePlan): CostModel {
  const calc = costCalculator(inputs, config);
  const asRouted = projectMix('as routed', routedShares(config), 0, inputs, config, calc);
  const steps = plan.steps.map((step) =>
    step.shares === undefined
      ? { ...asRouted, label: step.name }
      : projectMix(step.name, resolveShares(step.shares, config, `${plan.file}: step "${step.name}"`), step.shadowShare, inputs, config, calc),
  );
  const targetShares = plan.target === undefined ? routedShares(config) : resolveShares(plan.target, config, `${plan.file}: target`);
  const target = projectMix('target', targetShares, 0, inputs, config, calc);
  const baselinePerQuery = TIERS.reduce<number | undefined>((sum, tier) => (calc.tierMix[tier] === 0 ? sum : add(sum, mul(calc.tierMix[tier], calc.perQuery(config.baseline, tier).usd))), 0);
  const coverage = baselineCoverage(inputs, config, calc);
  const estimatedBaseline = coverage.estimatedTiers;
  return {
    notes: [
      ...(estimatedBaseline.length === 0
        ? []
        : [`all-baseline cost on ${estimatedBaseline.join(', ')} is estimated from the measured token usage and ${config.baseline}'s prices (no costed ${config.baseline} call there, e.g. logged answers without usage)`]),
      ...(coverage.logged === 0 ? [] : [`all-baseline cost: ${describeBaselineCoverage(coverage)}`]),
      ...new Set(steps.flatMap((step) => step.notes ?? [])),
    ],
    volume: inputs.volume,
    tierMix: calc.tierMix,
    asRouted,
    steps,
    target,
    allBaseline: { coverage, perQueryUsd: baselinePerQuery, monthlyUsd: baselinePerQuery === undefined || inputs.volume.monthlyQueries === undefined ? undefined : baselinePerQuery * inputs.volume.monthlyQueries },
    breakEven: breakEven(targetShares, inputs, config, calc),
    prices: Object.entries(config.endpoints).map(([endpoint, settings]) => {
      const pricing = settings.pricing;
      return {
        endpoint,
        model: settings.model,
        onPrem: settings.on_prem,
        pricing:
          'fixed_monthly_usd' in pricing
            ? `$${pricing.fixed_monthly_usd.toLocaleString('en-US')}/month fixed + $${pricing.per_query_usd}/query`
            : `$${pricing.input_per_million}/1M input + $${pricing.output_per_million}/1M output tokens`,
      };
    }),
  };
}

/** The old entry point: the run as routed. */
export async function projectCost(store: GateStore, runId: string, config: Config): Promise<CostProjection> {
  const inputs = await readCostInputs(store, runId, config);
  return projectMix('as routed', routedShares(config), 0, inputs, config);
}
