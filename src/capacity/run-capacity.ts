import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { UsageError } from '../core/errors.ts';
import { TIERS } from '../core/tier.ts';
import { resolveShares, routedShares } from '../gate/cost.ts';
import { loadPlan } from '../gate/plan.ts';
import { renderChartPage } from '../report/chart-page.ts';
import { mergeFieldMappings } from '../replay/mapping.ts';
import { readPhase2, writePhase2Rows } from '../store/phase2-tables.ts';
import type { Store } from '../store/types.ts';
import { flatProfile, readArrivalProfile, type ArrivalProfile } from './arrival-profile.ts';
import { loadVsCapacitySpec } from './chart.ts';
import { planCapacity, type CapacityPlan, type CapacitySettings } from './plan.ts';
import { capacityRows } from './store-rows.ts';

export interface CapacityOptions {
  config: string;
  run?: string;
  /** A load test id, or 'latest' (the default): the newest complete load test of the endpoint. */
  loadtest?: string;
  dataset?: string;
  fields?: string[];
  profile?: 'log' | 'flat';
  /** Take the on-prem share from this step of the rollout plan (its mix over the run's tiers) instead of the run as routed. */
  step?: string;
  /** The rollout plan file (default: the config's plan). */
  plan?: string;
  growth?: number;
  months?: number;
  db?: string;
  env?: NodeJS.ProcessEnv;
}

export interface CapacityResult {
  planId: string;
  endpoint: string;
  loadtestId: string;
  runId: string;
  profile: ArrivalProfile;
  monthlyQueries: number;
  monthlySource: string;
  growth: number;
  months: number;
  plannedMonthlyQueries: number;
  onPremShare: number;
  onPremShareSource: string;
  settings: CapacitySettings;
  plan: CapacityPlan;
  fallbackEndpoint: string;
  database: string;
  chart: string;
}

interface LoadtestRow {
  loadtest_id: string;
  max_sustainable_rps: number | null;
  max_sustainable_level: number | null;
  mode: string;
}

export function newPlanId(now: Date = new Date()): string {
  return `cap-${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}-${randomBytes(2).toString('hex')}`;
}

/** The on-prem endpoint the plan sizes: capacity.endpoint, else the config's only on_prem endpoint. */
export function plannedEndpoint(config: Config): string {
  if (config.capacity?.endpoint !== undefined) return config.capacity.endpoint;
  const onPrem = Object.entries(config.endpoints).filter(([, endpoint]) => endpoint.on_prem).map(([name]) => name);
  if (onPrem.length !== 1) throw new UsageError(`capacity.endpoint: set it in the config (the config has ${onPrem.length === 0 ? 'no' : onPrem.length} on_prem endpoints${onPrem.length === 0 ? '' : `: ${onPrem.join(', ')}`})`);
  return onPrem[0]!;
}

