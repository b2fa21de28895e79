import { describeBaselineCoverage, type CostProjection } from './cost.ts';
import type { Check } from './decide.ts';
import type { Thresholds } from './plan.ts';

const usd = (value: number): string => `$${Math.round(value).toLocaleString('en-US')}`;

/** The step's bill over today's all-baseline bill; undefined when either is unknown. */
export function costRatio(cost: Pick<CostProjection, 'routedMonthlyUsd' | 'baselineMonthlyUsd'>): number | undefined {
  const { routedMonthlyUsd: step, baselineMonthlyUsd: today } = cost;
  return step === undefined || today === undefined || today <= 0 ? undefined : step / today;
}

/** "+7.2% vs today's all-baseline $64,177" (a step that costs more than today says so in its own line). */
export function versusToday(cost: Pick<CostProjection, 'routedMonthlyUsd' | 'baselineMonthlyUsd'>): string {
  const ratio = costRatio(cost);
  if (ratio === undefined) return "change vs today's all-baseline bill unknown";
  const change = (ratio - 1) * 100;
  return `${change >= 0 ? '+' : ''}${change.toFixed(1)}% vs today's all-baseline ${usd(cost.baselineMonthlyUsd!)}${ratio > 1 ? ': costs MORE than today' : ''}`;
}

/** max_cost_vs_baseline: fails a step whose bill is more than this times today's all-baseline bill. */
export function costVersusBaselineCheck(cost: CostProjection, thresholds: Thresholds): Check[] {
  const bar = thresholds.max_cost_vs_baseline;
  if (bar === undefined) return [];
  const ratio = costRatio(cost);
  return [
    {
      metric: 'cost_vs_baseline',
      outcome: ratio === undefined ? 'hold' : ratio <= bar ? 'pass' : 'fail',
      value: ratio,
      interval: undefined,
      threshold: `<= ${bar.toFixed(2)} x today's all-baseline bill`,
      n: cost.costCoverage.known,
      detail:
        ratio === undefined
          ? `step or all-baseline bill unknown (${cost.monthlyQueries === undefined ? 'no monthly volume' : 'no costed calls to price it'})`
          : `${usd(cost.routedMonthlyUsd!)} is ${ratio.toFixed(2)} x the all-baseline ${usd(cost.baselineMonthlyUsd!)} (${versusToday(cost)}); all-baseline: ${describeBaselineCoverage(cost.baselineCoverage)}`,
    },
  ];
}
