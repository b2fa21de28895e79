import type { GateOutcome } from '../gate/run-gate.ts';
import type { ReportData } from './collect.ts';
import { domainShiftLine } from './domain-shift.ts';
import { ci, cell, count, DECISION_LABEL, excerpt, num, OUTCOME_LABEL, pct, usd, usdPrecise, versusBaseline } from './format.ts';
import { costRows, reasonsOf } from './sections.ts';
import { toolCallLines } from './tool-calls.ts';
import { cascadeMarkdown } from './cascade-section.ts';
import { coverageCell, judgeCoverageSentences } from './judge-coverage-text.ts';
import { capacitySectionMarkdown } from './capacity-report.ts';

export function renderMarkdown(outcome: GateOutcome, data?: ReportData): string {
  const { metrics, costModel } = outcome;
  const lines: string[] = [
    `# hybrid-eval report: run ${cell(outcome.runId)}`,
    '',
    `**Decision: ${DECISION_LABEL[outcome.decision]}** for step "${cell(outcome.step)}" of plan "${cell(outcome.plan)}" (decided ${outcome.decidedAt})`,
    '',
    ...(outcome.stepDescription === undefined ? [] : [`Step: ${cell(outcome.stepDescription)}`, '']),
    `Dataset: ${cell(outcome.dataset)} · routing policy: ${cell(outcome.policy)} · run status: ${outcome.runStatus} · ${metrics.queries} queries, ${metrics.rejects} rejected lines · quality judged on tiers: ${(metrics.scope?.tiers ?? []).join(', ')}`,
    '',
    '## Reasons',
    '',
    ...reasonsOf(outcome).map((reason) => `- ${cell(reason)}`),
    '',
    '## Checks',
    '',
    '| metric | outcome | value | 95% interval | threshold | n | detail |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...outcome.checks.map(
      (check) =>
        `| ${check.metric} | ${OUTCOME_LABEL[check.outcome]} | ${num(check.value, 3)} | ${check.interval === undefined ? '' : `[${num(check.interval.lower, 3)}, ${num(check.interval.upper, 3)}]`} | ${cell(check.threshold)} | ${check.n} | ${cell(check.detail)} |`,
    ),
    '',
    '## Every step on this run',
    '',
    '| step | decision | tiers on the candidate | monthly bill | vs all-baseline | failed | held |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...outcome.steps.map(
      (step) =>
        `| ${cell(step.step)}${step.step === outcome.step ? ' (gated)' : ''} | ${DECISION_LABEL[step.decision]} | ${step.tiers.join(', ')} | ${usd(step.monthlyUsd)} | ${versusBaseline(step.reduction)} | ${step.failed.join(', ')} | ${step.held.join(', ')} |`,
    ),
    '',
    '## Quality (judge, 1-5, mean [95% BCa bootstrap CI])',
    '',
    '| tier | queries | judged of served | candidate (served) | baseline | paired difference |',
    '| --- | --- | --- | --- | --- | --- |',
    ...metrics.byTier.map((tier) => `| ${tier.tier} | ${tier.queries} | ${coverageCell(metrics, tier.tier)} | ${ci(tier.candidate)} | ${ci(tier.baseline)} | ${ci(tier.pairedDifference)} |`),
    `| **step scope** | ${metrics.scope?.queries ?? metrics.queries} | | ${ci(metrics.candidate)} | ${ci(metrics.baseline)} | ${ci(metrics.pairedDifference)} |`,
    '',
    ...judgeCoverageSentences(metrics).map((line) => `- ${cell(line)}`),
    '',
    `Judged answers in scope: ${metrics.judged.scored} scored, ${metrics.judged.unscored} unscored, ${metrics.judged.errored} judge errors, ${metrics.judged.unjudged ?? 0} not judged (never counted as scores).`,
    '',
    pairwiseLine(outcome),
    '',
    humanLine(outcome),
    '',
    '## Cost projection',
    '',
    `Volume: ${cell(costModel.volume.detail)}.${outcome.whatIf === undefined ? '' : ` **${cell(outcome.whatIf)}** (the run's stored config otherwise).`}`,
    '',
    '| mix | monthly bill | API calls | on-prem marginal | on-prem fixed | fallback | shadow | per query (variable) | vs all-baseline |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...costRows(outcome).map(
      (row) =>
        `| ${cell(row.label)} | ${usd(row.monthlyUsd)} | ${usd(row.components?.apiUsd)} | ${usd(row.components?.onPremMarginalUsd)} | ${usd(row.components?.onPremFixedUsd)} | ${usd(row.components?.fallbackUsd)} | ${usd(row.components?.shadowUsd)} | ${usdPrecise(row.perQueryUsd)} | ${versusBaseline(row.reduction)} |`,
    ),
    '',
    ...costModel.breakEven.flatMap((entry) => [
      `Break-even for on-prem **${cell(entry.endpoint)}** (${pct(entry.trafficShare)} of traffic at the target mix; ${usd(entry.fixedMonthlyUsd)}/month fixed, ${usdPrecise(entry.perQueryUsd)} per query with fallback): ` +
        entry.against
          .map((against) => `vs ${cell(against.endpoint)} (${usdPrecise(against.perQueryUsd)}/query${against.estimated ? ', estimated' : ''}) ${against.breakEvenMonthlyQueries === undefined ? 'never (the API is cheaper per query)' : `from ${count(against.breakEvenMonthlyQueries)} queries/month`}`)
          .join('; ') +
        '.',
      '',
    ]),
    'Prices: ' + costModel.prices.map((price) => `${cell(price.endpoint)} (${cell(price.model)}${price.onPrem ? ', on-prem' : ''}): ${cell(price.pricing)}`).join('; ') + '.',
    '',
    ...costModel.notes.map((note) => `- ${cell(note)}`),
    ...capacitySectionMarkdown(data?.capacity),
    '',
    '## Latency and calls',
    '',
    `Served p95: ${num(metrics.servedLatency?.value, 0)} ms [${num(metrics.servedLatency?.lower, 0)}, ${num(metrics.servedLatency?.upper, 0)}] on n=${metrics.servedLatency?.n ?? 0}. Candidate calls: ${metrics.candidateCalls.total} (${metrics.candidateCalls.failed} failed after retries, ${metrics.candidateCalls.okAfterRetry} ok after retry). Baseline calls: ${metrics.baselineCalls.total} (${metrics.baselineCalls.failed} failed). Fallbacks: ${metrics.fallbacks}.`,
    '',
    '| endpoint | role | calls ok | p50 ms | p95 ms | TTFT p50 ms |',
    '| --- | --- | --- | --- | --- | --- |',
    ...metrics.latency.map((row) => `| ${cell(row.endpoint)} | ${row.role} | ${row.calls} | ${num(row.p50Ms, 0)} | ${num(row.p95Ms, 0)} | ${num(row.ttftP50Ms, 0)} |`),
    '',
    '## Routing',
    '',
    routerLine(outcome),
    '',
    ...(domainShiftLine(data?.domainShift) === undefined ? [] : [domainShiftLine(data?.domainShift)!, '']),
    ...toolCallLines(outcome),
    ...comparisonLines(outcome),
    ...cascadeMarkdown(data?.cascade ?? []),
    ...(data === undefined ? [] : worstLines(data)),
  ];
  return lines.join('\n');
}

