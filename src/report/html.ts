import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GateOutcome } from '../gate/run-gate.ts';
import { buildCharts, type Chart } from './charts.ts';
import type { ReportData } from './collect.ts';
import { domainShiftLine } from './domain-shift.ts';
import { ci, count, DECISION_LABEL, escapeHtml as h, excerpt, num, OUTCOME_LABEL, pct, scriptJson, usd, usdPrecise, versusBaseline } from './format.ts';
import { costRows, reasonsOf } from './sections.ts';
import { toolCallSection } from './tool-calls.ts';
import { coverageCell, judgeCoverageSentences } from './judge-coverage-text.ts';
import { capacitySectionHtml } from './capacity-report.ts';

let vegaRuntime: string | undefined;

/** Vega's UMD bundle, inlined so the page works offline (no CDN). Vega-Lite compiles here, in Node. */
function vegaScript(): string {
  if (vegaRuntime === undefined) {
    const moduleFile = fileURLToPath(import.meta.resolve('vega'));
    const text = readFileSync(join(dirname(moduleFile), 'vega.min.js'), 'utf8');
    // Inside a <script> element the only thing that can end it early is "</script".
    vegaRuntime = text.replace(/<\/(script)/gi, '<\\/$1');
  }
  return vegaRuntime;
}

// Runs every chart; a chart that fails says so in its own box and on the console.
const EMBED = `(function () {
  var specs = JSON.parse(document.getElementById('chart-specs').textContent);
  Object.keys(specs).forEach(function (id) {
    var box = document.getElementById(id);
    function failed(error) {
      box.setAttribute('data-rendered', 'error');
      box.textContent = 'chart failed: ' + (error && error.message ? error.message : String(error));
      console.error(error);
    }
    try {
      var view = new vega.View(vega.parse(specs[id]), { renderer: 'svg', container: box, hover: true });
      view.runAsync().then(function () { box.setAttribute('data-rendered', 'true'); }, failed);
    } catch (error) { failed(error); }
  });
})();`;

