import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir, type CliResult } from './cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCRIPT_QUERY = 'my order never came <script>window.__pwned = 1</script> what now';

interface SampleLine {
  query_id: string;
  tier: string;
  query: string;
  reference: string;
}

const sample: SampleLine[] = readFileSync(join(ROOT, 'datasets/sample.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));
const ofTier = (tier: string, n: number): SampleLine[] => sample.filter((line) => line.tier === tier).slice(0, n);
const jsonl = (lines: object[]): string => lines.map((line) => JSON.stringify(line)).join('\n') + '\n';

function runNightly(args: string[]): Promise<CliResult> {
  return runCli(['nightly', ...args]);
}

describe('gate with --against: regressions between two runs of the same queries', () => {
  const dir = tempDir();
  const db = join(dir, 'regression.duckdb');
  const plan = join(dir, 'plan.yaml');
  beforeAll(async () => {
    // 40 queries per tier, so every tier has enough judged pairs for the paired test (queries
    // the privacy policy keeps from the external judge are not judged).
    const dataset = join(dir, 'balanced.jsonl');
    writeFileSync(dataset, jsonl([...ofTier('simple', 40), ...ofTier('medium', 40), ...ofTier('complex', 40)]));
    // Tonight's stack sends everything to Llama: complex questions get a weaker model.
    const allLlama = join(dir, 'all-llama.yaml');
    writeFileSync(allLlama, readFileSync(join(ROOT, 'examples/sim.yaml'), 'utf8').replace(/policy: router\b/, 'policy: fixed\n  fixed_tier: simple'));
    writeFileSync(plan, 'name: e2e\nthresholds:\n  min_quality: 3\n  quality_statistic: mean\n  min_scored: 10\n');
    const common = ['--sim', '--sim-time-scale', '0', '--dataset', dataset, '--db', db];
    const [before, after] = await Promise.all([
      runCli(['replay', '-c', 'examples/sim.yaml', ...common, '--run-id', 'last-night']),
      runCli(['replay', '-c', allLlama, ...common, '--run-id', 'tonight', '--db', join(dir, 'tonight.duckdb')]),
    ]);
    expect(before.code).toBe(0);
    expect(after.code).toBe(0);
    // One database holds both nights (as the nightly job's does): copy tonight's run into it.
    const merge = await runCli(['export', '--run', 'tonight', '--format', 'parquet', '--out', join(dir, 'tonight'), '--db', join(dir, 'tonight.duckdb')]);
    expect(merge.code).toBe(0);
    const { openStore } = await import('../../src/store/store.ts');
    const store = await openStore(db);
    try {
      for (const table of ['runs', 'queries', 'routes', 'responses', 'judgments']) {
        await store.all(`INSERT INTO ${table} SELECT * FROM read_parquet('${join(dir, 'tonight', `${table}.parquet`)}')`);
      }
    } finally {
      await store.close();
    }
  });

  it('names the regressions as reasons and exits 1', async () => {
    const result = await runCli(['gate', '--run', 'tonight', '--against', 'last-night', '--plan', plan, '--db', db, '--results', dir, '--junit', join(dir, 'ci', 'gate.xml')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^NO-GO for run tonight \(plan e2e, step default, against last-night\)/);
    expect(result.stdout).toMatch(/fail regression_quality_complex: paired change mean -\d\.\d\d \[95% CI -\d\.\d\d, -\d\.\d\d\] on n=\d\d/);
    // The router sends 40 medium and 40 complex (give or take a misroute) elsewhere than all-simple.
    expect(result.stdout).toMatch(/fail regression_route_changes: (7[6-9]|8[0-4]) of 120 queries in both runs routed to another tier/);
    expect(result.stdout).toMatch(/pass regression_quality_simple/);
    const junit = readFileSync(join(dir, 'ci', 'gate.xml'), 'utf8');
    expect(junit).toContain('<failure message="regression_quality_complex:');
    const json = await runCli(['gate', '--run', 'tonight', '--against', 'last-night', '--plan', plan, '--db', db, '--results', dir, '--json']);
    const parsed = JSON.parse(json.stdout);
    expect(parsed).toMatchObject({ decision: 'no-go', run_id: 'tonight', step: 'default', against: 'last-night' });
    expect(parsed.checks.filter((check: { outcome: string }) => check.outcome === 'fail').map((check: { metric: string }) => check.metric)).toEqual(
      expect.arrayContaining(['regression_quality_complex', 'regression_route_changes']),
    );
    expect(readFileSync(join(dir, 'tonight', 'report.md'), 'utf8')).toContain('## Against run last-night');
  });

  it('refuses an unknown step or run with exit 2', async () => {
    const step = await runCli(['gate', '--run', 'tonight', '--step', '50%', '--db', db, '--results', dir]);
    expect(step.code).toBe(2);
    expect(step.stderr).toContain('no step named "50%" (steps: shadow, 10%, 30%, 70%, 70% + cascade)');
    const against = await runCli(['gate', '--run', 'tonight', '--against', 'nope', '--plan', plan, '--db', db, '--results', dir]);
    expect(against.code).toBe(2);
    expect(against.stderr).toContain('run not found: nope');
  });
});

describe('report.html in headless Chromium', () => {
  const dir = tempDir();
  let html = '';
  beforeAll(async () => {
    // Four complex queries, one of them carrying a <script>: every one lands in the worst-answers table.
    const complex = ofTier('complex', 4).map((line, index) => (index === 0 ? { ...line, query_id: 'xss', query: SCRIPT_QUERY } : line));
    const dataset = join(dir, 'hostile.jsonl');
    writeFileSync(dataset, jsonl([...ofTier('simple', 4), ...ofTier('medium', 4), ...complex]));
    const db = join(dir, 'x.duckdb');
    const replay = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0.01', '--dataset', dataset, '--db', db, '--run-id', 'hostile']);
    expect(replay.code).toBe(0);
    // A rater's spot-checks, so the judge-vs-human chart has something to draw.
    const { openStore } = await import('../../src/store/store.ts');
    const store = await openStore(db);
    try {
      const ids = await store.all<{ query_id: string }>(`SELECT query_id FROM queries WHERE run_id = 'hostile' ORDER BY query_id`);
      for (const [index, { query_id }] of ids.entries()) {
        await store.all(`INSERT INTO human_ratings VALUES ('hostile', ?, 'ann', 'candidate', ?, NULL, now(), 'page')`, [query_id, 3 + (index % 3)]);
      }
    } finally {
      await store.close();
    }
    const gate = await runCli(['gate', '--run', 'hostile', '--db', db, '--results', dir]);
    expect([0, 1, 3]).toContain(gate.code);
    html = join(dir, 'hostile', 'report.html');
  });

  it.skipIf(!existsSync(CHROMIUM))('renders every chart offline, without console errors, and shows a <script> query as text', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('request', (request) => requests.push(request.url()));
      await page.goto(pathToFileURL(html).href);
      await page.waitForFunction(() => document.querySelectorAll('.chart:not([data-rendered])').length === 0, undefined, { timeout: 15_000 });

      const charts = await page.$$eval('.chart', (boxes) =>
        boxes.map((box) => ({ id: box.id, rendered: box.getAttribute('data-rendered'), marks: box.querySelectorAll('svg .role-mark > *').length })),
      );
      expect(charts.map((chart) => chart.id)).toEqual(['chart-quality', 'chart-scores', 'chart-cost', 'chart-latency', 'chart-router', 'chart-agreement', 'chart-cascade-curve', 'chart-cascade-roc']);
      for (const chart of charts) {
        expect(chart.rendered, chart.id).toBe('true');
        expect(chart.marks, chart.id).toBeGreaterThan(2);
      }
      expect(problems).toEqual([]);
      expect(requests.every((url) => url.startsWith('file:'))).toBe(true);

      // The decision and its reasons come first.
      expect(await page.textContent('header#decision h1')).toMatch(/^(GO|NO-GO|HOLD) for step “10%”/);
      const reasons = await page.$$eval('#reasons li', (items) => items.map((item) => item.textContent));
      expect(reasons.length).toBeGreaterThan(0);

      // The planted query is shown, as text, and never ran.
      expect(await page.textContent('#worst')).toContain(SCRIPT_QUERY);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.$$eval('script', (scripts) => scripts.length)).toBe(3);
    } finally {
      await browser.close();
    }
  });

  it.runIf(!existsSync(CHROMIUM))('skips the browser check: /usr/bin/chromium is not installed (apt-get install chromium)', () => {
    expect(existsSync(html)).toBe(true);
  });
});

