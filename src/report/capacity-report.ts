import { loadVsCapacitySpec } from '../capacity/chart.ts';
import type { HourRow, PolicyCost } from '../capacity/plan.ts';
import type { GateStore } from '../gate/metrics.ts';
import type { Chart } from './charts.ts';
import { escapeHtml as h, usd } from './format.ts';

/** The newest stored capacity plan, as the report shows it: hourly load vs capacity and the policies' costs. */
export interface CapacityReport {
  planId: string;
  endpoint: string;
  loadtestId: string;
  perReplicaRps: number;
  headroom: number;
  minReplicas: number;
  plannedMonthlyQueries: number;
  months: number;
  hours: HourRow[];
  peak: HourRow;
  policies: Array<Pick<PolicyCost, 'name' | 'gpuHoursPerMonth' | 'gpuUsd' | 'fallbackQueriesPerMonth' | 'fallbackUsd' | 'monthlyUsd' | 'detail'>>;
}

/** The newest plan (one for this month first); undefined when none is stored. */
export async function readCapacityReport(store: GateStore): Promise<CapacityReport | undefined> {
  const [plan] = await store.all<{ plan_id: string; endpoint: string; loadtest_id: string; per_replica_rps: number; headroom: number; settings: string; planned_monthly_queries: number; months: number }>(
    `SELECT plan_id, endpoint, loadtest_id, per_replica_rps, headroom, CAST(settings AS VARCHAR) AS settings, planned_monthly_queries, months
     FROM capacity_plans ORDER BY months = 0 DESC, created_at DESC LIMIT 1`,
  );
  if (plan === undefined) return undefined;
  const hours = (
    await store.all<{ day_of_week: number; hour: number; traffic_share: number; onprem_rps: number; replicas: number }>(
      'SELECT day_of_week, hour, traffic_share, onprem_rps, replicas FROM capacity_hours WHERE plan_id = ? ORDER BY day_of_week, hour',
      [plan.plan_id],
    )
  ).map((row) => ({ dayOfWeek: Number(row.day_of_week), hour: Number(row.hour), trafficShare: Number(row.traffic_share), onPremRps: Number(row.onprem_rps), replicas: Number(row.replicas) }));
  const policies = await store.all<{ name: PolicyCost['name']; gpu_hours_per_month: number; gpu_usd: number; fallback_queries_per_month: number; fallback_usd: number | null; monthly_usd: number | null; detail: string }>(
    'SELECT name, gpu_hours_per_month, gpu_usd, fallback_queries_per_month, fallback_usd, monthly_usd, detail FROM capacity_policies WHERE plan_id = ? ORDER BY rowid',
    [plan.plan_id],
  );
  const settings = JSON.parse(plan.settings) as { minReplicas?: number };
  const peak = hours.reduce((best, row) => (row.onPremRps > best.onPremRps ? row : best), hours[0]!);
  return {
    planId: plan.plan_id,
    endpoint: plan.endpoint,
    loadtestId: plan.loadtest_id,
    perReplicaRps: Number(plan.per_replica_rps),
    headroom: Number(plan.headroom),
    minReplicas: settings.minReplicas ?? 0,
    plannedMonthlyQueries: Number(plan.planned_monthly_queries),
    months: Number(plan.months),
    hours,
    peak,
    policies: policies.map((row) => ({
      name: row.name,
      gpuHoursPerMonth: Number(row.gpu_hours_per_month),
      gpuUsd: Number(row.gpu_usd),
      fallbackQueriesPerMonth: Number(row.fallback_queries_per_month),
      fallbackUsd: row.fallback_usd === null ? undefined : Number(row.fallback_usd),
      monthlyUsd: row.monthly_usd === null ? undefined : Number(row.monthly_usd),
      detail: row.detail,
    })),
  };
}

export function capacityChart(capacity: CapacityReport | undefined): Chart {
  return {
    id: 'chart-capacity',
    title: 'On-prem load vs GPU capacity, hour of the week',
    caption:
      capacity === undefined
        ? 'No capacity plan stored (hybrid-eval capacity).'
        : `Capacity plan ${capacity.planId} for ${capacity.endpoint}: on-prem requests/s each UTC hour against what the autoscaled and always-on replicas serve under the SLO (${capacity.perReplicaRps.toFixed(2)} req/s a replica, load test ${capacity.loadtestId}).`,
    spec:
      capacity === undefined
        ? undefined
        : loadVsCapacitySpec({
            plan: { hours: capacity.hours, peak: capacity.peak, policies: [] },
            settings: { perReplicaRps: capacity.perReplicaRps, minReplicas: capacity.minReplicas } as Parameters<typeof loadVsCapacitySpec>[0]['settings'],
          }),
    ...(capacity === undefined ? { empty: 'no capacity plan stored (run hybrid-eval capacity)' } : {}),
  };
}

const round = (value: number): string => Math.round(value).toLocaleString('en-US');

export function capacitySectionHtml(capacity: CapacityReport | undefined): string {
  if (capacity === undefined) return '';
  const rows = capacity.policies
    .map((policy) => `<tr><td>${h(policy.name)}</td><td class="num">${round(policy.gpuHoursPerMonth)}</td><td class="num">${usd(policy.gpuUsd)}</td><td class="num">${round(policy.fallbackQueriesPerMonth)}</td><td class="num">${usd(policy.fallbackUsd)}</td><td class="num">${usd(policy.monthlyUsd)}</td><td>${h(policy.detail)}</td></tr>`)
    .join('');
  return `<section id="capacity"><h2>GPU capacity (plan ${h(capacity.planId)})</h2>
<p>${h(capacity.endpoint)}: ${round(capacity.plannedMonthlyQueries)} queries/month${capacity.months > 0 ? ` (${capacity.months} months ahead)` : ''}; peak ${capacity.peak.onPremRps.toFixed(2)} on-prem req/s needs ${capacity.peak.replicas} replicas (ceil(peak / ${capacity.perReplicaRps.toFixed(2)} x ${capacity.headroom})).</p>
<table><thead><tr><th>policy</th><th>GPU-hours/month</th><th>GPUs</th><th>fallback queries</th><th>fallback</th><th>monthly</th><th>how</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

export function capacitySectionMarkdown(capacity: CapacityReport | undefined): string[] {
  if (capacity === undefined) return [];
  return [
    '',
    `## GPU capacity (plan ${capacity.planId})`,
    '',
    `${capacity.endpoint}: ${round(capacity.plannedMonthlyQueries)} queries/month; peak ${capacity.peak.onPremRps.toFixed(2)} on-prem req/s needs ${capacity.peak.replicas} replicas (${capacity.perReplicaRps.toFixed(2)} req/s a replica under the SLO, headroom x${capacity.headroom}).`,
    '',
    '| policy | GPU-hours/month | GPUs | fallback | monthly |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...capacity.policies.map((policy) => `| ${policy.name} | ${round(policy.gpuHoursPerMonth)} | ${usd(policy.gpuUsd)} | ${usd(policy.fallbackUsd)} | ${usd(policy.monthlyUsd)} |`),
  ];
}
