import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tier } from '../core/tier.ts';
import { loadRunData } from '../gate/metrics.ts';
import { parsePlan } from '../gate/plan.ts';
import { gateRun, type GateOutcome } from '../gate/run-gate.ts';
import { openStore, type Store } from '../store/store.ts';
import { judgment, query, response, route, scored, tempDir } from '../store/test-records.ts';
import { collectReportData, type ReportData } from './collect.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { writeReport } from './write.ts';

const HOSTILE = 'Where is my order? </script><script>window.__pwned = 1</script> | & "quotes"';
const endpoint = (model: string, pricing: object, onPrem = false) => ({ base_url: 'http://127.0.0.1:1/v1', model, pricing, on_prem: onPrem });

describe('report files', () => {
  const dir = tempDir();
  let store: Store;
  let outcome: GateOutcome;
  let data: ReportData;
  beforeAll(async () => {
    store = await openStore(`${dir.path}/r.duckdb`);
    await store.createRun({
      runId: 'r1',
      mode: 'shadow',
      dataset: 'x.jsonl',
      policy: 'oracle',
      config: {
        endpoints: { llama: endpoint('llama', { fixed_monthly_usd: 11000, per_query_usd: 0.0004 }, true), gpt4: endpoint('gpt-4', { input_per_million: 30, output_per_million: 60 }) },
        routing: { tiers: { simple: 'llama', medium: 'gpt4', complex: 'gpt4' }, fallback: 'gpt4' },
        baseline: 'gpt4',
        judge: { endpoint: 'gpt4', rubric: 'judges/support-single.yaml' },
        dataset: { path: 'x.jsonl' },
        volume: { monthly_queries: 100_000 },
      },
    });
    const tiers: Tier[] = ['simple', 'medium', 'complex'];
    const ids = Array.from({ length: 60 }, (_, index) => `q${index}`);
    await store.writeBatch('r1', {
      queries: ids.map((id, index) => query(id, { text: index === 0 ? HOSTILE : `question ${id}`, label: tiers[index % 3] })),
      routes: ids.map((id, index) => route('r1', id, tiers[index % 3]!, { policy: 'oracle', endpoint: index % 3 === 0 ? 'llama' : 'gpt4', label: tiers[index % 3] })),
      responses: ids.flatMap((id, index) => [
        response('r1', id, 'candidate', { endpoint: index % 3 === 0 ? 'llama' : 'gpt4', output: index === 0 ? '<b>bold</b> answer' : 'fine', latencyMs: 200 + index, costUsd: 0.01, promptTokens: 500, completionTokens: 100 }),
        response('r1', id, 'baseline', { endpoint: 'gpt4', latencyMs: 900 + index, costUsd: 0.02, promptTokens: 500, completionTokens: 100 }),
      ]),
      judgments: ids.flatMap((id, index) => [judgment('r1', id, 'candidate', index === 0 ? scored(1) : scored(index % 5 === 0 ? 3 : 5)), judgment('r1', id, 'baseline', scored(5))]),
    });
    await store.setRunStatus('r1', 'complete');
    const plan = parsePlan('name: p\nthresholds:\n  min_quality: 4.9\n  max_error_rate: 0.05\n  min_judge_human_kappa: 0.5\n  min_scored: 30\n', 'p.yaml');
    const facts = await loadRunData(store, 'r1');
    outcome = await gateRun(store, 'r1', plan, { now: () => new Date('2025-04-01T00:00:00Z'), data: facts });
    data = await collectReportData(store, facts);
  });
  afterAll(async () => {
    await store.close();
    dir.remove();
  });

  it('puts the worst answers of each tier in the report data, query text included', () => {
    expect(data.worstAnswers.filter((row) => row.tier === 'simple')).toHaveLength(5);
    expect(data.worstAnswers[0]).toMatchObject({ tier: 'simple', query: HOSTILE, servedScore: 1, endpoint: 'llama' });
    expect(data.scoreCounts).toContainEqual({ side: 'baseline', score: 5, n: 60 });
    expect(data.latencies.filter((row) => row.series === 'gpt4 (baseline)')).toHaveLength(60);
  });

  it('writes JUnit XML: one testcase per check, failure for fail, skipped for hold and n/a, properties for numbers', () => {
    const junit = renderJunit(outcome);
    const testcases = junit.match(/<testcase /g) ?? [];
    expect(testcases).toHaveLength(outcome.checks.length);
    expect(junit.match(/<failure /g) ?? []).toHaveLength(outcome.checks.filter((check) => check.outcome === 'fail').length);
    expect(junit.match(/<skipped /g) ?? []).toHaveLength(outcome.checks.filter((check) => check.outcome === 'hold' || check.outcome === 'skip').length);
    expect(junit).toContain('<testcase classname="hybrid-eval.gate.p.default" name="candidate_quality" time="0">');
    expect(junit).toMatch(/<property name="n" value="60"\/>/);
    expect(junit).toMatch(/<property name="threshold" value="95% lower bound &gt;= 4\.9"\/>/);
    expect(junit).toMatch(/<testsuites name="hybrid-eval" tests="\d+" failures="1" errors="0" skipped="1">/);
  });

  it('escapes data in Markdown tables', () => {
    const markdown = renderMarkdown(outcome, data);
    expect(markdown).toContain('Where is my order? &lt;/script&gt;&lt;script&gt;window.\\_\\_pwned = 1&lt;/script&gt; \\| & "quotes"');
    expect(markdown).not.toContain('<script>');
    expect(markdown).toContain('## Cost projection');
  });

  it('writes one self-contained HTML file: no network, data as escaped JSON, text escaped', async () => {
    const written = await writeReport(`${dir.path}/results`, outcome, data, { junitFile: `${dir.path}/ci/gate.xml` });
    const html = readFileSync(written.html, 'utf8');
    expect(readFileSync(`${dir.path}/ci/gate.xml`, 'utf8')).toBe(readFileSync(written.junit, 'utf8'));
    expect(html).toContain(`content="default-src 'none';`);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).toContain('Where is my order? &lt;/script&gt;&lt;script&gt;window.__pwned = 1&lt;/script&gt; | &amp; &quot;quotes&quot;');
    const json = /<script type="application\/json" id="chart-specs">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(json).not.toContain('<');
    expect(Object.keys(JSON.parse(json))).toEqual(['chart-quality', 'chart-scores', 'chart-cost', 'chart-latency', 'chart-router']);
    expect(html).toContain('Not drawn: no human ratings for this run.');
    // Vega's runtime is inlined (no CDN).
    expect(html.length).toBeGreaterThan(400_000);
    const report = JSON.parse(readFileSync(written.json, 'utf8'));
    expect(report).toMatchObject({ decision: 'no-go', step: 'default', metrics: { queries: 60 } });
    expect(report.details.worstAnswers[0].query).toBe(HOSTILE);
  });
});
