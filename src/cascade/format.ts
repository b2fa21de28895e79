import type { CascadeEvaluation, CurveRow } from './evaluate.ts';

const num = (value: number | undefined, digits = 2): string => (value === undefined ? 'unknown' : value.toFixed(digits));
const pct = (value: number | undefined): string => (value === undefined ? 'unknown' : `${(value * 100).toFixed(1)}%`);
const usd = (value: number | undefined, digits = 5): string => (value === undefined ? 'unknown' : `$${value.toFixed(digits)}`);
const monthly = (value: number | undefined): string => (value === undefined ? 'unknown' : `$${Math.round(value).toLocaleString('en-US')}`);
const ms = (value: number | undefined): string => (value === undefined ? 'unknown' : `${Math.round(value)} ms`);

/** One line per point: quality [CI], cost per query and per month, escalation, latency. */
export function pointLine(label: string, row: CurveRow): string {
  return `${label.padEnd(14)} quality ${num(row.qualityMean)} [${num(row.qualityCiLow)}, ${num(row.qualityCiHigh)}] n=${row.nScored}  cost ${usd(row.costPerQueryUsd)}/query ${monthly(row.monthlyCostUsd)}/month  ${row.escalationRate === undefined ? '' : `escalated ${pct(row.escalationRate)}  `}p50 ${ms(row.latencyP50Ms)} p95 ${ms(row.latencyP95Ms)}`;
}

/** The printed curve: every threshold, the two references, the validator's power and the choice. */
export function formatCascade(evaluation: CascadeEvaluation): string {
  const lines = [
    `run ${evaluation.runId}: cascade with validator ${evaluation.validatorName}, escalating to ${evaluation.escalateTo} (the shadow run's baseline answers); ${evaluation.volumeDetail}`,
    `plan file: ${evaluation.planFile} (${evaluation.planFrom})`,
    `validator: AUROC ${num(evaluation.auroc, 3)} for telling acceptable answers (judge score >= 4) from bad ones, on n=${evaluation.n} (${evaluation.nBad} bad)`,
    '',
    'threshold  quality [95% CI]        cost/query   per month*  escalated  p50      p95      bad caught (precision / recall)',
  ];
  for (const row of evaluation.thresholds) {
    lines.push(
      `${num(row.threshold).padEnd(10)} ${`${num(row.qualityMean)} [${num(row.qualityCiLow)}, ${num(row.qualityCiHigh)}]`.padEnd(23)} ${usd(row.costPerQueryUsd).padEnd(12)} ${monthly(row.monthlyCostUsd).padEnd(11)} ${pct(row.escalationRate).padEnd(10)} ${ms(row.latencyP50Ms).padEnd(8)} ${ms(row.latencyP95Ms).padEnd(8)} ${row.badCaught ?? 0} of ${(row.badCaught ?? 0) + (row.badPassed ?? 0)} (${pct(row.badPrecision)} / ${pct(row.badRecall)})`,
    );
  }
  lines.push('* variable cost (calls) at the monthly volume; the on-prem fixed cost is in the gate\'s cost projection', '', pointLine('routing alone', evaluation.routingOnly), pointLine('all baseline', evaluation.allBaseline));
  const bar = evaluation.qualityBar === undefined ? undefined : `${evaluation.qualityStatistic === 'mean' ? 'mean' : '95% lower bound'} >= ${evaluation.qualityBar} (step "${evaluation.step}")`;
  if (bar === undefined) lines.push(`chosen: none (step "${evaluation.step}" sets no min_quality to clear)`);
  else if (evaluation.chosen === undefined) lines.push(`chosen: none: no threshold's quality clears ${bar}`);
  else lines.push(pointLine(`chosen t=${num(evaluation.chosen.threshold)}`, evaluation.chosen), `  the cheapest threshold whose quality clears ${bar}`);
  lines.push(`stored: cascade_curves and cascade_summaries in ${evaluation.database} (recompute with the query in src/cascade/README.md)`);
  return `${lines.join('\n')}\n`;
}
