import type { Config } from '../config/schema.ts';
import type { GateStore } from './metrics.ts';

export interface OnPremCostSource {
  /** The config with each planned on-prem endpoint's fixed_monthly_usd replaced by its plan's cost. */
  config: Config;
  /** One line per fixed-cost endpoint: which figure the projection used, and from where. */
  notes: string[];
}

interface PlanCostRow {
  plan_id: string;
  loadtest_id: string;
  monthly_usd: number | null;
  planned_monthly_queries: number;
  months: number;
}

/**
 * Where the on-prem fixed cost comes from: the newest stored capacity plan of the endpoint (its
 * configured policy's monthly GPU + fallback cost), else the typed `fixed_monthly_usd`. Either way
 * a note says which was used. A plan for this month (months = 0) wins over a newer one for a later month:
 * the projection prices this month's volume.
 */
export async function onPremCostSource(store: GateStore, config: Config): Promise<OnPremCostSource> {
  const policy = config.capacity?.policy ?? 'autoscale_hourly';
  const endpoints = { ...config.endpoints };
  const notes: string[] = [];
  for (const [name, endpoint] of Object.entries(config.endpoints)) {
    const pricing = endpoint.pricing;
    if (!('fixed_monthly_usd' in pricing)) continue;
    const typed = `$${pricing.fixed_monthly_usd.toLocaleString('en-US')}`;
    const [plan] = await store.all<PlanCostRow>(
      `SELECT p.plan_id, p.loadtest_id, c.monthly_usd, p.planned_monthly_queries, p.months
       FROM capacity_plans p JOIN capacity_policies c USING (plan_id)
       WHERE p.endpoint = ? AND c.name = ? ORDER BY p.months = 0 DESC, p.created_at DESC LIMIT 1`,
      [name, policy],
    );
    if (plan === undefined) {
      notes.push(`on-prem cost of ${name}: the typed fixed_monthly_usd ${typed}/month (no capacity plan stored; run hybrid-eval capacity)`);
      continue;
    }
    if (plan.monthly_usd === null) {
      notes.push(`on-prem cost of ${name}: the typed fixed_monthly_usd ${typed}/month (capacity plan ${plan.plan_id}'s ${policy} cost is unknown: its fallback has no known price)`);
      continue;
    }
    const monthly = Number(plan.monthly_usd);
    endpoints[name] = { ...endpoint, pricing: { ...pricing, fixed_monthly_usd: monthly } };
    notes.push(
      `on-prem cost of ${name}: $${Math.round(monthly).toLocaleString('en-US')}/month from capacity plan ${plan.plan_id} (policy ${policy}, load test ${plan.loadtest_id}, ` +
        `${Math.round(Number(plan.planned_monthly_queries)).toLocaleString('en-US')} queries/month${Number(plan.months) > 0 ? ` ${plan.months} months ahead` : ''}) instead of the typed fixed_monthly_usd ${typed}`,
    );
  }
  return { config: { ...config, endpoints }, notes };
}