export async function runCapacity(options: CapacityOptions): Promise<CapacityResult> {
  const config = loadConfig(options.config, { env: options.env ?? process.env });
  const capacity = config.capacity;
  if (capacity === undefined) throw new UsageError(`${options.config}: no capacity section: set capacity.gpu_hour_usd.on_demand (and gpus_per_replica) to plan GPU cost`);
  const endpoint = plannedEndpoint(config);
  const growth = options.growth ?? 0;
  const months = options.months ?? 0;
  if (!(growth > -1)) throw new UsageError(`--growth must be > -1, got ${growth}`);
  if (!Number.isInteger(months) || months < 0) throw new UsageError(`--months must be an integer >= 0, got ${months}`);
  const database = options.db ?? config.database;
  const fallbackEndpoint = capacity.fallback ?? config.routing.fallback ?? config.baseline;

  const facts = await readPhase2(database, async (store) => {
    const loadtest = await findLoadtest(store, endpoint, options.loadtest ?? 'latest', database);
    if (loadtest.max_sustainable_rps === null || !(loadtest.max_sustainable_rps > 0)) {
      throw new UsageError(`load test ${loadtest.loadtest_id}: no level met the SLO, so one replica's capacity under it is unknown: load lower levels (or review slo) and run loadtest again`);
    }
    const run = options.run === undefined ? await store.latestRun() : await store.getRun(options.run);
    if (run === undefined) throw new UsageError(options.run === undefined ? `no routed run in ${database} to take the on-prem share from: replay first, or give --run` : `run not found: ${options.run}`);
    const share = await onPremShare(store, run.run_id, config, endpoint, options.step === undefined ? undefined : { planFile: options.plan ?? config.plan, step: options.step });
    const [tokens] = await store.all<{ prompt: number | null; completion: number | null }>(
      "SELECT avg(prompt_tokens) AS prompt, avg(completion_tokens) AS completion FROM loadtest_requests WHERE loadtest_id = ? AND status = 'ok'",
      [loadtest.loadtest_id],
    );
    return { loadtest, runId: run.run_id, runDataset: run.dataset, share, tokens };
  });

  const profile =
    options.profile === 'flat'
      ? flatProfile()
      : await readArrivalProfile({
          path: options.dataset ?? facts.runDataset,
          format: config.dataset.format,
          table: config.dataset.table,
          sql: config.dataset.sql,
          mapping: mergeFieldMappings(config.dataset.fields, options.fields ?? []),
        });
  const { monthlyQueries, source: monthlySource } = monthlyVolume(config, profile);
  const plannedMonthlyQueries = monthlyQueries * (1 + growth) ** months;
  const settings: CapacitySettings = {
    perReplicaRps: facts.loadtest.max_sustainable_rps!,
    headroom: capacity.headroom,
    gpusPerReplica: capacity.gpus_per_replica,
    gpuHourUsd: { onDemand: capacity.gpu_hour_usd.on_demand, spot: capacity.gpu_hour_usd.spot, reserved: capacity.gpu_hour_usd.reserved },
    minReplicas: capacity.min_replicas,
    coldStartMinutes: capacity.cold_start_minutes,
    nightHours: capacity.night_hours,
    spotShare: capacity.spot_share,
    spotPreemptionsPerHour: capacity.spot_preemptions_per_hour,
    fallbackPerQueryUsd: fallbackPerQuery(config, fallbackEndpoint, facts.tokens),
  };
  const plan = planCapacity({ profile, plannedMonthlyQueries, onPremShare: facts.share.share, settings });
  const planId = newPlanId();
  const result: CapacityResult = {
    planId,
    endpoint,
    loadtestId: facts.loadtest.loadtest_id,
    runId: facts.runId,
    profile,
    monthlyQueries,
    monthlySource,
    growth,
    months,
    plannedMonthlyQueries,
    onPremShare: facts.share.share,
    onPremShareSource: facts.share.source,
    settings,
    plan,
    fallbackEndpoint,
    database,
    chart: join(config.results_dir, `${planId}.html`),
  };
  await writePhase2Rows(database, capacityRows(result, new Date()));
  mkdirSync(config.results_dir, { recursive: true });
  writeFileSync(
    result.chart,
    await renderChartPage(
      `Capacity plan ${planId}`,
      `${endpoint}: ${Math.round(plannedMonthlyQueries).toLocaleString('en-US')} queries/month planned, ${(result.onPremShare * 100).toFixed(1)}% on-prem; one replica holds ${settings.perReplicaRps.toFixed(2)} req/s under the SLO (load test ${result.loadtestId}); headroom x${settings.headroom}.`,
      [{ id: 'chart-load-capacity', title: 'On-prem load vs capacity, hour of the week', caption: 'On-prem requests/s each hour (UTC) against the capacity the autoscaled and always-on replicas give under the SLO.', spec: loadVsCapacitySpec(result) }],
    ),
  );
  return result;
}

