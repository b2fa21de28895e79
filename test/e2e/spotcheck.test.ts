import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JudgmentRecord } from '../../src/core/judgment.ts';
import type { Query } from '../../src/core/query.ts';
import type { ResponseRecord } from '../../src/core/response.ts';
import type { RouteRecord } from '../../src/core/route.ts';
import { blindOrder } from '../../src/spotcheck/blind-order.ts';
import { redactForDisplay } from '../../src/spotcheck/redact.ts';
import { openStore } from '../../src/store/store.ts';
import { judgment, query, response, route, scored } from '../../src/store/test-records.ts';
import { startCli, tempDir, type CliResult } from './cli.ts';

function spotcheck(args: string[]): { child: ChildProcess; done: Promise<CliResult> } {
  return startCli(['spotcheck', ...args]);
}

const run = (args: string[]): Promise<CliResult> => spotcheck(args).done;

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`skipping the rating-page browser tests: ${CHROMIUM} is missing (apt-get install chromium)`);

const RUN = 'spot-1';
const HOSTILE_QUERY = `<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> my order NW-123456, mail jo@mail.example`;
const HOSTILE_ANSWER = `<b>bold?</b><img src=y onerror="window.__pwned = 3">`;
const FORMULA_QUERY = '=HYPERLINK("http://evil.example","click")';
// Words that would un-blind the page: the roles, and the endpoints and models of test-records.
const REVEALING = /candidate|baseline|llama|gpt-4|gpt4/i;

/** Eight queries over three tiers, judged; q001 carries hostile markup, q002 a spreadsheet formula, q003 fell back. */
async function makeDatabase(path: string): Promise<void> {
  const store = await openStore(path);
  try {
    await store.createRun({ runId: RUN, mode: 'shadow', dataset: 'logs.jsonl', policy: 'oracle', config: {} });
    const tiers = ['simple', 'medium', 'complex'] as const;
    const batch = { queries: [] as Query[], routes: [] as RouteRecord[], responses: [] as ResponseRecord[], judgments: [] as JudgmentRecord[] };
    for (let index = 1; index <= 8; index++) {
      const id = `q00${index}`;
      const text = index === 1 ? HOSTILE_QUERY : index === 2 ? FORMULA_QUERY : `How do I return item ${index}?`;
      batch.queries.push(query(id, { text, source: { file: 'logs.jsonl', line: index } }));
      batch.routes.push(route(RUN, id, tiers[index % 3]!));
      const candidateOutput = index === 1 ? HOSTILE_ANSWER : `Short reply ${index}.`;
      batch.responses.push(response(RUN, id, 'candidate', { output: candidateOutput }), response(RUN, id, 'baseline', { output: `Detailed reply ${index}.` }));
      batch.judgments.push(judgment(RUN, id, 'candidate', scored(1 + (index % 5))), judgment(RUN, id, 'baseline', scored(index % 2 === 0 ? 5 : 4)));
      if (index === 3) {
        batch.responses.push(response(RUN, id, 'fallback', { endpoint: 'gpt-4', output: 'Fallback reply 3.' }));
        batch.judgments.push(judgment(RUN, id, 'fallback', scored(5)));
      }
    }
    await store.writeBatch(RUN, batch);
    await store.setRunStatus(RUN, 'complete', { queryCount: 8, rejectCount: 0 });
  } finally {
    await store.close();
  }
}

async function rows<T = Record<string, unknown>>(db: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const store = await openStore(db, { readOnly: true });
  try {
    return await store.all<T>(sql, params);
  } finally {
    await store.close();
  }
}

const dir = tempDir('hybrid-eval-spotcheck-');
const db = join(dir, 'spot.duckdb');

beforeAll(async () => {
  await makeDatabase(db);
  const first = await run(['sample', '--run', RUN, '--n', '8', '--seed', '3', '--db', db]);
  expect(first.stderr).toBe('');
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/sampled 8 of 8 queries of run spot-1 \(seed 3\)/);
});

