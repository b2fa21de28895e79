import type { TopLevelSpec } from 'vega-lite';
import { CURVE_SQL } from '../cascade/curve-sql.ts';
import type { GateStore } from '../gate/metrics.ts';
import type { Chart } from './charts.ts';

/** One validator's curve as the report draws it (computed by the stored-curve query, read-only). */
export interface CascadeCurve {
  validator: string;
  points: Array<{ kind: string; threshold: number | undefined; quality: number | undefined; low: number | undefined; high: number | undefined; costPerQuery: number | undefined; escalationRate: number | undefined; p95: number | undefined; tpr: number | undefined; fpr: number | undefined }>;
}

const num = (value: unknown): number | undefined => (value === null || value === undefined ? undefined : Number(value));
const share = (part: unknown, rest: unknown): number | undefined => {
  const a = num(part) ?? 0;
  const total = a + (num(rest) ?? 0);
  return total === 0 ? undefined : a / total;
};

/** Every validator of the run (the configured one, a planted one...): the curve by the query of src/cascade/README.md. */
export async function collectCascade(store: GateStore, runId: string): Promise<CascadeCurve[]> {
  let names: string[];
  try {
    names = (await store.all<{ name: string }>('SELECT DISTINCT validator_name AS name FROM validations WHERE run_id = ? ORDER BY name', [runId])).map((row) => row.name);
  } catch {
    // A database from before migration 14 (opened read-only, not upgraded) has no validations table.
    return [];
  }
  const curves: CascadeCurve[] = [];
  for (const validator of names) {
    const rows = await store.all<Record<string, unknown>>(CURVE_SQL, [runId, validator, null]);
    curves.push({
      validator,
      points: rows.map((row) => ({
        kind: String(row.kind),
        threshold: num(row.threshold),
        quality: num(row.quality_mean),
        low: num(row.quality_ci_low),
        high: num(row.quality_ci_high),
        costPerQuery: num(row.cost_per_query_usd),
        escalationRate: num(row.escalation_rate),
        p95: num(row.latency_p95_ms),
        // ROC of catching bad answers (judge score < 4): escalated bad / bad, escalated good / good.
        tpr: share(row.bad_caught, row.bad_passed),
        fpr: share(row.good_escalated, row.good_passed),
      })),
    });
  }
  return curves;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The cost-quality curve (routing alone, routing plus cascade per validator, all baseline) and the validators' ROC. */
export function cascadeCharts(curves: readonly CascadeCurve[]): Chart[] {
  if (curves.length === 0) return [];
  const references = curves[0]!.points.filter((point) => point.kind !== 'threshold' && point.quality !== undefined && point.costPerQuery !== undefined);
  const curveRows = curves.flatMap((curve) =>
    curve.points
      .filter((point) => point.kind === 'threshold' && point.quality !== undefined && point.costPerQuery !== undefined)
      .map((point) => ({ series: `routing + cascade (${curve.validator})`, threshold: point.threshold, cost: point.costPerQuery, quality: point.quality, low: point.low ?? point.quality, high: point.high ?? point.quality, escalated: point.escalationRate, p95: point.p95 })),
  );
  const referenceRows = references.map((point) => ({ series: point.kind === 'routing_only' ? 'routing alone' : 'all baseline (GPT-4)', cost: point.costPerQuery, quality: point.quality, low: point.low ?? point.quality, high: point.high ?? point.quality, p95: point.p95 }));
  const rocRows = curves.flatMap((curve) => curve.points.filter((point) => point.kind === 'threshold' && point.tpr !== undefined && point.fpr !== undefined).map((point) => ({ validator: curve.validator, threshold: point.threshold, tpr: point.tpr, fpr: point.fpr })));
  const tooltip = [{ field: 'series' }, { field: 'threshold' }, { field: 'quality', format: '.2f' }, { field: 'cost', format: '$.5f' }, { field: 'escalated', format: '.1%' }, { field: 'p95', format: '.0f' }];
  const curveSpec = {
    $schema: SCHEMA,
    width: 560,
    height: 300,
    layer: [
      { data: { values: curveRows }, mark: { type: 'line', point: true }, encoding: { x: { field: 'cost', type: 'quantitative', scale: { type: 'log' }, title: 'cost per query (USD, log scale)' }, y: { field: 'quality', type: 'quantitative', scale: { zero: false }, title: 'judge score of the served answer' }, color: { field: 'series', type: 'nominal', title: null }, order: { field: 'threshold' }, tooltip } },
      { data: { values: curveRows }, mark: { type: 'rule', opacity: 0.4 }, encoding: { x: { field: 'cost', type: 'quantitative' }, y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color: { field: 'series', type: 'nominal' } } },
      { data: { values: referenceRows }, mark: { type: 'point', shape: 'diamond', size: 140, filled: true }, encoding: { x: { field: 'cost', type: 'quantitative' }, y: { field: 'quality', type: 'quantitative' }, color: { field: 'series', type: 'nominal' }, tooltip: [{ field: 'series' }, { field: 'quality', format: '.2f' }, { field: 'cost', format: '$.5f' }, { field: 'p95', format: '.0f' }] } },
    ],
  } as TopLevelSpec;
  const rocSpec = {
    $schema: SCHEMA,
    width: 360,
    height: 360,
    layer: [
      { data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, mark: { type: 'line', strokeDash: [4, 4], color: '#999' }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
      { data: { values: rocRows }, mark: { type: 'line', point: true }, encoding: { x: { field: 'fpr', type: 'quantitative', scale: { domain: [0, 1] }, title: 'acceptable answers escalated (false positive rate)' }, y: { field: 'tpr', type: 'quantitative', scale: { domain: [0, 1] }, title: 'bad answers caught (recall)' }, color: { field: 'validator', type: 'nominal' }, order: { field: 'threshold', sort: 'descending' }, tooltip: [{ field: 'validator' }, { field: 'threshold' }, { field: 'tpr', format: '.2f' }, { field: 'fpr', format: '.2f' }] } },
    ],
  } as TopLevelSpec;
  return [
    {
      id: 'chart-cascade-curve',
      title: 'Cascade: cost and quality per threshold',
      caption: 'Each point is one threshold of the validator cascade (serve the candidate when P(acceptable) >= t, else the baseline answer): judge score of what would be served, with its 95% interval, against the variable cost per query. Diamonds: routing alone and all baseline.',
      spec: curveRows.length === 0 ? undefined : curveSpec,
      empty: 'no threshold has both a quality and a cost',
    },
    {
      id: 'chart-cascade-roc',
      title: 'Validator ROC',
      caption: 'Bad answers (judge score < 4) the validator escalates against acceptable answers it escalates, one point per threshold; the dashed line is a coin.',
      spec: rocRows.length === 0 ? undefined : rocSpec,
      empty: 'the judge scored no bad, or no acceptable, validated answer',
    },
  ];
}

/** The Markdown report's cascade table: per validator, routing alone, the thresholds, all baseline. */
export function cascadeMarkdown(curves: readonly CascadeCurve[]): string[] {
  if (curves.length === 0) return [];
  const fmt = (value: number | undefined, digits = 2): string => (value === undefined ? 'unknown' : value.toFixed(digits));
  const lines = ['## Validator cascade', '', 'Judge score of what the cascade would serve at each threshold (95% normal interval), variable cost per query, escalation rate, served p95 latency; recomputable with the query in src/cascade/README.md.', ''];
  for (const curve of curves) {
    lines.push(`### ${curve.validator}`, '', '| point | quality [95% CI] | cost / query | escalated | p95 ms | bad caught (recall) |', '| --- | --- | --- | --- | --- | --- |');
    for (const point of curve.points) {
      const label = point.kind === 'threshold' ? `t = ${fmt(point.threshold)}` : point.kind === 'routing_only' ? 'routing alone' : 'all baseline';
      lines.push(`| ${label} | ${fmt(point.quality)} [${fmt(point.low)}, ${fmt(point.high)}] | ${point.costPerQuery === undefined ? 'unknown' : `$${point.costPerQuery.toFixed(5)}`} | ${point.escalationRate === undefined ? '' : `${(point.escalationRate * 100).toFixed(1)}%`} | ${fmt(point.p95, 0)} | ${point.tpr === undefined ? '' : `${(point.tpr * 100).toFixed(1)}%`} |`);
    }
    lines.push('');
  }
  return lines;
}
