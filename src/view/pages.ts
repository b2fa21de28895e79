import { TIERS } from '../core/tier.ts';
import type { QueryDetail } from './data.ts';
import { PAGE_SIZE } from './data.ts';
import type { QueryFilterParams } from './filters.ts';
import { conversationSection } from './conversation.ts';
import { html, trusted, type Html } from './html.ts';
import { day, num, signed, usd, type LinkTo } from './layout.ts';

type Row = Record<string, unknown>;
const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));

function decisionBadge(decision: unknown): Html {
  const value = text(decision);
  return value === '' ? html`<span class="badge none">not gated</span>` : html`<span class="badge ${value}">${value}</span>`;
}

export function runsPage(runs: Row[], link: LinkTo, token: string): Html {
  const rows = runs.map(
    (run) => html`<tr>
<td><a href="${link('/run', { run: text(run['run_id']) })}" data-run="${text(run['run_id'])}">${text(run['run_id'])}</a></td>
<td>${decisionBadge(run['decision'])} ${text(run['step'])}</td>
<td class="num">${num(run['candidate_mean'])}</td><td class="num">${num(run['baseline_mean'])}</td>
<td class="num">${usd(run['hybrid_cost_usd'])}</td><td class="num">${usd(run['baseline_cost_usd'])}</td>
<td>${day(run['created_at'])}</td><td>${text(run['status'])}</td><td class="num">${num(run['query_count'])}</td><td class="num">${num(run['reject_count'])}</td>
<td>${text(run['policy'])}</td><td>${text(run['dataset'])}</td></tr>`,
  );
  const options = runs.map((run) => html`<option value="${text(run['run_id'])}">${text(run['run_id'])}</option>`);
  return html`<h1>Runs</h1>
<table id="runs"><thead><tr><th>run</th><th>gate decision</th><th>candidate mean score</th><th>baseline mean score</th><th>candidate + fallback cost</th><th>baseline cost</th><th>created</th><th>status</th><th>queries</th><th>rejected lines</th><th>policy</th><th>dataset</th></tr></thead>
<tbody>${rows}</tbody></table>
<p class="muted">Mean judge scores over all single-answer judgments of the run; costs are sums of the calls whose cost is known (— when none is).</p>
<h2>Compare two runs</h2>
<form class="filters" method="get" action="/compare">
<input type="hidden" name="token" value="${token}">
<label>baseline run<select name="base">${options}</select></label>
<label>run<select name="run">${options}</select></label>
<button type="submit">Compare</button></form>`;
}

export function preparingPage(runId: string, queries: unknown): Html {
  return html`<h1>Preparing run ${runId}</h1><p id="preparing">Indexing ${num(queries)} queries for the viewer (once per run while it runs). This page reloads itself.</p>`;
}

