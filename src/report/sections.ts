import type { CostComponents } from '../gate/cost.ts';
import type { GateOutcome } from '../gate/run-gate.ts';

/** The decision's reasons, worst first: every failed check, then every held one; a go says so. */
export function reasonsOf(outcome: GateOutcome): string[] {
  const line = (check: GateOutcome['checks'][number]): string => `${check.outcome === 'fail' ? 'FAIL' : 'HOLD'} ${check.metric}: ${check.detail} (threshold ${check.threshold})`;
  const failed = outcome.checks.filter((check) => check.outcome === 'fail').map(line);
  const held = outcome.checks.filter((check) => check.outcome === 'hold').map(line);
  if (failed.length + held.length > 0) return [...failed, ...held];
  const passed = outcome.checks.filter((check) => check.outcome === 'pass').length;
  return [`every check passed (${passed} checks${outcome.checks.some((check) => check.outcome === 'skip') ? '; checks without evidence are listed as n/a' : ''})`];
}

export interface CostRow {
  label: string;
  monthlyUsd: number | undefined;
  perQueryUsd: number | undefined;
  reduction: number | undefined;
  components: CostComponents | undefined;
}

/** Every step, the target mix and all-baseline, for the cost table and chart. */
export function costRows(outcome: GateOutcome): CostRow[] {
  const model = outcome.costModel;
  const rows: CostRow[] = model.steps.map((step) => ({
    label: `step ${step.label ?? ''}`,
    monthlyUsd: step.routedMonthlyUsd,
    perQueryUsd: step.variablePerQueryUsd,
    reduction: step.reduction,
    components: step.components,
  }));
  if (model.target !== undefined) {
    rows.push({ label: 'target mix', monthlyUsd: model.target.routedMonthlyUsd, perQueryUsd: model.target.variablePerQueryUsd, reduction: model.target.reduction, components: model.target.components });
  }
  rows.push({
    label: 'all baseline (today)',
    monthlyUsd: model.allBaseline.monthlyUsd,
    perQueryUsd: model.allBaseline.perQueryUsd,
    reduction: 0,
    components: { apiUsd: model.allBaseline.monthlyUsd, onPremMarginalUsd: 0, onPremFixedUsd: 0, fallbackUsd: 0, shadowUsd: 0 },
  });
  return rows;
}