describe('nightly', () => {
  it('replays, gates against the previous run of the same config, and writes the report', async () => {
    const dir = tempDir();
    const db = join(dir, 'nightly.duckdb');
    const plan = join(dir, 'plan.yaml');
    writeFileSync(plan, 'name: nightly\nthresholds:\n  min_quality: 3\n  quality_statistic: mean\n  min_scored: 10\nregression:\n  min_paired: 5\n');
    const dataset = join(dir, 'logs.jsonl');
    writeFileSync(dataset, jsonl([...ofTier('simple', 10), ...ofTier('medium', 10), ...ofTier('complex', 10)]));
    const args = (runId: string) => ['--sim', '--sim-time-scale', '0', '--dataset', dataset, '--db', db, '--results', dir, '--plan', plan, '--run-id', runId];
    const first = await runNightly(args('n1'));
    expect(first.stderr).toContain('no earlier complete run of this config');
    expect(first.code).toBe(0);
    const second = await runNightly([...args('n2'), '--junit', join(dir, 'n2.xml')]);
    expect(second.stderr).toContain('nightly: comparing with run n1');
    expect(second.stdout).toMatch(/^GO for run n2 \(plan nightly, step default, against n1\)/);
    expect(second.stdout).toMatch(/pass regression_quality_all: paired change mean 0\.00/);
    expect(second.code).toBe(0);
    expect(existsSync(join(dir, 'n2', 'report.html'))).toBe(true);
    expect(readFileSync(join(dir, 'n2.xml'), 'utf8')).toContain('name="regression_quality_all"');
  });
});
