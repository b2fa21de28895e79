import type { Interval } from '../gate/bootstrap.ts';
import type { GateOutcome } from '../gate/run-gate.ts';

const num = (value: number | undefined, digits = 2): string => (value === undefined ? 'n/a' : value.toFixed(digits));
const usd = (value: number | undefined): string =>
  value === undefined ? 'unknown' : `$${Math.round(value).toLocaleString('en-US')}`;
const ci = (interval: Interval): string =>
  interval.mean === undefined ? 'n/a' : `${num(interval.mean)} [${num(interval.lower)}, ${num(interval.upper)}]`;

/** Markdown cells: a pipe or newline in data must not break the table. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function renderMarkdown(outcome: GateOutcome): string {
  const { metrics, cost } = outcome;
  const icon = { go: 'GO', 'no-go': 'NO-GO', hold: 'HOLD' }[outcome.decision];
  const lines = [
    `# hybrid-eval report: run ${cell(outcome.runId)}`,
    '',
    `**Decision: ${icon}** (plan "${cell(outcome.plan)}", decided ${outcome.decidedAt})`,
    '',
    `Dataset: ${cell(outcome.dataset)} · routing policy: ${cell(outcome.policy)} · run status: ${outcome.runStatus} · ${metrics.queries} queries, ${metrics.rejects} rejected lines`,
    '',
    '## Checks',
    '',
    '| metric | outcome | value | threshold | n | detail |',
    '| --- | --- | --- | --- | --- | --- |',
    ...outcome.checks.map(
      (check) =>
        `| ${check.metric} | ${check.outcome.toUpperCase()} | ${num(check.value, 3)} | ${cell(check.threshold)} | ${check.n} | ${cell(check.detail)} |`,
    ),
    '',
    '## Quality (judge, 1-5, mean [95% bootstrap CI])',
    '',
    '| tier | queries | candidate | baseline |',
    '| --- | --- | --- | --- |',
    ...metrics.byTier.map((tier) => `| ${tier.tier} | ${tier.queries} | ${ci(tier.candidate)} | ${ci(tier.baseline)} |`),
    `| **all** | ${metrics.queries} | ${ci(metrics.candidate)} | ${ci(metrics.baseline)} |`,
    '',
    `Candidate minus baseline, paired on ${metrics.pairedDifference.n} queries: ${ci(metrics.pairedDifference)}.`,
    `Judged answers: ${metrics.judged.scored} scored, ${metrics.judged.unscored} unscored, ${metrics.judged.errored} judge errors (never counted as scores).`,
    '',
    '## Cost projection',
    '',
    `| | monthly |`,
    `| --- | --- |`,
    `| routed mix at ${cost.monthlyQueries.toLocaleString('en-US')} queries/month | ${usd(cost.routedMonthlyUsd)} |`,
    `| of which on-prem fixed | ${usd(cost.fixedMonthlyUsd)} |`,
    `| of which fallback calls | ${usd(cost.fallbackMonthlyUsd)} |`,
    `| all on the baseline | ${usd(cost.baselineMonthlyUsd)} |`,
    `| reduction | ${cost.reduction === undefined ? 'unknown' : `${(cost.reduction * 100).toFixed(1)}%`} |`,
    '',
    `Per-query variable cost ${cost.variablePerQueryUsd === undefined ? 'unknown' : `$${cost.variablePerQueryUsd.toFixed(5)}`}, measured from token usage on ${cost.costCoverage.known} of ${cost.costCoverage.total} queries.`,
    '',
    '## Calls',
    '',
    `Candidate calls: ${metrics.candidateCalls.total} (${metrics.candidateCalls.failed} failed after retries, ${metrics.candidateCalls.okAfterRetry} ok after retry). Baseline calls: ${metrics.baselineCalls.total} (${metrics.baselineCalls.failed} failed). Fallback calls: ${metrics.fallbacks}.`,
    '',
    '| endpoint | role | calls ok | p50 ms | p95 ms | TTFT p50 ms |',
    '| --- | --- | --- | --- | --- | --- |',
    ...metrics.latency.map(
      (row) => `| ${cell(row.endpoint)} | ${row.role} | ${row.calls} | ${num(row.p50Ms, 0)} | ${num(row.p95Ms, 0)} | ${num(row.ttftP50Ms, 0)} |`,
    ),
    '',
    'Routed queries per candidate endpoint: ' +
      Object.entries(metrics.routedTo)
        .map(([endpoint, n]) => `${cell(endpoint)} ${n}`)
        .join(', '),
    '',
  ];
  return lines.join('\n');
}
