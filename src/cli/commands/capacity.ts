import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { capacityJson } from '../../capacity/json-output.ts';
import { runCapacity } from '../../capacity/run-capacity.ts';
import { action, collect, integer } from '../run-action.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const usd = (value: number | undefined): string => (value === undefined ? 'unknown' : `$${Math.round(value).toLocaleString('en-US')}`);

export function registerCapacity(program: Command): void {
  program
    .command('capacity')
    .description('plan on-prem GPU replicas per hour and the monthly cost of serving policies, from the log\'s arrival profile, a routed run\'s on-prem share and a load test\'s per-replica capacity')
    .requiredOption('-c, --config <file>', 'config YAML (capacity: prices, headroom, cold start)')
    .option('--run <id>', 'routed run the on-prem share comes from (default: the latest run)')
    .option('--step <name>', "take the on-prem share from this rollout plan step's mix (over the run's tiers) instead of the run as routed")
    .option('--plan <file>', 'rollout plan for --step (default: the config\'s plan)')
    .option('--loadtest <id>', "load test giving one replica's capacity under the SLO, or latest", 'latest')
    .option('--dataset <file>', "log whose timestamps give the arrival profile (default: the run's dataset)")
    .option('--field <field=column>', 'field mapping, repeatable (e.g. timestamp=created_at)', collect, [])
    .option('--profile <kind>', 'log (from timestamps) or flat', (value: string) => {
      if (value !== 'log' && value !== 'flat') throw new InvalidArgumentError('expected log or flat');
      return value;
    })
    .option('--growth <rate>', 'monthly traffic growth, e.g. 0.2 for +20% a month', Number, 0)
    .option('--months <n>', 'plan for the month this many months ahead', integer('--months'), 0)
    .option('--db <path>', 'database file (overrides database)')
    .option('--json', 'print the plan as JSON', false)
    .action(
      action(async (flags: CapacityFlags) => {
        const result = await runCapacity({ ...flags, fields: flags.field });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(capacityJson(result), null, 2)}\n`);
          return 0;
        }
        const { plan, settings } = result;
        const lines = [
          `capacity plan ${result.planId} for ${result.endpoint}: ${Math.round(result.plannedMonthlyQueries).toLocaleString('en-US')} queries/month${result.months > 0 ? ` (month +${result.months} at ${(result.growth * 100).toFixed(0)}%/month)` : ''}, ${(result.onPremShare * 100).toFixed(1)}% on-prem (${result.onPremShareSource})`,
          `arrival profile: ${result.profile.detail}`,
          `one replica: ${settings.perReplicaRps.toFixed(2)} req/s under the SLO (load test ${result.loadtestId}); headroom x${settings.headroom}; ${settings.gpusPerReplica} GPUs a replica`,
          `peak: ${DAYS[plan.peak.dayOfWeek]} ${String(plan.peak.hour).padStart(2, '0')}:00 UTC, ${plan.peak.onPremRps.toFixed(2)} on-prem req/s -> ${plan.peak.replicas} replica${plan.peak.replicas === 1 ? '' : 's'}`,
          'replicas needed by hour of day (max over the week):',
          `  ${Array.from({ length: 24 }, (_, hour) => `${String(hour).padStart(2, '0')}h:${Math.max(...plan.hours.filter((row) => row.hour === hour).map((row) => row.replicas))}`).join(' ')}`,
          'policies (per month):',
          ...plan.policies.map((policy) => `  ${policy.name.padEnd(20)} ${Math.round(policy.gpuHoursPerMonth).toLocaleString('en-US').padStart(8)} GPU-h  ${usd(policy.monthlyUsd).padStart(10)}  (GPUs ${usd(policy.gpuUsd)}, fallback ${Math.round(policy.fallbackQueriesPerMonth).toLocaleString('en-US')} queries ${usd(policy.fallbackUsd)}; ${policy.detail})`),
          `database: ${result.database}`,
          `chart: ${result.chart}`,
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
        return 0;
      }),
    );
}

interface CapacityFlags {
  config: string;
  run?: string;
  loadtest: string;
  step?: string;
  plan?: string;
  dataset?: string;
  field: string[];
  profile?: 'log' | 'flat';
  growth: number;
  months: number;
  db?: string;
  json: boolean;
}
