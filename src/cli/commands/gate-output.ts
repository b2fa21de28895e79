import { describeBaselineCoverage } from '../../gate/cost.ts';
import { versusToday } from '../../gate/cost-vs-baseline.ts';
import { describeOnpremJudge } from '../../gate/judge-coverage.ts';
import { describeHumanReplies } from '../../gate/human-replies.ts';
import type { GateOutcome } from '../../gate/run-gate.ts';
import type { WrittenReport } from '../../report/write.ts';
import type { ChosenPath } from '../config-paths.ts';

const usd = (value: number | undefined): string => (value === undefined ? 'unknown' : `$${Math.round(value).toLocaleString('en-US')}`);
const pct = (value: number | undefined): string => (value === undefined ? 'n/a' : `${(value * 100).toFixed(1)}%`);

/** The gate's answer: the decision line, which plan file it used (and why), then every check with its evidence. */
export function printOutcome(outcome: GateOutcome, report: WrittenReport, json: boolean, out: NodeJS.WritableStream, planUsed?: ChosenPath): void {
  if (json) {
    out.write(
      `${JSON.stringify({ decision: outcome.decision, run_id: outcome.runId, plan: outcome.plan, ...(planUsed === undefined ? {} : { plan_file: planUsed.path, plan_from: planUsed.from }), step: outcome.step, against: outcome.comparison?.againstRunId, what_if: outcome.whatIf, checks: outcome.checks, report: report.json, html: report.html, junit: report.junit })}\n`,
    );
    return;
  }
  out.write(`${outcome.decision.toUpperCase()} for run ${outcome.runId} (plan ${outcome.plan}, step ${outcome.step}${outcome.comparison === undefined ? '' : `, against ${outcome.comparison.againstRunId}`})\n`);
  if (planUsed !== undefined) out.write(`  plan file: ${planUsed.path} (${planUsed.from})\n`);
  if (outcome.whatIf !== undefined) out.write(`${outcome.whatIf}\n`);
  for (const check of outcome.checks) {
    out.write(`  ${(check.outcome === 'skip' ? 'n/a' : check.outcome).padEnd(4)} ${check.metric}: ${check.detail} (threshold ${check.threshold})\n`);
  }
  printJudgeCoverage(outcome, out);
  out.write(`report: ${report.html}\n        ${report.markdown}\n        ${report.json}\n        ${report.junit}\n`);
}

/** Who judged the served answers: the on-prem judge's measured agreement, when there is one. */
export function printJudgeCoverage(outcome: GateOutcome, out: NodeJS.WritableStream): void {
  const evidence = outcome.metrics.onpremJudge;
  if (evidence !== undefined && !('absent' in evidence)) out.write(`${describeOnpremJudge(evidence)}\n`);
  const human = outcome.metrics.humanReplies;
  if (human !== undefined) out.write(`${describeHumanReplies(human)}\n`);
}

export function printStepSummary(outcome: GateOutcome, out: NodeJS.WritableStream): void {
  out.write('\nevery step of the plan on this run:\n');
  for (const step of outcome.steps) {
    const why = [...step.failed.map((metric) => `fail ${metric}`), ...step.held.map((metric) => `hold ${metric}`)].join(', ');
    const today = versusToday({ routedMonthlyUsd: step.monthlyUsd, baselineMonthlyUsd: step.baselineMonthlyUsd });
    out.write(`  ${step.step.padEnd(8)} ${step.decision.toUpperCase().padEnd(6)} ${usd(step.monthlyUsd).padStart(9)}/month (${today})${why === '' ? '' : `  (${why})`}\n`);
  }
}

export function printCostSummary(outcome: GateOutcome, out: NodeJS.WritableStream): void {
  const model = outcome.costModel;
  out.write(`\ncost at ${model.volume.detail}${outcome.whatIf === undefined ? '' : ` (${outcome.whatIf})`}:\n`);
  out.write(`  all on the baseline (today): ${usd(model.allBaseline.monthlyUsd)}/month (${describeBaselineCoverage(model.allBaseline.coverage)})\n`);
  if (model.target !== undefined) out.write(`  target mix:                  ${usd(model.target.routedMonthlyUsd)}/month (${pct(model.target.reduction)} less)\n`);
  for (const entry of model.breakEven) {
    for (const against of entry.against) {
      out.write(
        `  on-prem ${entry.endpoint} vs ${against.endpoint}: ${against.breakEvenMonthlyQueries === undefined ? 'never breaks even (the API is cheaper per query)' : `breaks even from ${against.breakEvenMonthlyQueries.toLocaleString('en-US')} queries/month`}\n`,
      );
    }
  }
}
