import type { TableRows } from '../store/phase2-tables.ts';
import type { CapacityResult } from './run-capacity.ts';

/** The rows of migration 015's capacity tables: the plan, its 168 hours and its policies. */
export function capacityRows(result: CapacityResult, createdAt: Date): TableRows[] {
  const { plan, settings } = result;
  return [
    {
      table: 'capacity_plans',
      columns: [
        'plan_id', 'created_at', 'endpoint', 'loadtest_id', 'run_id', 'dataset', 'profile', 'monthly_queries', 'growth', 'months', 'planned_monthly_queries',
        'onprem_share', 'onprem_share_source', 'per_replica_rps', 'headroom', 'gpus_per_replica', 'peak_day_of_week', 'peak_hour', 'peak_onprem_rps', 'peak_replicas', 'settings',
      ],
      rows: [[
        result.planId, createdAt, result.endpoint, result.loadtestId, result.runId, result.profile.kind === 'log' ? result.profile.detail : undefined, result.profile.kind,
        result.monthlyQueries, result.growth, result.months, result.plannedMonthlyQueries, result.onPremShare, result.onPremShareSource, settings.perReplicaRps,
        settings.headroom, settings.gpusPerReplica, plan.peak.dayOfWeek, plan.peak.hour, plan.peak.onPremRps, plan.peak.replicas,
        JSON.stringify({ ...settings, fallbackEndpoint: result.fallbackEndpoint, monthlySource: result.monthlySource }),
      ]],
    },
    {
      table: 'capacity_hours',
      columns: ['plan_id', 'day_of_week', 'hour', 'traffic_share', 'onprem_rps', 'replicas'],
      rows: plan.hours.map((row) => [result.planId, row.dayOfWeek, row.hour, row.trafficShare, row.onPremRps, row.replicas]),
    },
    {
      table: 'capacity_policies',
      columns: ['plan_id', 'name', 'replica_hours_per_month', 'gpu_hours_per_month', 'gpu_usd', 'fallback_queries_per_month', 'fallback_usd', 'monthly_usd', 'detail'],
      rows: plan.policies.map((policy) => [
        result.planId, policy.name, policy.replicaHoursPerMonth, policy.gpuHoursPerMonth, policy.gpuUsd, policy.fallbackQueriesPerMonth, policy.fallbackUsd, policy.monthlyUsd, policy.detail,
      ]),
    },
  ];
}