export function runPage(input: { run: Row; tiers: Row[]; cost: Row[]; checks: Row[]; charts: Array<{ title: string; svg: string }>; link: LinkTo }): Html {
  const { run, tiers, link } = input;
  const runId = text(run['run_id']);
  // The worst tier: lowest mean served score among tiers with a score.
  const scored = tiers.filter((tier) => typeof tier['served_mean'] === 'number');
  const worst = scored.length === 0 ? undefined : scored.reduce((a, b) => ((b['served_mean'] as number) < (a['served_mean'] as number) ? b : a));
  const tierRows = tiers.map((tier) => {
    const isWorst = tier === worst;
    return html`<tr class="${isWorst ? 'worst' : ''}" ${isWorst ? trusted('id="worst-tier"') : ''}>
<td>${text(tier['tier'])}${isWorst ? html` <span class="badge hold">worst</span>` : ''}</td>
<td class="num">${num(tier['n'])}</td><td class="num">${num(tier['n_scored'])}</td><td class="num">${num(tier['n_unscored_or_error'])}</td>
<td class="num">${num(tier['served_mean'])}</td><td class="num">${num(tier['baseline_mean'])}</td><td class="num">${signed(tier['mean_diff'])}</td>
<td class="num">${num(tier['n_fallback'])}</td>
<td><a class="worst-answers" href="${link('/queries', { run: runId, tier: text(tier['tier']) || undefined })}">${num(tier['n_low'])} scored 2 or less: worst answers first →</a></td></tr>`;
  });
  const costRows = input.cost.map(
    (row) => html`<tr><td>${text(row['endpoint'])}</td><td>${text(row['role'])}</td><td>${text(row['source'])}</td><td class="num">${num(row['calls'])}</td>
<td class="num">${num(row['known_cost_calls'])}</td><td class="num">${usd(row['total_cost_usd'])}</td><td class="num">${usd(row['cost_per_call_usd'])}</td>
<td class="num">${num(row['latency_p50_ms'], 0)}</td><td class="num">${num(row['latency_p95_ms'], 0)}</td><td class="num">${num(row['error_rate'], 3)}</td></tr>`,
  );
  const decision = input.checks[0];
  const checks = input.checks.map(
    (check) => html`<tr><td>${text(check['metric'])}</td><td>${text(check['outcome'])}</td><td class="num">${num(check['value'], 3)}</td>
<td class="num">${check['ci_lower'] === null ? '' : html`[${num(check['ci_lower'], 3)}, ${num(check['ci_upper'], 3)}]`}</td><td>${text(check['threshold'])}</td><td class="num">${num(check['n'])}</td><td>${text(check['detail'])}</td></tr>`,
  );
  return html`<h1 id="run-title">Run ${runId}</h1>
<p>${decisionBadge(decision?.['decision'])} ${decision === undefined ? '' : html`step ${text(decision['step'])} of ${text(decision['plan'])}, decided ${day(decision['decided_at'])} · `}
${text(run['status'])} · created ${day(run['created_at'])} · ${num(run['query_count'])} queries · ${num(run['reject_count'])} rejected lines
(<a href="${link('/queries', { run: runId, rejected: 'only' })}">see them</a>) · policy ${text(run['policy'])} · dataset ${text(run['dataset'])}</p>
<p><a href="${link('/queries', { run: runId })}">All queries, worst first</a> · <a href="${link('/compare', { run: runId })}">Compare with the previous run</a></p>
<h2>Quality by tier</h2>
<table id="tiers"><thead><tr><th>tier</th><th>queries</th><th>scored</th><th>unscored or judge error</th><th>served mean</th><th>baseline mean</th><th>mean paired diff</th><th>fallbacks</th><th>read the answers</th></tr></thead><tbody>${tierRows}</tbody></table>
<p class="muted">Served: the fallback's answer when the fallback was called, else the candidate's. Unscored and errored judgments are counted apart, never as scores.</p>
<h2>Charts</h2>
<div class="charts">${input.charts.map((chart) => html`<figure><img alt="${chart.title}" src="data:image/svg+xml;base64,${Buffer.from(chart.svg).toString('base64')}"><figcaption>${chart.title}</figcaption></figure>`)}</div>
<h2>Cost and latency by endpoint</h2>
<table id="cost"><thead><tr><th>endpoint</th><th>role</th><th>source</th><th>calls</th><th>calls with a known cost</th><th>total cost</th><th>cost per call</th><th>p50 ms</th><th>p95 ms</th><th>error rate</th></tr></thead><tbody>${costRows}</tbody></table>
${checks.length === 0 ? html`<p class="muted">No gate decision stored for this run (hybrid-eval gate --run ${runId}).</p>` : html`<h2>Gate checks</h2><table id="checks"><thead><tr><th>metric</th><th>outcome</th><th>value</th><th>95% interval</th><th>threshold</th><th>n</th><th>detail</th></tr></thead><tbody>${checks}</tbody></table>`}`;
}

function select(name: string, label: string, current: string | number | undefined, choices: Array<[string, string]>): Html {
  return html`<label>${label}<select name="${name}">${choices.map(([value, title]) => html`<option value="${value}"${String(current ?? '') === value ? trusted(' selected') : ''}>${title}</option>`)}</select></label>`;
}

function pager(total: number, pageNumber: number, linkFor: (page: number) => string): Html {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return html`<div class="pager">${pageNumber > 1 ? html`<a href="${linkFor(pageNumber - 1)}" rel="prev">← previous</a>` : ''}<span>page ${pageNumber} of ${pages} (${num(total)} rows)</span>${pageNumber < pages ? html`<a href="${linkFor(pageNumber + 1)}" rel="next">next →</a>` : ''}</div>`;
}

