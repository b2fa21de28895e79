import { HOURS_IN_WEEK, type ArrivalProfile } from './arrival-profile.ts';

/** A 30-day month holds 30/7 of each hour of the week. */
export const WEEKS_PER_MONTH = 30 / 7;
const HOURS_PER_MONTH = 720;

export interface CapacitySettings {
  perReplicaRps: number;
  headroom: number;
  gpusPerReplica: number;
  gpuHourUsd: { onDemand: number; spot: number | undefined; reserved: number | undefined };
  minReplicas: number;
  coldStartMinutes: number;
  nightHours: readonly number[];
  spotShare: number;
  spotPreemptionsPerHour: number;
  /** What one query costs on the fallback (GPT-4); undefined when unknown. */
  fallbackPerQueryUsd: number | undefined;
}

export interface CapacityInputs {
  profile: ArrivalProfile;
  /** Monthly queries of all traffic in the planned month (after growth). */
  plannedMonthlyQueries: number;
  onPremShare: number;
  settings: CapacitySettings;
}

export interface HourRow {
  dayOfWeek: number;
  hour: number;
  trafficShare: number;
  onPremRps: number;
  /** Replicas the load needs under the SLO with headroom: ceil(rps / per-replica rps x headroom). */
  replicas: number;
}

export interface PolicyCost {
  name: 'always_on_peak' | 'always_on_reserved' | 'autoscale_hourly' | 'scale_to_zero_night' | 'spot_mix';
  replicaHoursPerMonth: number;
  gpuHoursPerMonth: number;
  gpuUsd: number;
  fallbackQueriesPerMonth: number;
  fallbackUsd: number | undefined;
  /** GPU plus fallback; undefined when the fallback's cost is unknown and it serves anything. */
  monthlyUsd: number | undefined;
  detail: string;
}

export interface CapacityPlan {
  hours: HourRow[];
  peak: HourRow;
  policies: PolicyCost[];
}

/** ceil with a tolerance, so 3.0000000001 from floating point is 3 (the capacity_check view does the same). */
export function replicasFor(rps: number, perReplicaRps: number, headroom: number): number {
  return Math.max(0, Math.ceil((rps / perReplicaRps) * headroom - 1e-9));
}

export function planCapacity(inputs: CapacityInputs): CapacityPlan {
  const { settings } = inputs;
  const weeklyQueries = inputs.plannedMonthlyQueries / WEEKS_PER_MONTH;
  const hours: HourRow[] = inputs.profile.shares.map((share, index) => {
    const onPremRps = (weeklyQueries * share * inputs.onPremShare) / 3600;
    return { dayOfWeek: Math.floor(index / 24), hour: index % 24, trafficShare: share, onPremRps, replicas: replicasFor(onPremRps, settings.perReplicaRps, settings.headroom) };
  });
  const peak = hours.reduce((best, row) => (row.onPremRps > best.onPremRps ? row : best), hours[0]!);
  const policies = [alwaysOn(peak, settings, 'always_on_peak')];
  if (settings.gpuHourUsd.reserved !== undefined) policies.push(alwaysOn(peak, settings, 'always_on_reserved'));
  policies.push(autoscale(hours, settings), scaleToZero(hours, settings));
  if (settings.gpuHourUsd.spot !== undefined) policies.push(spotMix(hours, settings));
  return { hours, peak, policies };
}

function fallbackCost(queries: number, settings: CapacitySettings): number | undefined {
  if (queries === 0) return 0;
  return settings.fallbackPerQueryUsd === undefined ? undefined : queries * settings.fallbackPerQueryUsd;
}

function policy(name: PolicyCost['name'], replicaHours: number, gpuUsd: number, fallbackQueries: number, settings: CapacitySettings, detail: string): PolicyCost {
  const fallbackUsd = fallbackCost(fallbackQueries, settings);
  return {
    name,
    replicaHoursPerMonth: replicaHours,
    gpuHoursPerMonth: replicaHours * settings.gpusPerReplica,
    gpuUsd,
    fallbackQueriesPerMonth: fallbackQueries,
    fallbackUsd,
    monthlyUsd: fallbackUsd === undefined ? undefined : gpuUsd + fallbackUsd,
    detail,
  };
}

function alwaysOn(peak: HourRow, settings: CapacitySettings, name: 'always_on_peak' | 'always_on_reserved'): PolicyCost {
  const replicas = Math.max(settings.minReplicas, peak.replicas);
  const replicaHours = replicas * HOURS_PER_MONTH;
  const price = name === 'always_on_reserved' ? settings.gpuHourUsd.reserved! : settings.gpuHourUsd.onDemand;
  return policy(name, replicaHours, replicaHours * settings.gpusPerReplica * price, 0, settings, `${replicas} replica${replicas === 1 ? '' : 's'} all month at ${name === 'always_on_reserved' ? 'reserved' : 'on-demand'} $${price}/GPU-hour`);
}