describe('spotcheck sample', () => {
  it('is idempotent per seed and stratified by tier and score band', async () => {
    const again = await run(['sample', '--run', RUN, '--n', '8', '--seed', '3', '--db', db]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/unchanged \(seed 3, --n 8\): 8 items/);
    const stored = await rows<{ n: number; positions: number; strata: number }>(
      db,
      'SELECT count(*) AS n, count(DISTINCT position) AS positions, count(DISTINCT stratum) AS strata FROM spotcheck_samples WHERE run_id = $1',
      [RUN],
    );
    expect(stored).toEqual([{ n: 8, positions: 8, strata: expect.any(Number) }]);
    expect(stored[0]!.strata).toBeGreaterThan(2);
  });

  it('refuses an unknown run with exit 2', async () => {
    const result = await run(['sample', '--run', 'nope', '--n', '3', '--db', db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('run not found: nope');
  });
});

describe.skipIf(!HAVE_CHROMIUM)('spotcheck serve: the rating page in headless Chromium', () => {
  let server: ReturnType<typeof spotcheck>;
  let url: string;
  let origin: string;
  let token: string;
  let browser: Browser;
  let order: string[];

  beforeAll(async () => {
    order = (await rows<{ query_id: string }>(db, 'SELECT query_id FROM spotcheck_samples WHERE run_id = $1 ORDER BY position', [RUN])).map((row) => row.query_id);
    server = spotcheck(['serve', '--run', RUN, '--port', '0', '--db', db]);
    url = await new Promise<string>((resolve, reject) => {
      let text = '';
      server.child.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(text);
        if (match) resolve(match[1]!);
      });
      server.child.once('exit', () => reject(new Error(`serve exited: ${text}`)));
    });
    origin = new URL(url).origin;
    token = new URL(url).searchParams.get('token')!;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    const result = await server?.done;
    expect(result?.code).toBe(0);
  });

  it('answers 403 to every request without the right token, and serves the page with it', async () => {
    for (const path of ['/', '/?token=wrong', `/?token=${token}x`, '/api/items', '/favicon.ico', '/nope']) {
      expect((await fetch(`${origin}${path}`)).status, path).toBe(403);
    }
    const post = await fetch(`${origin}/api/ratings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-spotcheck-token': 'wrong' },
      body: JSON.stringify({ rater: 'mallory', itemId: order[0], scores: [5, 5], preference: 'tie' }),
    });
    expect(post.status).toBe(403);
    expect(await rows(db, "SELECT * FROM human_ratings WHERE rater = 'mallory'")).toEqual([]);

    // While another process holds the database, a save is refused as busy (and can be retried).
    const holder = await openStore(db);
    try {
      const busy = await fetch(`${origin}/api/ratings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-spotcheck-token': token },
        body: JSON.stringify({ rater: 'mallory', itemId: order[0], scores: [5, 5], preference: 'tie' }),
      });
      expect(busy.status).toBe(503);
      expect(((await busy.json()) as { error: string }).error).toContain('another process has this database open');
    } finally {
      await holder.close();
    }

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'nonce-/);
    const items = await fetch(`${origin}/api/items`, { headers: { 'x-spotcheck-token': token } });
    expect(items.status).toBe(200);
    const body = await items.text();
    expect(JSON.parse(body).items).toHaveLength(8);
    expect(body).not.toMatch(REVEALING);
  });

  it('rates three items with the keyboard alone, resumes after a reload, and shows hostile text as text', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    await page.goto(url);

    // The rater's name, once: the input has the focus.
    await page.locator('#rater-input').waitFor();
    await page.keyboard.type('alice');
    await page.keyboard.press('Enter');
    await page.locator('#rating').waitFor();
    expect(await itemId(page)).toBe(order[0]);

    // Item 1: 4 for Answer 1 (the focus moves on to Answer 2), 2 for Answer 2, Answer 1 better.
    await rate(page, ['4', '2', 'a'], 1);
    expect(await itemId(page)).toBe(order[1]);
    // Item 2: 3, back with the left arrow to re-score Answer 1 as 5, then 1 for Answer 2, a tie.
    await rate(page, ['3', 'ArrowLeft', '5', '1', 't'], 2);
    // Item 3: Answer 2 first with the right arrow, Tab back to Answer 1, Answer 2 better.
    await rate(page, ['ArrowRight', '2', 'Tab', '5', 'b'], 3);

    const stored = await rows<{ query_id: string; role: string; score: number; preference: string; source: string; rater: string }>(
      db,
      "SELECT query_id, role, score, preference, source, rater FROM human_ratings WHERE run_id = $1 AND rater = 'alice' ORDER BY query_id, role",
      [RUN],
    );
    const expected = [
      { position: 0, scores: [4, 2], preference: '1' },
      { position: 1, scores: [5, 1], preference: 'tie' },
      { position: 2, scores: [5, 2], preference: '2' },
    ].flatMap(({ position, scores, preference }) => {
      const queryId = order[position]!;
      const roles = blindOrder(RUN, queryId);
      const unblinded = preference === 'tie' ? 'tie' : roles[preference === '1' ? 0 : 1];
      return roles.map((role, answer) => ({ query_id: queryId, role, score: scores[answer]!, preference: unblinded, source: 'page', rater: 'alice' }));
    });
    expect(stored).toEqual(expected.sort((a, b) => a.query_id.localeCompare(b.query_id) || a.role.localeCompare(b.role)));

    // A reload keeps the rater and resumes at the first unrated item, showing the same blind order.
    await page.reload();
    await page.locator('#rating').waitFor();
    expect(await itemId(page)).toBe(order[3]);
    expect(await page.locator('#progress').textContent()).toContain('3 rated');

    // Going back shows a rated item with its stored scores.
    await page.keyboard.press('p');
    expect(await itemId(page)).toBe(order[2]);
    expect(await page.locator('[data-answer="0"][data-score="5"]').getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('[data-preference="2"]').getAttribute('aria-pressed')).toBe('true');

    // The hostile item: markup is shown as the (redacted) text it is, and nothing in it ran.
    for (let step = 0; step < order.length && (await itemId(page)) !== 'q001'; step++) await page.keyboard.press('n');
    expect(await itemId(page)).toBe('q001');
    expect(await page.locator('#query-text').textContent()).toBe(redactForDisplay(HOSTILE_QUERY));
    expect(await page.locator('#query-text').textContent()).toContain('[ORDER]');
    const answers = [await page.locator('#answer-0-text').textContent(), await page.locator('#answer-1-text').textContent()];
    expect(answers).toContain(HOSTILE_ANSWER);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img, b').count()).toBe(0);

    // Blind: nothing on the page, visible or in its source, names a side or an endpoint.
    expect(await page.locator('body').innerText()).not.toMatch(REVEALING);
    expect(await page.content()).not.toMatch(REVEALING);
    expect(problems).toEqual([]);
    await context.close();
  });
});