export function queriesPage(input: { runId: string; params: QueryFilterParams; endpoints: string[]; result: { rows: Row[]; total: number }; rejects: boolean; token: string; link: LinkTo }): Html {
  const { runId, params, link } = input;
  const current = Object.fromEntries(Object.entries(params).map(([key, value]) => [key, value === undefined ? undefined : String(value)]));
  const pageLink = (pageNumber: number) => link('/queries', { ...current, page: pageNumber });
  const form = html`<form class="filters" method="get" action="/queries">
<input type="hidden" name="token" value="${input.token}"><input type="hidden" name="run" value="${runId}">
${select('tier', 'tier', params.tier, [['', 'any'], ...TIERS.map((tier): [string, string] => [tier, tier])])}
${select('endpoint', 'routed endpoint', params.endpoint, [['', 'any'], ...input.endpoints.map((endpoint): [string, string] => [endpoint, endpoint])])}
${select('max_score', 'served score at most', params.max_score, [['', 'any'], ['1', '1'], ['2', '2'], ['3', '3'], ['4', '4'], ['5', '5']])}
${select('judged', 'judge', params.judged, [['', 'any'], ['unscored', 'unscored or judge error']])}
${select('fallback', 'fallback', params.fallback, [['', 'any'], ['yes', 'fell back'], ['no', 'no fallback']])}
${select('rating', 'human rating', params.rating, [['', 'any'], ['rated', 'rated'], ['unrated', 'not rated'], ['low', 'a rater gave the served answer ≤ 2']])}
${select('rejected', 'rejected lines', params.rejected, [['', 'no: queries'], ['only', 'only rejected log lines']])}
<label>text contains<input type="search" name="q" value="${params.q ?? ''}" maxlength="200"></label>
<button type="submit">Filter</button> <a href="${link('/queries', { run: runId })}">clear</a></form>`;
  if (input.rejects) {
    const rows = input.result.rows.map(
      (row) => html`<tr><td>${text(row['file'])}:${num(row['line'])}</td><td>${text(row['reason'])}</td><td class="excerpt"><span class="text">${text(row['raw'])}</span></td></tr>`,
    );
    return html`<h1>Rejected log lines of run <a href="${link('/run', { run: runId })}">${runId}</a></h1>${form}${pager(input.result.total, params.page, pageLink)}
<table id="rejects"><thead><tr><th>where</th><th>reason</th><th>raw (first bytes)</th></tr></thead><tbody>${rows}</tbody></table>`;
  }
  const rows = input.result.rows.map(
    (row) => html`<tr><td><a class="query-link" href="${link('/query', { run: runId, id: text(row['query_id']) })}">${text(row['query_id'])}</a></td>
<td>${text(row['tier'])}</td><td>${text(row['routed_endpoint'])}</td><td class="num">${num(row['served_score'])}${row['served_status'] !== 'scored' && row['served_status'] !== null ? html` <span class="muted">${text(row['served_status'])}</span>` : ''}</td>
<td class="num">${num(row['baseline_score'])}</td><td class="num">${signed(row['score_diff'], 0)}</td><td>${row['fallback_used'] ? 'yes' : ''}</td>
<td class="num">${row['raters'] === 0 ? '' : html`${num(row['raters'])} (min ${num(row['human_candidate_min'])})`}</td><td>${text(row['pairwise_winner'])}</td>
<td class="excerpt">${text(row['excerpt'])}</td></tr>`,
  );
  return html`<h1>Queries of run <a href="${link('/run', { run: runId })}">${runId}</a></h1>${form}${pager(input.result.total, params.page, pageLink)}
<table id="queries"><thead><tr><th>query</th><th>tier</th><th>routed endpoint</th><th>served score</th><th>baseline score</th><th>diff</th><th>fallback</th><th>human ratings</th><th>pairwise winner</th><th>query text</th></tr></thead><tbody>${rows}</tbody></table>
${pager(input.result.total, params.page, pageLink)}<p class="muted">Worst first: lowest served score, then the largest drop against the baseline. — is unknown (not judged, or not scored).</p>`;
}

