import { renderChart } from '../report/svg-chart.ts';

type Row = Record<string, unknown>;

const SIDES = { domain: ['served', 'baseline'], range: ['#d9480f', '#1c7ed6'] };

/** A run's charts, drawn on the server as SVG: the pages run no script. */
export async function runCharts(tiers: Row[], scoreCounts: Row[]): Promise<Array<{ title: string; svg: string }>> {
  const means = tiers.flatMap((tier) =>
    (['served', 'baseline'] as const).flatMap((side) => {
      const mean = tier[side === 'served' ? 'served_mean' : 'baseline_mean'];
      return typeof mean === 'number' ? [{ tier: tier['tier'] ?? 'unrouted', side, mean }] : [];
    }),
  );
  const charts: Array<{ title: string; svg: string }> = [];
  if (means.length > 0) {
    const chart = await renderChart(
      {
        title: 'Mean judge score by tier',
        width: 300,
        height: 180,
        mark: 'bar',
        encoding: {
          x: { field: 'tier', type: 'nominal', sort: ['simple', 'medium', 'complex'], axis: { labelAngle: 0 }, title: null },
          xOffset: { field: 'side', sort: SIDES.domain },
          y: { field: 'mean', type: 'quantitative', scale: { domain: [0, 5] }, title: 'mean judge score (1-5)' },
          color: { field: 'side', type: 'nominal', scale: SIDES, title: null },
        },
      },
      ['tier', 'side', 'mean'],
      means.map((row) => [row.tier, row.side, row.mean]),
    );
    charts.push({ title: chart.title, svg: chart.svg });
  }
  if (scoreCounts.length > 0) {
    const chart = await renderChart(
      {
        title: 'How many answers got each score',
        width: 360,
        height: 180,
        mark: 'bar',
        encoding: {
          x: { field: 'score', type: 'ordinal', scale: { domain: [1, 2, 3, 4, 5] }, axis: { labelAngle: 0 }, title: 'judge score' },
          xOffset: { field: 'side', sort: SIDES.domain },
          y: { field: 'answers', type: 'quantitative', title: 'answers' },
          color: { field: 'side', type: 'nominal', scale: SIDES, title: null },
        },
      },
      ['side', 'score', 'answers'],
      scoreCounts.map((row) => [row['side'], row['score'], row['answers']]),
    );
    charts.push({ title: chart.title, svg: chart.svg });
  }
  return charts;
}
