import type { TopLevelSpec } from 'vega-lite';
import { TIERS } from '../core/tier.ts';
import type { GateOutcome } from '../gate/run-gate.ts';
import type { ReportData } from './collect.ts';
import { costRows } from './sections.ts';
import { cascadeCharts } from './cascade-section.ts';
import { capacityChart } from './capacity-report.ts';

export interface Chart {
  id: string;
  title: string;
  caption: string;
  /** undefined: nothing to draw; `empty` says why. */
  spec: TopLevelSpec | undefined;
  empty?: string;
}

const WIDTH = 560;
const SIDES = { domain: ['candidate', 'baseline'], range: ['#d9480f', '#1c7ed6'] };

/** The report's Vega-Lite charts. Data goes in as values: the page never fetches anything. */
export function buildCharts(outcome: GateOutcome, data: ReportData): Chart[] {
  return [qualityChart(outcome), scoresChart(data), costChart(outcome), latencyChart(data), routerChart(outcome), agreementChart(outcome), ...(data.capacity === undefined ? [] : [capacityChart(data.capacity)]), ...cascadeCharts(data.cascade ?? [])];
}

function qualityChart(outcome: GateOutcome): Chart {
  const rows = outcome.metrics.byTier.flatMap((tier) =>
    (['candidate', 'baseline'] as const).flatMap((side) => {
      const interval = tier[side];
      return interval.mean === undefined ? [] : [{ tier: tier.tier, side, mean: interval.mean, lower: interval.lower ?? interval.mean, upper: interval.upper ?? interval.mean, n: interval.n }];
    }),
  );
  const bar = outcome.checks.find((check) => check.metric === 'candidate_quality')?.threshold.match(/>= ([\d.]+)/)?.[1];
  // Zoom to the data (whole half-points), keeping 5 and the bar in view: a 1-5 axis hides the intervals.
  const lowest = Math.min(...rows.map((row) => row.lower), bar === undefined ? 5 : Number(bar));
  const from = Math.max(1, Math.floor((lowest - 0.1) * 2) / 2);
  const layers: unknown[] = [
    { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: { field: 'lower', type: 'quantitative' }, x2: { field: 'upper' } } },
    { mark: { type: 'point', filled: true, size: 80 }, encoding: { x: { field: 'mean', type: 'quantitative' } } },
  ];
  return {
    id: 'chart-quality',
    title: 'Quality by tier',
    caption: `Mean judge score per tier with its 95% BCa bootstrap interval, candidate (served) vs baseline${bar === undefined ? '' : `; the dashed line is the bar (${bar})`}.`,
    spec:
      rows.length === 0
        ? undefined
        : ({
            $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
            width: WIDTH,
            height: { step: 26 },
            layer: [
              {
                data: { values: rows },
                encoding: {
                  y: { field: 'tier', type: 'nominal', sort: [...TIERS], title: null },
                  yOffset: { field: 'side', sort: SIDES.domain },
                  color: { field: 'side', type: 'nominal', scale: SIDES, title: null },
                  tooltip: [{ field: 'tier' }, { field: 'side' }, { field: 'mean', format: '.2f' }, { field: 'lower', format: '.2f' }, { field: 'upper', format: '.2f' }, { field: 'n' }],
                },
                layer: layers,
              },
              ...(bar === undefined ? [] : [{ data: { values: [{ bar: Number(bar) }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#555' }, encoding: { x: { field: 'bar', type: 'quantitative' } } }]),
            ],
            resolve: { scale: { x: 'shared' } },
            encoding: { x: { type: 'quantitative', scale: { domain: [from, 5] }, title: 'judge score (1-5)' } },
          } as TopLevelSpec),
    empty: 'no scored answers',
  };
}

function scoresChart(data: ReportData): Chart {
  return {
    id: 'chart-scores',
    title: 'Score distributions',
    caption: 'How many answers got each judge score, candidate (served) vs baseline, over the whole run.',
    spec:
      data.scoreCounts.length === 0
        ? undefined
        : ({
            $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
            width: WIDTH,
            height: 220,
            data: { values: data.scoreCounts },
            mark: 'bar',
            encoding: {
              x: { field: 'score', type: 'ordinal', title: 'judge score', scale: { domain: [1, 2, 3, 4, 5] }, axis: { labelAngle: 0 } },
              xOffset: { field: 'side', sort: SIDES.domain },
              y: { field: 'n', type: 'quantitative', title: 'answers' },
              color: { field: 'side', type: 'nominal', scale: SIDES, title: null },
              tooltip: [{ field: 'side' }, { field: 'score' }, { field: 'n' }],
            },
          } as TopLevelSpec),
    empty: 'no scored answers',
  };
}

function costChart(outcome: GateOutcome): Chart {
  const rows = costRows(outcome);
  const components = [
    ['API calls', 'apiUsd'],
    ['on-prem marginal', 'onPremMarginalUsd'],
    ['on-prem fixed', 'onPremFixedUsd'],
    ['fallback', 'fallbackUsd'],
    ['shadow calls', 'shadowUsd'],
  ] as const;
  const values = rows.flatMap((row, index) =>
    components.flatMap(([component, key]) => {
      const usd = row.components?.[key];
      return usd === undefined || usd === 0 ? [] : [{ mix: row.label, order: index, component, usd: Math.round(usd) }];
    }),
  );
  const baseline = outcome.costModel.allBaseline.monthlyUsd;
  return {
    id: 'chart-cost',
    title: 'Monthly cost by rollout step',
    caption: `${outcome.costModel.volume.detail}. Stacked by what is paid for; the dashed line is today's all-baseline bill.`,
    spec:
      values.length === 0
        ? undefined
        : ({
            $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
            width: WIDTH,
            height: 260,
            layer: [
              {
                data: { values },
                mark: 'bar',
                encoding: {
                  x: { field: 'mix', type: 'nominal', sort: rows.map((row) => row.label), title: null, axis: { labelAngle: 0 } },
                  y: { field: 'usd', type: 'quantitative', aggregate: 'sum', title: 'USD per month', axis: { format: '$,.0f' } },
                  color: { field: 'component', type: 'nominal', title: null, sort: components.map(([name]) => name) },
                  tooltip: [{ field: 'mix' }, { field: 'component' }, { field: 'usd', aggregate: 'sum', format: '$,.0f' }],
                },
              },
              ...(baseline === undefined ? [] : [{ data: { values: [{ usd: Math.round(baseline) }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#555' }, encoding: { y: { field: 'usd', type: 'quantitative' } } }]),
            ],
          } as TopLevelSpec),
    empty: outcome.costModel.volume.monthlyQueries === undefined ? 'monthly volume unknown' : 'no cost figures',
  };
}

function latencyChart(data: ReportData): Chart {
  const positive = data.latencies.length > 0 && data.latencies.every((row) => row.ms > 0);
  return {
    id: 'chart-latency',
    title: 'Latency distribution',
    caption: 'Successful calls per endpoint and role: box = quartiles, whiskers = min and max' + (positive ? ' (log scale).' : '.'),
    spec:
      data.latencies.length === 0
        ? undefined
        : ({
            $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
            width: WIDTH,
            height: { step: 30 },
            data: { values: data.latencies },
            mark: { type: 'boxplot', extent: 'min-max' },
            encoding: {
              y: { field: 'series', type: 'nominal', title: null },
              x: { field: 'ms', type: 'quantitative', title: 'latency (ms)', scale: positive ? { type: 'log' } : { zero: true } },
              color: { field: 'series', type: 'nominal', legend: null },
            },
          } as TopLevelSpec),
    empty: 'no successful calls with a latency',
  };
}

function heatmap(values: unknown[], x: { field: string; title: string; domain: unknown[] }, y: { field: string; title: string; domain: unknown[] }): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 260,
    height: 260,
    data: { values },
    encoding: {
      x: { field: x.field, type: 'ordinal', title: x.title, scale: { domain: x.domain }, axis: { labelAngle: 0 } },
      y: { field: y.field, type: 'ordinal', title: y.title, scale: { domain: y.domain } },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'n', type: 'quantitative', title: 'queries', scale: { scheme: 'blues' } } } },
      {
        mark: { type: 'text', fontSize: 13 },
        encoding: {
          text: { field: 'n', type: 'quantitative' },
          color: { condition: { test: `datum.n > ${Math.max(0, ...values.map((value) => (value as { n: number }).n)) / 2}`, value: '#fff' }, value: '#111' },
        },
      },
    ],
  } as TopLevelSpec;
}

function routerChart(outcome: GateOutcome): Chart {
  const router = outcome.metrics.router;
  const values = router?.confusion ?? [];
  return {
    id: 'chart-router',
    title: 'Router confusion matrix',
    caption: router === undefined ? '' : `Human label (rows) against routed tier (columns), ${router.labelled} labelled queries; policy ${router.policy}${router.policy === 'oracle' ? ' (routes by the labels, so the matrix is diagonal by construction)' : ''}.`,
    spec: values.length === 0 ? undefined : heatmap(values, { field: 'tier', title: 'routed tier', domain: [...TIERS] }, { field: 'label', title: 'human label', domain: [...TIERS] }),
    empty: 'no labelled queries',
  };
}

function agreementChart(outcome: GateOutcome): Chart {
  const human = outcome.metrics.humanAgreement;
  const present = human !== undefined && !('absent' in human) && human.matrix.length > 0;
  return {
    id: 'chart-agreement',
    title: 'Judge vs human',
    caption: present ? `Human score (rows) against the judge's score (columns) on ${human.agreement.n} rated answers.` : '',
    spec: present ? heatmap(human.matrix, { field: 'judge', title: 'judge score', domain: [1, 2, 3, 4, 5] }, { field: 'human', title: 'human score', domain: [5, 4, 3, 2, 1] }) : undefined,
    empty: human === undefined ? 'human ratings not read' : 'absent' in human ? human.absent : 'no rated answer the judge scored',
  };
}