async function itemId(page: Page): Promise<string | undefined> {
  return (await page.locator('#rating').getAttribute('data-item-id')) ?? undefined;
}

async function rate(page: Page, keys: string[], savedCount: number): Promise<void> {
  for (const key of keys) await page.keyboard.press(key);
  await page.keyboard.press('Enter');
  await page.locator('#progress', { hasText: `${savedCount} rated` }).waitFor();
}

describe('spotcheck export, import and agreement', () => {
  it('exports the sample blind and spreadsheet-safe', async () => {
    const out = join(dir, 'export.csv');
    const result = await run(['export', '--run', RUN, '--out', out, '--db', db]);
    expect(result.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    const records = parse(text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(records[0]!)).toEqual(['run_id', 'query_id', 'position', 'query', 'answer_1', 'answer_2', 'rater', 'score_1', 'score_2', 'preference']);
    expect(records).toHaveLength(8);
    expect(text).not.toMatch(REVEALING);
    expect(records.find((record) => record.query_id === 'q001')!.query).toBe(redactForDisplay(HOSTILE_QUERY));
    expect(records.find((record) => record.query_id === 'q002')!.query).toBe(`'${FORMULA_QUERY}`);
    // Answer order matches the page's: the fallback served q003, so its candidate side is the fallback's answer.
    const q003 = records.find((record) => record.query_id === 'q003')!;
    const roles = blindOrder(RUN, 'q003');
    expect(q003[`answer_${roles.indexOf('candidate') + 1}`]).toBe('Fallback reply 3.');
  });

  it('imports a filled-in export and a long file, upserting on re-import, rejecting a bad file whole', async () => {
    const exported = parse(readFileSync(join(dir, 'export.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    // bob fills in the blind export: one more than the judge on Answer 1 of every item, and so on.
    const filled = join(dir, 'bob.csv');
    const lines = ['run_id,query_id,position,query,answer_1,answer_2,rater,score_1,score_2,preference'];
    exported.forEach((record, index) => {
      lines.push([record.run_id, record.query_id, record.position, '"q"', '"a1"', '"a2"', 'bob', 1 + (index % 5), 5 - (index % 3), ['1', '2', 'tie'][index % 3]].join(','));
    });
    writeFileSync(filled, `${lines.join('\n')}\n`);
    const first = await run(['import', filled, '--db', db]);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('imported 16 ratings');
    expect(first.stdout).toContain('16 new, 0 replaced');
    const again = await run(['import', filled, '--db', db]);
    expect(again.stdout).toContain('0 new, 16 replaced');
    expect(await rows(db, "SELECT * FROM human_ratings WHERE rater = 'bob'")).toHaveLength(16);

    // carol uses the documented long layout, without run_id (given by --run).
    const long = join(dir, 'carol.csv');
    const carol = ['query_id,rater,role,score,preference'];
    for (const [index, record] of exported.entries()) {
      carol.push(`${record.query_id},carol,candidate,${1 + (index % 5)},${index % 2 === 0 ? 'baseline' : ''}`);
      carol.push(`${record.query_id},carol,baseline,${5 - (index % 3)},`);
    }
    writeFileSync(long, `${carol.join('\n')}\n`);
    const imported = await run(['import', long, '--run', RUN, '--db', db]);
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain('16 new');
    // A preference given on one row of the pair holds for the pair.
    expect(await rows(db, "SELECT DISTINCT preference FROM human_ratings WHERE rater = 'carol' AND query_id = $1", [exported[0]!.query_id])).toEqual([
      { preference: 'baseline' },
    ]);

    // A bad row on line 3: nothing of the file is written, and the error names file, line and field.
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, `run_id,query_id,rater,role,score\n${RUN},q004,dave,candidate,4\n${RUN},q004,dave,baseline,six\n`);
    const refused = await run(['import', bad, '--db', db]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${bad}:3 (score): score "six" is not a whole number from 1 to 5`);
    const unknown = join(dir, 'unknown.csv');
    writeFileSync(unknown, `run_id,query_id,rater,role,score\n${RUN},q004,dave,candidate,4\n${RUN},q999,dave,baseline,3\n`);
    const missing = await run(['import', unknown, '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${unknown}:3 (query_id): no query "q999" in run ${RUN}`);
    expect(await rows(db, "SELECT * FROM human_ratings WHERE rater = 'dave'")).toEqual([]);
  });

  it('reports judge-human and inter-rater agreement as one JSON object and stores it', async () => {
    const result = await run(['agreement', '--run', RUN, '--json', '--db', db]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(result.stdout) as { raters: string[]; figures: { metric: string; role: string; value: number | null; n: number; raters: number }[] };
    const raters = HAVE_CHROMIUM ? ['alice', 'bob', 'carol'] : ['bob', 'carol'];
    expect(report.raters).toEqual(raters);
    const figure = (metric: string, role: string) => report.figures.find((entry) => entry.metric === metric && entry.role === role)!;
    const overall = figure('judge_human_weighted_kappa', 'overall');
    expect(overall.n).toBe(HAVE_CHROMIUM ? 38 : 32);
    expect(overall.value).toEqual(expect.any(Number));
    expect(figure('judge_human_spearman', 'candidate').n).toBe(HAVE_CHROMIUM ? 19 : 16);
    if (HAVE_CHROMIUM) {
      expect(figure('inter_rater_fleiss_kappa', 'overall')).toMatchObject({ n: 16, raters: 3, value: expect.any(Number) });
      expect(figure('inter_rater_cohen_kappa', 'overall')).toMatchObject({ value: null, raters: 3 });
    } else {
      expect(figure('inter_rater_cohen_kappa', 'overall')).toMatchObject({ n: 16, raters: 2, value: expect.any(Number) });
    }
    const stored = await rows<{ metric: string; role: string; value: number | null; n: number }>(
      db,
      'SELECT metric, role, value, n FROM spotcheck_agreement WHERE run_id = $1',
      [RUN],
    );
    expect(stored).toHaveLength(report.figures.length);
    const view = await rows<{ weighted_kappa: number; weighted_kappa_n: number; figures_stale: boolean }>(
      db,
      "SELECT weighted_kappa, weighted_kappa_n, figures_stale FROM judge_human_agreement WHERE run_id = $1 AND role = 'overall'",
      [RUN],
    );
    expect(view).toEqual([{ weighted_kappa: overall.value, weighted_kappa_n: overall.n, figures_stale: false }]);

    // Too few items: undefined (null), never 0.
    const strict = JSON.parse((await run(['agreement', '--run', RUN, '--json', '--min-items', '1000', '--db', db])).stdout) as typeof report;
    expect(strict.figures.every((entry) => entry.value === null)).toBe(true);
  });
});
