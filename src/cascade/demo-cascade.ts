import type { Config } from '../config/schema.ts';
import { loadRunData } from '../gate/metrics.ts';
import type { CascadeStep } from '../gate/cascade-step.ts';
import { loadPlan, type GateStep } from '../gate/plan.ts';
import { gateRun } from '../gate/run-gate.ts';
import { openStore } from '../store/store.ts';
import { evaluateCascade } from './evaluate.ts';
import { pointLine } from './format.ts';
import { validateStoredRun } from './validate-run.ts';

const PLANTED = 'planted-bad-validator';

/** A plan step that serves through the cascade. */
type StepWithCascade = GateStep & { cascade: CascadeStep };

/**
 * The demo's cascade part: routing alone vs routing plus the cascade at the chosen threshold, then
 * the plan's cascade step gated with the configured validator and with a planted bad one (a sim
 * validator of skill 0, run over the stored answers), which must not pass.
 */
export async function demoCascade(database: string, config: Config, runId: string, out: NodeJS.WritableStream): Promise<void> {
  if (config.cascade === undefined) return;
  const evaluation = await evaluateCascade({ runId, db: database });
  const plan = loadPlan(config.plan);
  const step = plan.steps.find((candidate): candidate is StepWithCascade => candidate.cascade !== undefined);
  out.write(`\ncascade (${evaluation.validatorName}, escalating to ${evaluation.escalateTo}; validator AUROC ${evaluation.auroc?.toFixed(3) ?? 'unknown'} on n=${evaluation.n}):\n`);
  out.write(`  ${pointLine('routing alone', evaluation.routingOnly)}\n`);
  if (evaluation.chosen !== undefined) out.write(`  ${pointLine(`+ cascade t=${evaluation.chosen.threshold?.toFixed(2)}`, evaluation.chosen)}  (the cheapest that clears step "${evaluation.step}")\n`);
  else {
    // No threshold clears the bar (the demo's few hundred queries leave wide intervals): the
    // comparison is still shown, at the threshold the plan's cascade step serves with.
    const stepPoint = step === undefined ? undefined : evaluation.thresholds.find((row) => row.threshold === step.cascade.threshold);
    if (step === undefined || stepPoint === undefined) out.write(`  + cascade: no threshold clears the bar of step "${evaluation.step}"\n`);
    else {
      const bar = evaluation.qualityBar === undefined ? undefined : `${evaluation.qualityStatistic === 'mean' ? 'mean' : '95% lower bound'} >= ${evaluation.qualityBar}`;
      const whose = bar === undefined ? `the threshold of step "${step.name}"; step "${evaluation.step}" sets no quality bar` : `the threshold of step "${step.name}": none clears step "${evaluation.step}"'s quality bar, ${bar}`;
      out.write(`  ${pointLine(`+ cascade t=${step.cascade.threshold.toFixed(2)}`, stepPoint)}  (${whose})\n`);
    }
  }
  out.write(`  ${pointLine('all baseline', evaluation.allBaseline)}\n`);

  if (step === undefined) return;
  const planted = await validateStoredRun({ runId, db: database, sim: true, simSkill: 0, name: PLANTED });
  out.write(`\nstep "${step.name}" at t=${step.cascade.threshold}, gated on what the cascade would serve:\n`);
  const store = await openStore(database);
  try {
    // Both gates read the same run: its facts once.
    const data = await loadRunData(store, runId);
    for (const validator of [evaluation.validatorName, PLANTED]) {
      const only = { ...plan, steps: [{ ...step, cascade: { ...step.cascade, validator } }], defaultStep: step.name };
      const outcome = await gateRun(store, runId, only, { step: step.name, data });
      const note = validator === PLANTED ? ` (planted: sim skill 0 over ${planted.items} stored answers)` : '';
      const cascadeFailed = outcome.checks.filter((check) => check.metric.startsWith('cascade_') && check.outcome !== 'pass').map((check) => `${check.outcome} ${check.metric}`);
      const others = outcome.checks.filter((check) => !check.metric.startsWith('cascade_') && (check.outcome === 'fail' || check.outcome === 'hold')).map((check) => `${check.outcome} ${check.metric}`);
      out.write(`  ${validator}${note}: ${outcome.decision.toUpperCase()}; cascade checks: ${cascadeFailed.length === 0 ? 'all pass' : cascadeFailed.join(', ')}${others.length === 0 ? '' : `; other checks: ${others.join(', ')}`}\n`);
      for (const check of outcome.checks) if (check.metric.startsWith('cascade_')) out.write(`    ${check.outcome.padEnd(4)} ${check.metric}: ${check.detail}\n`);
    }
  } finally {
    await store.close();
  }
}