async function findLoadtest(store: Store, endpoint: string, wanted: string, database: string): Promise<LoadtestRow> {
  const rows =
    wanted === 'latest'
      ? await store.all<LoadtestRow>("SELECT loadtest_id, max_sustainable_rps, max_sustainable_level, mode FROM loadtests WHERE endpoint = ? AND status = 'complete' ORDER BY created_at DESC LIMIT 1", [endpoint])
      : await store.all<LoadtestRow>('SELECT loadtest_id, max_sustainable_rps, max_sustainable_level, mode FROM loadtests WHERE loadtest_id = ?', [wanted]);
  const row = rows[0];
  if (row === undefined) {
    throw new UsageError(wanted === 'latest' ? `no complete load test of endpoint "${endpoint}" in ${database}: run hybrid-eval loadtest --endpoint ${endpoint} first` : `load test not found: ${wanted}`);
  }
  return row;
}

/**
 * Share of all traffic the planned endpoint serves: the run's routed queries whose tier goes to it,
 * or, with a plan step, the step's share of the endpoint on each tier weighted by the run's tier mix.
 */
async function onPremShare(store: Store, runId: string, config: Config, endpoint: string, step: { planFile: string; step: string } | undefined): Promise<{ share: number; source: string }> {
  const rows = await store.all<{ tier: string; n: number }>('SELECT tier, count(*) AS n FROM routes WHERE run_id = ? GROUP BY tier', [runId]);
  const total = rows.reduce((sum, row) => sum + Number(row.n), 0);
  if (total === 0) throw new UsageError(`run ${runId} has no routed queries to take the on-prem share from`);
  const count = (tier: string): number => Number(rows.find((row) => row.tier === tier)?.n ?? 0);
  if (step !== undefined) {
    const plan = loadPlan(step.planFile);
    const chosen = plan.steps.find((candidate) => candidate.name === step.step);
    if (chosen === undefined) throw new UsageError(`--step ${step.step}: no such step in ${step.planFile} (steps: ${plan.steps.map((candidate) => candidate.name).join(', ')})`);
    const shares = chosen.shares === undefined ? routedShares(config) : resolveShares(chosen.shares, config, `${step.planFile}: step "${chosen.name}"`);
    const share = TIERS.reduce((sum, tier) => sum + (count(tier) / total) * (shares[tier][endpoint] ?? 0), 0);
    return { share, source: `step "${chosen.name}" of ${step.planFile} over run ${runId}'s tier mix` };
  }
  const tiers = TIERS.filter((tier) => config.routing.tiers[tier] === endpoint);
  const onPrem = tiers.reduce((sum, tier) => sum + count(tier), 0);
  return { share: onPrem / total, source: `run ${runId}: ${onPrem} of ${total} queries routed to ${endpoint} (tiers ${tiers.join(', ') || 'none'})` };
}

function monthlyVolume(config: Config, profile: ArrivalProfile): { monthlyQueries: number; source: string } {
  const configured = config.volume.monthly_queries;
  if (configured !== undefined) return { monthlyQueries: configured, source: 'config volume.monthly_queries' };
  if (profile.spanDays !== undefined && profile.queries >= 2) {
    return { monthlyQueries: Math.round(((profile.queries - 1) / profile.spanDays) * 30), source: `the log's own rate (${profile.detail}; assumes it holds all traffic of its span)` };
  }
  throw new UsageError('volume unknown: set volume.monthly_queries in the config (the log gives no rate)');
}

function fallbackPerQuery(config: Config, name: string, tokens: { prompt: number | null; completion: number | null } | undefined): number | undefined {
  const pricing = config.endpoints[name]?.pricing;
  if (pricing === undefined) return undefined;
  if ('fixed_monthly_usd' in pricing) return pricing.per_query_usd;
  if (tokens?.prompt == null || tokens.completion == null) return undefined;
  return (Number(tokens.prompt) * pricing.input_per_million + Number(tokens.completion) * pricing.output_per_million) / 1e6;
}
