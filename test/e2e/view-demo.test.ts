import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { ROOT, runCli, startCli, tempDir, type CliResult } from './cli.ts';

// Issue 20's "done when": from a fresh clone, after `npm run demo`, `npx hybrid-eval view` opens on
// the demo run and a newcomer gets from the worst tier to one query's two answers in three clicks.
// Both commands run with no flags at all, in a folder laid out as a clone (the committed folders the
// demo reads, no results/), so the defaults are what is tested: examples/sim.yaml, its database
// results/hybrid-eval.duckdb, the conversations sample.

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`skipping the demo-then-view browser test: ${CHROMIUM} is missing (apt-get install chromium)`);

const clone = tempDir('hybrid-eval-clone-');
for (const folder of ['examples', 'prompts', 'models', 'judges', 'datasets', 'suites', 'notebooks']) symlinkSync(join(ROOT, folder), join(clone, folder));
const database = join(clone, 'results', 'hybrid-eval.duckdb');

describe.skipIf(!HAVE_CHROMIUM)('npm run demo, then npx hybrid-eval view, in headless Chromium', () => {
  let server: { child: ChildProcess; done: Promise<CliResult> };
  let url: string;
  let browser: Browser;
  let demoRun: string;

  beforeAll(async () => {
    mkdirSync(join(clone, 'results'), { recursive: true });
    const demo = await runCli(['demo'], { cwd: clone });
    expect(demo.code, demo.stderr).toBe(0);
    const store = await openStore(database, { readOnly: true });
    try {
      const runs = await store.all<{ run_id: string }>('SELECT run_id FROM runs');
      expect(runs).toHaveLength(1);
      demoRun = runs[0]!.run_id;
    } finally {
      await store.close();
    }
    server = startCli(['view'], { cwd: clone });
    url = await new Promise<string>((resolve, reject) => {
      let text = '';
      server.child.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) resolve(text.split('\n')[0]!);
      });
      server.child.once('exit', () => reject(new Error(`view exited: ${text}`)));
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    const result = await server?.done;
    expect(result?.code).toBe(0);
  });

  it('opens on the demo run; the worst tier to one query\'s two answers in at most three clicks', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32,}$/);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(url);
    // The first visit may find the run's index still being built: that page reloads itself.
    await page.locator('#run-title').waitFor({ timeout: 120_000 });
    expect(await page.locator('#run-title').textContent()).toBe(`Run ${demoRun}`);
    await page.screenshot({ path: join(clone, 'results', 'demo-run.png'), fullPage: true });

    const store = await openStore(database, { readOnly: true });
    let worstTier: string;
    let worstQuery: string;
    let pair: { candidate_output: string | null; baseline_output: string | null; baseline_status: string | null } | undefined;
    let earlier: Array<{ role: string; content: string }> = [];
    try {
      const [tier] = await store.all<{ tier: string }>(
        'SELECT tier FROM quality_by_tier WHERE run_id = ? AND candidate_mean_score IS NOT NULL ORDER BY candidate_mean_score LIMIT 1',
        [demoRun],
      );
      worstTier = tier!.tier;
      const [query] = await store.all<{ query_id: string }>(
        'SELECT query_id FROM pairs WHERE run_id = ? AND tier = ? ORDER BY served_score NULLS LAST, score_diff NULLS LAST, query_id LIMIT 1',
        [demoRun, worstTier],
      );
      worstQuery = query!.query_id;
      [pair] = await store.all<NonNullable<typeof pair>>('SELECT candidate_output, baseline_output, baseline_status FROM pairs WHERE run_id = ? AND query_id = ?', [demoRun, worstQuery]);
      // The earlier turns of the demo's conversation, as logged: the page must show them before the query.
      earlier = (await store.all<{ role: string; content: string }>(
        `SELECT m ->> 'role' AS role, m ->> 'content' AS content FROM (SELECT unnest(CAST(request_json -> 'messages' AS JSON[])) AS m FROM queries WHERE run_id = ? AND query_id = ?)`,
        [demoRun, worstQuery],
      )).filter((message) => message.role === 'user' && message.content !== null);
    } finally {
      await store.close();
    }
    expect(await page.locator('#worst-tier td').first().textContent()).toContain(worstTier);
    expect(earlier.length, 'the demo log is multi-turn').toBeGreaterThan(1);

    let clicks = 0;
    const click = async (selector: string) => {
      clicks += 1;
      await page.locator(selector).first().click();
    };
    await click('#worst-tier a.worst-answers');
    await page.locator('#queries').waitFor({ timeout: 120_000 });
    expect(await page.locator('a.query-link').first().textContent()).toBe(worstQuery);
    await click('a.query-link');
    await page.locator('.answers').waitFor();
    await page.screenshot({ path: join(clone, 'results', 'demo-query.png'), fullPage: true });
    expect(clicks).toBeLessThanOrEqual(3);

    // The two answers, side by side, as the database holds them (a withheld baseline says why).
    expect(await page.locator('.answers [data-role="candidate"] .answer-text').textContent()).toBe(pair!.candidate_output);
    if (pair!.baseline_output === null) expect(await page.locator('[data-role="baseline"] .no-answer').textContent()).toContain(pair!.baseline_status);
    else expect(await page.locator('.answers [data-role="baseline"] .answer-text').textContent()).toBe(pair!.baseline_output);
    const [candidateBox, baselineBox] = await Promise.all(['candidate', 'baseline'].map((role) => page.locator(`.answers [data-role="${role}"]`).boundingBox()));
    expect(baselineBox!.x).toBeGreaterThan(candidateBox!.x); // side by side, not one under the other
    expect(await page.locator('.answers [data-role="candidate"] .reason').textContent()).not.toBe('');
    // An answer taken from the log (attempts 0: no call was made) is not shown as "ok after 0 attempts".
    for (const status of await page.locator('.answers dl dd:first-of-type').allTextContents()) expect(status).not.toMatch(/after [01] attempts?/);
    // The conversation before the answered turn: every earlier customer message, in order, before the query text.
    const shown = await page.locator('#conversation .turn[data-role="user"] .text').allTextContents();
    expect(shown).toEqual(earlier.slice(0, -1).map((message) => message.content));
    expect(await page.locator('#query-text').textContent()).toBe(earlier.at(-1)!.content);
    expect(problems).toEqual([]);
    await context.close();
  }, 300_000);
});
