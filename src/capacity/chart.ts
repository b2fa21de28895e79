import type { TopLevelSpec } from 'vega-lite';
import type { CapacityResult } from './run-capacity.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** On-prem load each hour of the week against what the replicas serve under the SLO. */
export function loadVsCapacitySpec(result: Pick<CapacityResult, 'plan' | 'settings'>): TopLevelSpec {
  const { plan, settings } = result;
  const alwaysOn = Math.max(settings.minReplicas, plan.peak.replicas);
  const rows = plan.hours.flatMap((row, index) => {
    const label = `${DAYS[row.dayOfWeek]} ${String(row.hour).padStart(2, '0')}:00`;
    const autoscaled = Math.max(settings.minReplicas, row.replicas);
    return [
      { hour_of_week: index, label, series: 'on-prem load', rps: row.onPremRps, replicas: row.replicas },
      { hour_of_week: index, label, series: 'autoscaled capacity', rps: autoscaled * settings.perReplicaRps, replicas: autoscaled },
      { hour_of_week: index, label, series: 'always-on capacity', rps: alwaysOn * settings.perReplicaRps, replicas: alwaysOn },
    ];
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 720,
    height: 280,
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'hour_of_week', type: 'quantitative', title: 'hour of the week (UTC, Sunday 00:00 = 0)', scale: { domain: [0, 168] }, axis: { values: [0, 24, 48, 72, 96, 120, 144, 168] } },
      y: { field: 'rps', type: 'quantitative', title: 'requests/s' },
      color: { field: 'series', type: 'nominal', title: null },
      tooltip: [{ field: 'label', title: 'hour' }, { field: 'series' }, { field: 'rps', format: '.2f' }, { field: 'replicas' }],
    },
  } as TopLevelSpec;
}