/** Replica-hours a month to boot replicas when the count rises from one hour to the next (the week wraps). */
function bootHours(counts: readonly number[], coldStartMinutes: number): number {
  let starts = 0;
  for (let index = 0; index < counts.length; index++) starts += Math.max(0, counts[index]! - counts[(index + HOURS_IN_WEEK - 1) % HOURS_IN_WEEK]!);
  return starts * (coldStartMinutes / 60) * WEEKS_PER_MONTH;
}

function autoscaled(hours: readonly HourRow[], settings: CapacitySettings): number[] {
  return hours.map((row) => Math.max(settings.minReplicas, row.replicas));
}

function autoscale(hours: readonly HourRow[], settings: CapacitySettings): PolicyCost {
  const counts = autoscaled(hours, settings);
  const boot = bootHours(counts, settings.coldStartMinutes);
  const replicaHours = counts.reduce((sum, count) => sum + count, 0) * WEEKS_PER_MONTH + boot;
  return policy(
    'autoscale_hourly',
    replicaHours,
    replicaHours * settings.gpusPerReplica * settings.gpuHourUsd.onDemand,
    0,
    settings,
    `each hour's replicas (at least ${settings.minReplicas}), started ${settings.coldStartMinutes} min ahead of the hour: ${boot.toFixed(0)} boot replica-hours`,
  );
}

function scaleToZero(hours: readonly HourRow[], settings: CapacitySettings): PolicyCost {
  const night = new Set(settings.nightHours);
  const counts = hours.map((row) => (night.has(row.hour) ? 0 : Math.max(1, settings.minReplicas, row.replicas)));
  let fallbackQueries = 0;
  for (const [index, row] of hours.entries()) {
    if (counts[index] === 0) fallbackQueries += row.onPremRps * 3600 * WEEKS_PER_MONTH;
    // Waking from zero is reactive: the first query starts a replica, the fallback serves until it is up.
    else if (counts[(index + HOURS_IN_WEEK - 1) % HOURS_IN_WEEK] === 0) fallbackQueries += row.onPremRps * settings.coldStartMinutes * 60 * WEEKS_PER_MONTH;
  }
  const boot = bootHours(counts, settings.coldStartMinutes);
  const replicaHours = counts.reduce((sum, count) => sum + count, 0) * WEEKS_PER_MONTH + boot;
  return policy(
    'scale_to_zero_night',
    replicaHours,
    replicaHours * settings.gpusPerReplica * settings.gpuHourUsd.onDemand,
    fallbackQueries,
    settings,
    `no replica in UTC hours ${settings.nightHours.join(',')}; the fallback serves them and each ${settings.coldStartMinutes}-min cold start after`,
  );
}

function spotMix(hours: readonly HourRow[], settings: CapacitySettings): PolicyCost {
  const counts = autoscaled(hours, settings);
  let spotHours = 0;
  let fallbackQueries = 0;
  for (const [index, row] of hours.entries()) {
    const count = counts[index]!;
    const spot = count * settings.spotShare;
    const preemptions = spot * settings.spotPreemptionsPerHour;
    spotHours += spot * WEEKS_PER_MONTH;
    // A preempted replica's share of the hour's load goes to the fallback until its replacement is up.
    if (count > 0) fallbackQueries += preemptions * (row.onPremRps / count) * settings.coldStartMinutes * 60 * WEEKS_PER_MONTH;
  }
  const boot = bootHours(counts, settings.coldStartMinutes);
  const replacementHours = (spotHours * settings.spotPreemptionsPerHour * settings.coldStartMinutes) / 60;
  const totalHours = counts.reduce((sum, count) => sum + count, 0) * WEEKS_PER_MONTH + boot + replacementHours;
  const onDemandHours = totalHours - spotHours;
  const gpuUsd = (spotHours * settings.gpuHourUsd.spot! + onDemandHours * settings.gpuHourUsd.onDemand) * settings.gpusPerReplica;
  return policy(
    'spot_mix',
    totalHours,
    gpuUsd,
    fallbackQueries,
    settings,
    `autoscaled, ${(settings.spotShare * 100).toFixed(0)}% of replicas on spot at $${settings.gpuHourUsd.spot}/GPU-hour, ${settings.spotPreemptionsPerHour} preemptions per spot replica-hour, each replaced in ${settings.coldStartMinutes} min with the fallback serving its share`,
  );
}
