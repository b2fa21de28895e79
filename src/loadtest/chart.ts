import type { TopLevelSpec } from 'vega-lite';
import type { Slo } from './level-stats.ts';
import { levelLoad, type LevelStats } from './level-stats.ts';

/**
 * Latency against throughput, one point a level joined in load order: where the line turns up
 * (throughput stops growing, latency climbs) is the knee. Dashed rules are the SLO's limits.
 */
export function latencyThroughputSpec(levels: readonly LevelStats[], slo: Slo): TopLevelSpec {
  const rows = levels.flatMap((level, order) =>
    (
      [
        ['p95 TTFT', level.ttft.p95, slo.ttft_p95_ms],
        ['p95 inter-token', level.itl.p95, slo.itl_p95_ms],
        ['p95 end-to-end', level.e2e.p95, slo.e2e_p95_ms],
      ] as const
    ).flatMap(([metric, value]) =>
      value === undefined || level.requestsPerS === undefined
        ? []
        : [{ metric, order, level: `${level.spec.kind === 'concurrency' ? 'c=' : 'rate='}${levelLoad(level.spec)}`, requests_per_s: level.requestsPerS, latency_ms: value, meets_slo: level.meetsSlo }],
    ),
  );
  const limits = (
    [
      ['p95 TTFT', slo.ttft_p95_ms],
      ['p95 inter-token', slo.itl_p95_ms],
      ['p95 end-to-end', slo.e2e_p95_ms],
    ] as const
  ).flatMap(([metric, limit]) => (limit === undefined ? [] : [{ metric, limit }]));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 560,
    height: 320,
    layer: [
      {
        data: { values: rows },
        encoding: {
          x: { field: 'requests_per_s', type: 'quantitative', title: 'completed requests/s' },
          y: { field: 'latency_ms', type: 'quantitative', title: 'latency (ms)', scale: { type: 'log' } },
          color: { field: 'metric', type: 'nominal', title: null },
          order: { field: 'order' },
          tooltip: [{ field: 'level' }, { field: 'metric' }, { field: 'requests_per_s', format: '.2f' }, { field: 'latency_ms', format: '.0f' }, { field: 'meets_slo' }],
        },
        layer: [
          { mark: { type: 'line', point: false } },
          { mark: { type: 'point', filled: true, size: 70 }, encoding: { shape: { field: 'meets_slo', type: 'nominal', title: 'meets SLO' } } },
          { mark: { type: 'text', dy: -10, fontSize: 10 }, encoding: { text: { field: 'level' } } },
        ],
      },
      {
        data: { values: limits },
        mark: { type: 'rule', strokeDash: [4, 4] },
        encoding: { y: { field: 'limit', type: 'quantitative' }, color: { field: 'metric', type: 'nominal' } },
      },
    ],
  } as TopLevelSpec;
}
