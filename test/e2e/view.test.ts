import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSpotcheckTables } from '../../src/store/spotcheck-tables.ts';
import { openStore } from '../../src/store/store.ts';
import { runCli, startCli, tempDir, type CliResult } from './cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`skipping the viewer's browser tests: ${CHROMIUM} is missing (apt-get install chromium)`);

const HOSTILE = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> where is my order?`;
const dir = tempDir('hybrid-eval-view-');
const db = join(dir, 'view.duckdb');
const shots = join(dir, 'screenshots');

function replay(args: string[], config = 'examples/sim.yaml'): Promise<CliResult> {
  return runCli(['replay', '-c', config, '--sim', '--sim-time-scale', '0', '--db', db, ...args]);
}

async function rows<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  // Read-only beside the viewer: DuckDB lets several processes read a file nobody writes.
  const store = await openStore(db, { readOnly: true });
  try {
    return await store.all<T>(sql, params);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  const log = join(dir, 'hostile.jsonl');
  writeFileSync(log, `${JSON.stringify({ query_id: 'h1', query: HOSTILE, tier: 'simple', reference: 'Orders ship in 2 days.' })}\n`);
  expect((await replay(['--dataset', log, '--run-id', 'hostile'])).code).toBe(0);
  // Everything on GPT-4 (routing fixed to the complex tier): the baseline of the comparison.
  const allComplex = join(dir, 'all-complex.yaml');
  writeFileSync(allComplex, readFileSync('examples/sim.yaml', 'utf8').replace(/^ {2}policy: router .*$/m, '  policy: fixed\n  fixed_tier: complex'));
  expect((await replay(['--limit', '60', '--run-id', 'base'], allComplex)).code).toBe(0);
  // The same 60 queries through the router (cheaper endpoints): the nightly run, newest of all.
  expect((await replay(['--limit', '60', '--run-id', 'nightly'])).code).toBe(0);
  const tables = await openSpotcheckTables(db);
  try {
    const ids = await tables.store.all<{ query_id: string }>("SELECT query_id FROM queries WHERE run_id = 'nightly'");
    await tables.upsertRatings(
      ids.flatMap(({ query_id }, index) =>
        (['candidate', 'baseline'] as const).map((role) => ({ runId: 'nightly', queryId: query_id, rater: 'ann', role, score: role === 'candidate' ? 1 + (index % 5) : 4, preference: undefined, ratedAt: new Date('2026-01-02T00:00:00Z'), source: 'import' as const })),
      ),
    );
  } finally {
    await tables.close();
  }
}, 600_000);