function pairwiseLine(outcome: GateOutcome): string {
  const pairwise = outcome.metrics.pairwise;
  if (pairwise === undefined || 'absent' in pairwise) return `Pairwise: ${pairwise === undefined ? 'not read' : cell(pairwise.absent)}.`;
  return `Pairwise (judge ${cell(pairwise.judge)}): candidate won ${pairwise.wins}, tied ${pairwise.ties}, lost ${pairwise.losses} of ${pairwise.scored} scored comparisons; win-or-tie ${ci(pairwise.winOrTie)}.`;
}

function humanLine(outcome: GateOutcome): string {
  const human = outcome.metrics.humanAgreement;
  if (human === undefined || 'absent' in human) return `Judge vs human: ${human === undefined ? 'not read' : cell(human.absent)}.`;
  const { agreement } = human;
  return `Judge vs human: ${human.ratings} ratings by ${human.raters} rater(s); on ${agreement.n} the judge scored: quadratic-weighted kappa ${num(agreement.weightedKappa)}, exact ${pct(agreement.exact)}, within one point ${pct(agreement.withinOne)}.`;
}

function routerLine(outcome: GateOutcome): string {
  const router = outcome.metrics.router;
  if (router === undefined) return 'Routing not read.';
  const confusion = router.confusion.map((cellValue) => `${cellValue.label}->${cellValue.tier} ${cellValue.n}`).join(', ');
  return `Policy ${cell(router.policy)}. ${router.labelled} labelled queries: accuracy ${pct(router.accuracy.mean)} [${pct(router.accuracy.lower)}, ${pct(router.accuracy.upper)}], under-routed ${router.underrouted}, over-routed ${router.overrouted}${confusion === '' ? '' : ` (label->routed: ${confusion})`}. Decision time p95: ${router.latencyNotComparable !== undefined ? `not comparable (${cell(router.latencyNotComparable)})` : router.decisionMicros.n === 0 ? 'not recorded' : `${num(router.decisionMicros.value, 1)} us on n=${router.decisionMicros.n}`}.`;
}

function comparisonLines(outcome: GateOutcome): string[] {
  const comparison = outcome.comparison;
  if (comparison === undefined) return [];
  return [
    `## Against run ${cell(comparison.againstRunId)}`,
    '',
    `${comparison.matchedQueries} queries in both runs. Regression checks: ${DECISION_LABEL[comparison.decision]}.`,
    '',
    '| tier | method | now | before | change [95% CI] | Wilcoxon p |',
    '| --- | --- | --- | --- | --- | --- |',
    ...comparison.quality.map(
      (row) => `| ${row.tier} | ${row.method} | ${ci(row.current)} | ${ci(row.previous)} | ${ci(row.difference)} | ${row.pValue === undefined ? 'n/a' : row.pValue.toFixed(3)} |`,
    ),
    '',
    `Variable cost per query: ${usdPrecise(comparison.cost.currentPerQueryUsd)} now vs ${usdPrecise(comparison.cost.previousPerQueryUsd)}. Served p95 latency: ${num(comparison.latency.current.value, 0)} ms vs ${num(comparison.latency.previous.value, 0)} ms. Routing changed on ${comparison.routeChanges.changed} of ${comparison.routeChanges.matched} matching queries.`,
    '',
  ];
}

function worstLines(data: ReportData): string[] {
  return [
    '## Worst answers by tier',
    '',
    '| tier | query | endpoint | served score | baseline score | answer | judge |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...data.worstAnswers.map(
      (row) =>
        `| ${row.tier} | ${cell(excerpt(row.query, 160))} | ${cell(row.endpoint ?? '')}${row.fallbackUsed ? ' (fallback)' : ''} | ${row.servedScore === undefined ? (row.servedStatus ?? 'unjudged') : num(row.servedScore, 0)} | ${num(row.baselineScore, 0)} | ${cell(excerpt(row.answer, 200))} | ${cell(excerpt(row.judgeReason, 160))} |`,
    ),
    '',
  ];
}