function answerCard(role: string, response: Row | undefined, judgment: Row | undefined): Html {
  if (response === undefined) return html`<section class="answer" data-role="${role}"><h3>${role}</h3><p class="muted">No ${role} call.</p></section>`;
  return html`<section class="answer" data-role="${role}"><h3>${role}: ${text(response['endpoint'])} <span class="muted">(${text(response['model'])})</span></h3>
${role === 'human' ? html`<p class="muted human-note">A human agent's reply from the log: shown beside the models, judged like them, never counted as the baseline.</p>` : ''}
<div class="score">${judgment === undefined ? html`<span class="muted">not judged</span>` : judgment['status'] === 'scored' ? html`${num(judgment['score'])} / 5` : html`<span class="error">${text(judgment['status'])}</span>`}</div>
<dl><dt>status</dt><dd>${text(response['status'])}${typeof response['attempts'] === 'number' && response['attempts'] > 1 ? html` after ${num(response['attempts'])} attempts` : ''}${response['error'] === null ? '' : html` <span class="error">${text(response['error'])}</span>`}</dd>
<dt>source</dt><dd>${text(response['source'])}</dd><dt>latency</dt><dd>${num(response['latency_ms'], 0)} ms (first token ${num(response['ttft_ms'], 0)} ms)</dd>
<dt>tokens</dt><dd>${num(response['prompt_tokens'])} in, ${num(response['completion_tokens'])} out</dd><dt>cost</dt><dd>${usd(response['cost_usd'])}</dd>
${judgment === undefined ? '' : html`<dt>judge</dt><dd>${text(judgment['judge_name'])} (${text(judgment['judge_model'])}, rubric ${text(judgment['rubric'])} ${text(judgment['rubric_version'])})</dd>`}</dl>
<h4>Answer</h4>${response['output'] === null ? html`<p class="muted no-answer">No answer: the call was ${text(response['status'])}${response['status'] === 'withheld' ? ' by the privacy policy (a sensitive query never leaves the premises)' : ''}.</p>` : html`<div class="text answer-text">${text(response['output'])}</div>`}
${judgment === undefined ? '' : html`<h4>Judge's reason</h4><div class="text reason">${text(judgment['reason'])}</div>`}</section>`;
}

export function queryPage(input: { runId: string; detail: QueryDetail; link: LinkTo }): Html {
  const { detail, runId, link } = input;
  const query = detail.query;
  const byRole = (rows: Row[], role: string) => rows.find((row) => row['role'] === role);
  const has = (role: string) => detail.responses.some((row) => row['role'] === role);
  // A human agent's logged reply (dataset.answer_source: human) sits beside the models, after the baseline.
  const roles = ['candidate', ...(has('fallback') ? ['fallback'] : []), 'baseline', ...(has('human') ? ['human'] : [])];
  const route = detail.route;
  const pairwise = detail.pairwise.map(
    (row) => html`<tr><td>${text(row['judge_name'])}</td><td>${text(row['status'])}</td><td>${text(row['winner'])}</td><td>${text(row['winner_candidate_first'])}</td><td>${text(row['winner_candidate_second'])}</td><td>${row['consistent'] === null ? '—' : row['consistent'] ? 'yes' : 'no'}</td><td class="excerpt">${text(row['reason'])}</td></tr>`,
  );
  const ratings = detail.ratings.map(
    (row) => html`<tr><td>${text(row['rater'])}</td><td>${text(row['role'])}</td><td class="num">${num(row['score'])}</td><td>${text(row['preference'])}</td><td>${text(row['source'])}</td><td>${day(row['rated_at'])}</td></tr>`,
  );
  return html`<h1>Query ${text(query['query_id'])} <span class="muted">of run <a href="${link('/run', { run: runId })}">${runId}</a></span></h1>
${conversationSection(query['request_json'])}
<div class="text" id="query-text">${text(query['text'])}</div>
<p>routed tier <b>${text(route?.['tier'])}</b> by ${text(route?.['policy'])} to ${text(route?.['endpoint'])}${route?.['prob_simple'] === null || route === undefined ? '' : html` (p simple ${num(route['prob_simple'], 3)}, medium ${num(route['prob_medium'], 3)}, complex ${num(route['prob_complex'], 3)})`}
· human label ${text(query['label']) || '—'} · channel ${text(query['channel']) || '—'} · logged ${text(query['timestamp']) || '—'} · ${text(query['source_file'])}:${num(query['source_line'])}</p>
<div class="answers">${roles.map((role) => answerCard(role, byRole(detail.responses, role), byRole(detail.judgments, role)))}</div>
<h2>Pairwise verdicts</h2>${pairwise.length === 0 ? html`<p class="muted">None for this query.</p>` : html`<table id="pairwise"><thead><tr><th>judge</th><th>status</th><th>winner</th><th>candidate shown first</th><th>candidate shown second</th><th>consistent</th><th>reason</th></tr></thead><tbody>${pairwise}</tbody></table>`}
<h2>Human ratings</h2>${ratings.length === 0 ? html`<p class="muted">None for this query.</p>` : html`<table id="ratings"><thead><tr><th>rater</th><th>answer</th><th>score</th><th>preference</th><th>source</th><th>rated</th></tr></thead><tbody>${ratings}</tbody></table>`}`;
}

export function comparePage(input: {
  base: string | undefined;
  runId: string | undefined;
  runs: Row[];
  tiers: Row[] | undefined;
  regressions: { rows: Row[]; total: number } | undefined;
  page: number;
  tier: string | undefined;
  token: string;
  link: LinkTo;
}): Html {
  const { base, runId, link } = input;
  const options = (current: string | undefined) => input.runs.map((run) => html`<option value="${text(run['run_id'])}"${run['run_id'] === current ? trusted(' selected') : ''}>${text(run['run_id'])}</option>`);
  const form = html`<form class="filters" method="get" action="/compare"><input type="hidden" name="token" value="${input.token}">
<label>baseline run<select name="base">${options(base)}</select></label><label>run<select name="run">${options(runId)}</select></label>
${select('tier', 'tier', input.tier, [['', 'any'], ...TIERS.map((tier): [string, string] => [tier, tier])])}<button type="submit">Compare</button></form>`;
  if (base === undefined || runId === undefined || input.tiers === undefined || input.regressions === undefined) {
    return html`<h1>Compare two runs</h1>${form}<p class="muted">Pick two runs: the queries whose served score dropped from the baseline run to the other (matched by query id) are listed worst first.</p>`;
  }
  const tierRows = input.tiers.map(
    (tier) => html`<tr><td>${text(tier['tier'])}</td><td class="num">${num(tier['base_n'])}</td><td class="num">${num(tier['base_mean'])}</td><td class="num">${num(tier['run_n'])}</td><td class="num">${num(tier['run_mean'])}</td><td class="num">${signed(tier['change'])}</td><td class="num">${num(tier['matched'])}</td><td class="num">${num(tier['worse'])}</td><td class="num">${num(tier['better'])}</td></tr>`,
  );
  const rows = input.regressions.rows.map(
    (row) => html`<tr><td><a class="query-link" href="${link('/query', { run: runId, id: text(row['query_id']) })}">${text(row['query_id'])}</a> <a class="muted" href="${link('/query', { run: base, id: text(row['query_id']) })}">(in ${base})</a></td>
<td>${text(row['tier'])}</td><td class="num">${num(row['base_score'])}</td><td class="num">${num(row['run_score'])}</td><td class="num">${signed(row['change'], 0)}</td><td>${text(row['base_endpoint'])} → ${text(row['run_endpoint'])}</td><td class="excerpt">${text(row['excerpt'])}</td></tr>`,
  );
  return html`<h1>Run ${runId} against ${base}</h1>${form}
<h2>Served mean score by tier</h2><table id="compare-tiers"><thead><tr><th>tier</th><th>${base} queries</th><th>${base} mean</th><th>${runId} queries</th><th>${runId} mean</th><th>change</th><th>matched queries</th><th>worse</th><th>better</th></tr></thead><tbody>${tierRows}</tbody></table>
<h2>Queries that got worse</h2>${pager(input.regressions.total, input.page, (pageNumber) => link('/compare', { base, run: runId, tier: input.tier, page: pageNumber }))}
<table id="regressions"><thead><tr><th>query</th><th>tier</th><th>${base}</th><th>${runId}</th><th>change</th><th>candidate endpoint</th><th>query text</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function messagePage(title: string, message: string): Html {
  return html`<h1>${title}</h1><p>${message}</p>`;
}