const STYLE = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2125; margin: 0 auto; max-width: 1100px; padding: 0 20px 60px; }
header.decision { margin: 20px 0 8px; padding: 16px 20px; border-radius: 8px; color: #fff; }
header.go { background: #2b8a3e; } header.no-go { background: #c92a2a; } header.hold { background: #e67700; }
header h1 { margin: 0; font-size: 28px; } header p { margin: 4px 0 0; }
h2 { margin-top: 34px; border-bottom: 1px solid #dee2e6; padding-bottom: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 8px 0; }
th, td { border: 1px solid #dee2e6; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f1f3f5; } td.num { text-align: right; white-space: nowrap; }
tr.fail td.outcome { color: #c92a2a; font-weight: 600; } tr.hold td.outcome { color: #e67700; font-weight: 600; }
tr.pass td.outcome { color: #2b8a3e; } tr.skip td { color: #868e96; }
ul.reasons li { margin: 4px 0; } .muted { color: #868e96; }
.charts { display: grid; grid-template-columns: 1fr; gap: 18px; }
figure { margin: 0; padding: 12px; border: 1px solid #dee2e6; border-radius: 8px; }
figcaption { font-size: 13px; color: #495057; margin-top: 6px; } figure h3 { margin: 0 0 8px; font-size: 16px; }
td.text { max-width: 380px; overflow-wrap: anywhere; }
`;

export async function renderHtml(outcome: GateOutcome, data: ReportData): Promise<string> {
  const charts = buildCharts(outcome, data);
  const { compile } = await import('vega-lite');
  const specs: Record<string, unknown> = {};
  for (const chart of charts) if (chart.spec !== undefined) specs[chart.id] = compile(chart.spec).spec;
  const title = `${DECISION_LABEL[outcome.decision]}: run ${outcome.runId}, step ${outcome.step}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data:">
<title>hybrid-eval ${h(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="decision ${outcome.decision}" id="decision">
<h1>${h(DECISION_LABEL[outcome.decision])} for step “${h(outcome.step)}”</h1>
<p>Run ${h(outcome.runId)} · plan ${h(outcome.plan)} (${h(outcome.planFile)}) · decided ${h(outcome.decidedAt)}</p>
</header>
${outcome.stepDescription === undefined ? '' : `<p>${h(outcome.stepDescription)}</p>`}
<p class="muted">Dataset ${h(outcome.dataset)} · routing policy ${h(outcome.policy)} · run ${h(outcome.runStatus)} · ${outcome.metrics.queries} queries, ${outcome.metrics.rejects} rejected lines · quality judged on tiers ${h((outcome.metrics.scope?.tiers ?? []).join(', '))}</p>
<section id="reasons"><h2>Why</h2><ul class="reasons">${reasonsOf(outcome).map((reason) => `<li>${h(reason)}</li>`).join('')}</ul></section>
${checksTable(outcome)}
${stepsTable(outcome)}
<section id="charts"><h2>Charts</h2><div class="charts">${charts.map(figure).join('\n')}</div></section>
${qualityTable(outcome)}
${costSection(outcome)}
${capacitySectionHtml(data.capacity)}
${toolCallSection(outcome)}
${comparisonSection(outcome)}
${worstTable(data)}
${domainShiftLine(data.domainShift) === undefined ? '' : `<section id="domain-shift"><h2>Router and this log</h2><p>${h(domainShiftLine(data.domainShift)!)}</p></section>`}
<script type="application/json" id="chart-specs">${scriptJson(specs)}</script>
<script>${vegaScript()}</script>
<script>${EMBED}</script>
</body>
</html>
`;
}

function figure(chart: Chart): string {
  const body = chart.spec === undefined ? `<p class="muted">Not drawn: ${h(chart.empty ?? 'no data')}.</p>` : `<div class="chart" id="${chart.id}"></div>`;
  return `<figure data-chart="${chart.id}"><h3>${h(chart.title)}</h3>${body}<figcaption>${h(chart.caption)}</figcaption></figure>`;
}

function checksTable(outcome: GateOutcome): string {
  const rows = outcome.checks
    .map(
      (check) =>
        `<tr class="${check.outcome}"><td>${h(check.metric)}</td><td class="outcome">${OUTCOME_LABEL[check.outcome]}</td><td class="num">${num(check.value, 3)}</td><td class="num">${check.interval === undefined ? '' : `[${num(check.interval.lower, 3)}, ${num(check.interval.upper, 3)}]`}</td><td>${h(check.threshold)}</td><td class="num">${check.n}</td><td>${h(check.detail)}</td></tr>`,
    )
    .join('\n');
  return `<section id="checks"><h2>Checks</h2><table><thead><tr><th>metric</th><th>outcome</th><th>value</th><th>95% interval</th><th>threshold</th><th>n</th><th>detail</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function stepsTable(outcome: GateOutcome): string {
  const rows = outcome.steps
    .map(
      (step) =>
        `<tr class="${step.decision === 'go' ? 'pass' : step.decision === 'no-go' ? 'fail' : 'hold'}"><td>${h(step.step)}${step.step === outcome.step ? ' <b>(gated)</b>' : ''}</td><td class="outcome">${DECISION_LABEL[step.decision]}</td><td>${h(step.tiers.join(', '))}</td><td class="num">${usd(step.monthlyUsd)}</td><td class="num">${versusBaseline(step.reduction)}</td><td>${h(step.failed.join(', '))}</td><td>${h(step.held.join(', '))}</td></tr>`,
    )
    .join('\n');
  return `<section id="steps"><h2>Every step on this run</h2><table><thead><tr><th>step</th><th>decision</th><th>tiers on the candidate</th><th>monthly bill</th><th>vs all-baseline</th><th>failed</th><th>held</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function qualityTable(outcome: GateOutcome): string {
  const { metrics } = outcome;
  const rows = metrics.byTier
    .map((tier) => `<tr><td>${tier.tier}</td><td class="num">${tier.queries}</td><td class="num">${h(coverageCell(metrics, tier.tier))}</td><td class="num">${ci(tier.candidate)}</td><td class="num">${ci(tier.baseline)}</td><td class="num">${ci(tier.pairedDifference)}</td></tr>`)
    .join('');
  return `<section id="quality"><h2>Quality</h2><table><thead><tr><th>tier</th><th>queries</th><th>judged of served</th><th>candidate (served)</th><th>baseline</th><th>paired difference</th></tr></thead><tbody>${rows}<tr><td><b>step scope</b></td><td class="num">${metrics.scope?.queries ?? metrics.queries}</td><td></td><td class="num">${ci(metrics.candidate)}</td><td class="num">${ci(metrics.baseline)}</td><td class="num">${ci(metrics.pairedDifference)}</td></tr></tbody></table>
<p class="muted">Mean judge score [95% BCa bootstrap interval]. Judged answers in scope: ${metrics.judged.scored} scored, ${metrics.judged.unscored} unscored, ${metrics.judged.errored} judge errors, ${metrics.judged.unjudged ?? 0} not judged (never counted as scores).</p>
<ul class="coverage">${judgeCoverageSentences(metrics).map((line) => `<li>${h(line)}</li>`).join('')}</ul></section>`;
}

function costSection(outcome: GateOutcome): string {
  const model = outcome.costModel;
  const rows = costRows(outcome)
    .map(
      (row) =>
        `<tr><td>${h(row.label)}</td><td class="num">${usd(row.monthlyUsd)}</td><td class="num">${usd(row.components?.apiUsd)}</td><td class="num">${usd(row.components?.onPremMarginalUsd)}</td><td class="num">${usd(row.components?.onPremFixedUsd)}</td><td class="num">${usd(row.components?.fallbackUsd)}</td><td class="num">${usd(row.components?.shadowUsd)}</td><td class="num">${usdPrecise(row.perQueryUsd)}</td><td class="num">${versusBaseline(row.reduction)}</td></tr>`,
    )
    .join('');
  const breakEven = model.breakEven
    .map(
      (entry) =>
        `<li>On-prem <b>${h(entry.endpoint)}</b> (${pct(entry.trafficShare)} of traffic at the target mix, ${usd(entry.fixedMonthlyUsd)}/month fixed, ${usdPrecise(entry.perQueryUsd)}/query with fallback) beats ${entry.against
          .map((against) => `${h(against.endpoint)} ${against.breakEvenMonthlyQueries === undefined ? '<b>never</b> (cheaper per query)' : `from <b>${count(against.breakEvenMonthlyQueries)}</b> queries/month`}${against.estimated ? ' (estimated)' : ''}`)
          .join('; ')}.</li>`,
    )
    .join('');
  const notes = model.notes.map((note) => `<li>${h(note)}</li>`).join('');
  return `<section id="cost"><h2>Cost projection</h2><p>${h(model.volume.detail)}.${outcome.whatIf === undefined ? '' : ` <b>${h(outcome.whatIf)}</b> (the run's stored config otherwise).`}</p>
<table><thead><tr><th>mix</th><th>monthly bill</th><th>API calls</th><th>on-prem marginal</th><th>on-prem fixed</th><th>fallback</th><th>shadow</th><th>variable per query</th><th>vs all-baseline</th></tr></thead><tbody>${rows}</tbody></table>
<ul>${breakEven}</ul>
<p class="muted">Prices: ${model.prices.map((price) => `${h(price.endpoint)} (${h(price.model)}${price.onPrem ? ', on-prem' : ''}): ${h(price.pricing)}`).join('; ')}.</p>${notes === '' ? '' : `<ul class="muted">${notes}</ul>`}</section>`;
}

function comparisonSection(outcome: GateOutcome): string {
  const comparison = outcome.comparison;
  if (comparison === undefined) return '';
  const rows = comparison.quality
    .map((row) => `<tr><td>${row.tier}</td><td>${row.method}</td><td class="num">${ci(row.current)}</td><td class="num">${ci(row.previous)}</td><td class="num">${ci(row.difference)}</td><td class="num">${row.pValue === undefined ? 'n/a' : row.pValue.toFixed(3)}</td></tr>`)
    .join('');
  return `<section id="regression"><h2>Against run ${h(comparison.againstRunId)}</h2><p>${comparison.matchedQueries} queries in both runs; regression checks ${DECISION_LABEL[comparison.decision]}.</p>
<table><thead><tr><th>tier</th><th>method</th><th>now</th><th>before</th><th>change [95% CI]</th><th>Wilcoxon p</th></tr></thead><tbody>${rows}</tbody></table>
<p>Variable cost per query ${usdPrecise(comparison.cost.currentPerQueryUsd)} now vs ${usdPrecise(comparison.cost.previousPerQueryUsd)}; served p95 ${num(comparison.latency.current.value, 0)} ms vs ${num(comparison.latency.previous.value, 0)} ms; routing changed on ${comparison.routeChanges.changed} of ${comparison.routeChanges.matched} matching queries.</p></section>`;
}

function worstTable(data: ReportData): string {
  const rows = data.worstAnswers
    .map(
      (row) =>
        `<tr><td>${row.tier}</td><td class="text">${h(excerpt(row.query, 300))}</td><td>${h(row.endpoint ?? '')}${row.fallbackUsed ? ' (fallback)' : ''}</td><td class="num">${row.servedScore === undefined ? h(row.servedStatus ?? 'unjudged') : num(row.servedScore, 0)}</td><td class="num">${num(row.baselineScore, 0)}</td><td class="text">${h(excerpt(row.answer, 300))}</td><td class="text">${h(excerpt(row.judgeReason, 200))}</td></tr>`,
    )
    .join('\n');
  return `<section id="worst"><h2>Worst answers by tier</h2><table><thead><tr><th>tier</th><th>query</th><th>endpoint</th><th>served score</th><th>baseline score</th><th>answer</th><th>judge's reason</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
