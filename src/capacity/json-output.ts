import type { CapacityResult } from './run-capacity.ts';

/** `capacity --json`: the shape (per_replica_rps, headroom, peak, policies) plus what it rests on. Unknown is null. */
export function capacityJson(result: CapacityResult): Record<string, unknown> {
  const { plan, settings } = result;
  const byHourOfDay = Array.from({ length: 24 }, (_, hour) => {
    const rows = plan.hours.filter((row) => row.hour === hour);
    return { hour, onprem_rps: Math.max(...rows.map((row) => row.onPremRps)), replicas: Math.max(...rows.map((row) => row.replicas)) };
  });
  return {
    plan_id: result.planId,
    endpoint: result.endpoint,
    loadtest_id: result.loadtestId,
    run_id: result.runId,
    profile: result.profile.kind,
    monthly_queries: result.monthlyQueries,
    growth: result.growth,
    months: result.months,
    planned_monthly_queries: result.plannedMonthlyQueries,
    onprem_share: result.onPremShare,
    per_replica_rps: settings.perReplicaRps,
    headroom: settings.headroom,
    peak: { hour: plan.peak.hour, day_of_week: plan.peak.dayOfWeek, onprem_rps: plan.peak.onPremRps, replicas: plan.peak.replicas },
    hours: byHourOfDay,
    policies: plan.policies.map((policy) => ({
      name: policy.name,
      gpu_hours_per_month: policy.gpuHoursPerMonth,
      monthly_usd: policy.monthlyUsd ?? null,
      gpu_usd: policy.gpuUsd,
      fallback_queries_per_month: policy.fallbackQueriesPerMonth,
      fallback_usd: policy.fallbackUsd ?? null,
      detail: policy.detail,
    })),
    fallback_endpoint: result.fallbackEndpoint,
    database: result.database,
    chart: result.chart,
  };
}