function get(url: string, init: { method?: string; host?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(target, { method: init.method ?? 'GET', headers: init.host === undefined ? {} : { host: init.host } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('hybrid-eval view', () => {
  it('refuses a host that is not loopback, before serving anything', async () => {
    const result = await runCli(['view', '--db', db, '--host', '0.0.0.0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--host 0.0.0.0: the viewer serves loopback only');
  });
});

describe.skipIf(!HAVE_CHROMIUM)('hybrid-eval view in headless Chromium', () => {
  let server: { child: ChildProcess; done: Promise<CliResult> };
  let url: string;
  let origin: string;
  let token: string;
  let browser: Browser;
  let firstLine: string;

  beforeAll(async () => {
    server = startCli(['view', '--db', db, '--port', '0']);
    firstLine = await new Promise<string>((resolve, reject) => {
      let text = '';
      server.child.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text.split('\n')[0]!);
      });
      server.child.once('exit', () => reject(new Error(`view exited: ${text}`)));
    });
    url = firstLine;
    origin = new URL(url).origin;
    token = new URL(url).searchParams.get('token')!;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    const result = await server?.done;
    expect(result?.code).toBe(0);
  });

  it('prints the URL with its token as the first line, and refuses requests without it', async () => {
    expect(firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32,}$/);
    for (const path of ['/', '/?token=wrong', `/?token=${token}x`, '/runs', `/query?run=nightly&id=q-000001`]) {
      expect((await get(`${origin}${path}`)).status, path).toBe(403);
    }
    // A page on another site reaching loopback under its own name (DNS rebinding) is refused too.
    expect((await get(url, { host: 'evil.example' })).status).toBe(403);
    expect((await get(url, { method: 'POST' })).status).toBe(405);
    const page = await get(url);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; style-src 'nonce-[^']+'; img-src data:/);
    expect(page.headers['content-security-policy']).not.toMatch(/script-src/);
    expect((await get(`${origin}/run?run=nope&token=${token}`)).status).toBe(404);
    expect((await get(`${origin}/queries?run=nightly&max_score=9&token=${token}`)).status).toBe(400);
  });

  it('opens on the newest run; from the worst tier to one query\'s two answers in two clicks', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(url);
    await page.locator('#run-title').waitFor();
    expect(await page.locator('#run-title').textContent()).toBe('Run nightly');
    await shot(page, 'run');
    const charts = await page.locator('.charts img').count();
    expect(charts).toBe(2);

    // The worst tier is the tier with the lowest mean served score in the database.
    const tiers = await rows<{ tier: string; mean: number }>("SELECT tier, candidate_mean_score AS mean FROM quality_by_tier WHERE run_id = 'nightly' AND candidate_mean_score IS NOT NULL ORDER BY mean LIMIT 1");
    expect(await page.locator('#worst-tier td').first().textContent()).toContain(tiers[0]!.tier);

    await page.locator('#worst-tier a.worst-answers').click(); // click 1
    await page.locator('#queries').waitFor();
    await shot(page, 'queries');
    const first = await page.locator('a.query-link').first().textContent();
    const [worst] = await rows<{ query_id: string }>(
      "SELECT query_id FROM pairs WHERE run_id = 'nightly' AND tier = ? ORDER BY served_score NULLS LAST, score_diff NULLS LAST, query_id LIMIT 1",
      [tiers[0]!.tier],
    );
    expect(first).toBe(worst!.query_id);

    await page.locator('a.query-link').first().click(); // click 2
    await page.locator('.answers').waitFor();
    await shot(page, 'query');
    const [pair] = await rows<{ candidate_output: string; baseline_output: string | null; baseline_status: string; query_text: string }>(
      "SELECT candidate_output, baseline_output, baseline_status, query_text FROM pairs WHERE run_id = 'nightly' AND query_id = ?",
      [first],
    );
    expect(await page.locator('#query-text').textContent()).toBe(pair!.query_text);
    expect(await page.locator('[data-role="candidate"] .answer-text').textContent()).toBe(pair!.candidate_output);
    // A sensitive query's baseline is withheld (never sent): the page says so instead of an empty box.
    if (pair!.baseline_output === null) expect(await page.locator('[data-role="baseline"] .no-answer').textContent()).toContain(pair!.baseline_status);
    else expect(await page.locator('[data-role="baseline"] .answer-text').textContent()).toBe(pair!.baseline_output);
    expect(await page.locator('[data-role="candidate"] .reason').textContent()).not.toBe('');
    const [verdicts] = await rows<{ n: number }>("SELECT count(*) AS n FROM pairwise_judgments WHERE run_id = 'nightly' AND query_id = ?", [first]);
    expect(await page.locator('#pairwise tbody tr').count()).toBe(verdicts!.n);
    expect(await page.locator('#ratings tbody tr').count()).toBe(2);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('filters and pages the query table as the database says', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${origin}/queries?run=nightly&token=${token}`);
    expect(await page.locator('.pager').first().textContent()).toContain('page 1 of 2 (60 rows)');
    const order = (await rows<{ query_id: string }>("SELECT query_id FROM pairs WHERE run_id = 'nightly' ORDER BY served_score NULLS LAST, score_diff NULLS LAST, query_id")).map((row) => row.query_id);
    expect(await page.locator('a.query-link').allTextContents()).toEqual(order.slice(0, 50));
    await page.locator('a[rel="next"]').first().click();
    await page.locator('#queries').waitFor();
    expect(await page.locator('a.query-link').allTextContents()).toEqual(order.slice(50));

    // Every filter of the form, submitted as a user would.
    await page.goto(`${origin}/queries?run=nightly&token=${token}`);
    await page.selectOption('select[name="max_score"]', '4');
    await page.selectOption('select[name="fallback"]', 'no');
    await page.selectOption('select[name="rating"]', 'rated');
    await page.locator('button[type="submit"]').click();
    await page.locator('#queries').waitFor();
    const [expected] = await rows<{ n: number }>("SELECT count(*) AS n FROM pairs WHERE run_id = 'nightly' AND served_score <= 4 AND NOT fallback_used");
    expect(await page.locator('.pager').first().textContent()).toContain(`(${expected!.n} rows)`);
    for (const cell of await page.locator('#queries tbody tr td:nth-child(4)').allTextContents()) expect(Number(cell.trim().split(' ')[0])).toBeLessThanOrEqual(4);

    const [endpoint] = await rows<{ endpoint: string; n: number }>("SELECT endpoint, count(*) AS n FROM routes WHERE run_id = 'nightly' GROUP BY endpoint ORDER BY n DESC, endpoint LIMIT 1");
    await page.goto(`${origin}/queries?run=nightly&token=${token}`);
    await page.selectOption('select[name="endpoint"]', endpoint!.endpoint);
    await page.locator('button[type="submit"]').click();
    await page.locator('#queries').waitFor();
    expect(await page.locator('.pager').first().textContent()).toContain(`(${endpoint!.n} rows)`);

    const [word] = await rows<{ text: string }>("SELECT text FROM queries WHERE run_id = 'nightly' ORDER BY query_id LIMIT 1");
    const term = word!.text.split(/\s+/).find((part) => part.length > 5)!.toUpperCase();
    const [matches] = await rows<{ n: number }>("SELECT count(*) AS n FROM queries WHERE run_id = 'nightly' AND contains(lower(text), lower(?))", [term]);
    await page.goto(`${origin}/queries?run=nightly&token=${token}`);
    await page.fill('input[name="q"]', term);
    await page.locator('button[type="submit"]').click();
    await page.locator('#queries').waitFor();
    expect(await page.locator('.pager').first().textContent()).toContain(`(${matches!.n} row`);

    await page.goto(`${origin}/queries?run=nightly&rejected=only&token=${token}`);
    expect(await page.locator('#rejects').count()).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('compares two runs: the queries that got worse, worst first', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${origin}/runs?token=${token}`);
    expect(await page.locator('#runs tbody tr').count()).toBe(3);
    await page.selectOption('select[name="base"]', 'base');
    await page.selectOption('select[name="run"]', 'nightly');
    await page.locator('button[type="submit"]').click();
    await page.locator('#regressions').waitFor();
    await shot(page, 'compare');
    const [worse] = await rows<{ n: number }>(
      "SELECT count(*) AS n FROM pairs AS b JOIN pairs AS a USING (query_id) WHERE b.run_id = 'nightly' AND a.run_id = 'base' AND b.served_score < a.served_score",
    );
    expect(worse!.n).toBeGreaterThan(0);
    expect(await page.locator('.pager').first().textContent()).toContain(`(${worse!.n} row`);
    const changes = (await page.locator('#regressions tbody tr td:nth-child(5)').allTextContents()).map(Number);
    expect(changes.every((change) => change < 0)).toBe(true);
    expect([...changes].sort((a, b) => a - b)).toEqual(changes);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows hostile log text as text, and nothing in it runs', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(`${origin}/queries?run=hostile&token=${token}`);
    expect(await page.locator('#queries td.excerpt').first().textContent()).toBe(HOSTILE);
    await page.locator('a.query-link').first().click();
    await page.locator('#query-text').waitFor();
    expect(await page.locator('#query-text').textContent()).toBe(HOSTILE);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});

function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

async function shot(page: Page, name: string): Promise<void> {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  expect(statSync(path).size).toBeGreaterThan(10_000);
}
