import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jaccard, shingles } from '../../src/label/select.ts';
import { inOverlap } from '../../src/label/server.ts';
import { openStore } from '../../src/store/store.ts';
import { ROOT, runCli, startCli, tempDir } from './cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
if (!HAVE_CHROMIUM) console.warn(`skipping the labelling-page browser tests: ${CHROMIUM} is missing (apt-get install chromium)`);

async function rows<T = Record<string, unknown>>(db: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const store = await openStore(db, { readOnly: true });
  try {
    return await store.all<T>(sql, params);
  } finally {
    await store.close();
  }
}

const dir = tempDir('hybrid-eval-label-');
const db = join(dir, 'label.duckdb');
const pool = join(dir, 'pool.jsonl');
/** line -> tier of the pool, the "truth" the simulated raters label by. */
const truth = new Map<number, string>();

beforeAll(() => {
  const lines = readFileSync(join(ROOT, 'datasets/router-train.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 1500);
  // Near-duplicates: the same request with other order numbers and punctuation.
  lines.push(
    JSON.stringify({ query_id: 'dup-1', query: 'I want to cancel order NW-123456 right now', tier: 'medium' }),
    JSON.stringify({ query_id: 'dup-2', query: 'i want to cancel order NW-654321 right now!!', tier: 'medium' }),
  );
  writeFileSync(pool, lines.join('\n') + '\n');
  lines.forEach((line, index) => truth.set(index + 1, (JSON.parse(line) as { tier: string }).tier));
});

describe('hybrid-eval label: sample, label in a CSV, agreement, adjudication, export', () => {
  it('sets a random test slice aside, then picks uncertain, distinct queries; originals stay in the database', async () => {
    const first = await runCli(['label', 'sample', '--data', pool, '--n', '60', '--test-n', '20', '--db', db, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result).toMatchObject({ round: 1, testItems: 20, trainItems: 60, queries: 1502, strategy: 'margin' });
    expect(result.distinct).toBeLessThan(1502);
    expect(result.meanUncertainty.picked).toBeGreaterThan(result.meanUncertainty.candidates);

    const again = await runCli(['label', 'sample', '--data', pool, '--round', '1', '--db', db]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/round 1 is already sampled/);
    const second = await runCli(['label', 'sample', '--data', pool, '--n', '20', '--strategy', 'random', '--db', db, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ round: 2, testItems: 0, trainItems: 20, alreadySelected: 80 });

    const items = await rows<{ item_id: string; split: string; round: number; original_text: string; display_text: string; dedup_key: string; uncertainty: number | null }>(
      db,
      'SELECT item_id, split, round, original_text, display_text, dedup_key, uncertainty FROM label_items ORDER BY round, item_id',
    );
    expect(items).toHaveLength(100);
    expect(new Set(items.map((item) => item.dedup_key)).size).toBe(100);
    const roundOne = items.filter((item) => item.round === 1);
    for (let a = 0; a < roundOne.length; a++) {
      for (let b = a + 1; b < roundOne.length; b++) expect(jaccard(shingles(roundOne[a]!.display_text), shingles(roundOne[b]!.display_text))).toBeLessThan(0.8);
    }
    expect(roundOne.every((item) => item.uncertainty !== null)).toBe(true);
    // Raters see redacted text; the original (with its personal data) is kept only in the database.
    const withPii = items.filter((item) => /NW-\d{6}|@/.test(item.original_text));
    expect(withPii.length).toBeGreaterThan(0);
    for (const item of withPii) expect(item.display_text).not.toMatch(/NW-\d{6}|@/);
  });

  it('imports raters\' CSV labels, measures agreement, lists disagreements, and the adjudicated label wins', async () => {
    const sheet = join(dir, 'sheet.csv');
    const exported = await runCli(['label', 'export', '--out', sheet, '--db', db]);
    expect(exported.code, exported.stderr).toBe(0);
    const sheetText = readFileSync(sheet, 'utf8');
    expect(sheetText).not.toMatch(/NW-\d{6}|@/);
    const sheetRows = parse(sheetText, { columns: true }) as Record<string, string>[];
    expect(sheetRows).toHaveLength(100);

    const lines = new Map((await rows<{ item_id: string; source_line: number }>(db, 'SELECT item_id, source_line FROM label_items')).map((row) => [row.item_id, row.source_line]));
    const truthOf = (itemId: string) => truth.get(lines.get(itemId)!)!;
    const filled: string[][] = [];
    for (const row of sheetRows) filled.push([row['item_id']!, 'ann', truthOf(row['item_id']!)]);
    // bob labels the first 40 items too and disagrees with ann on three of them.
    const overlap = sheetRows.slice(0, 40).map((row) => row['item_id']!);
    const disagreeOn = overlap.filter((id) => truthOf(id) !== 'complex').slice(0, 3);
    for (const id of overlap) filled.push([id, 'bob', disagreeOn.includes(id) ? 'complex' : ['1', '2', '3'][['simple', 'medium', 'complex'].indexOf(truthOf(id))]!]);
    const labels = join(dir, 'labels.csv');
    writeFileSync(labels, stringify(filled, { header: true, columns: ['item_id', 'rater', 'label'] }));

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, stringify([filled[0]!, [filled[1]![0]!, 'ann', 'urgent']], { header: true, columns: ['item_id', 'rater', 'label'] }));
    const rejected = await runCli(['label', 'import', bad, '--db', db]);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr.trim().split('\n')).toHaveLength(1);
    expect(rejected.stderr).toContain('bad.csv:3 (label): label "urgent" is not one of');
    expect(await rows(db, 'SELECT * FROM label_ratings')).toEqual([]);

    const imported = await runCli(['label', 'import', labels, '--db', db]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('imported 140 ratings');
    const reimported = await runCli(['label', 'import', labels, '--db', db]);
    expect(reimported.code).toBe(0);
    expect(await rows(db, 'SELECT count(*)::INTEGER AS n FROM label_ratings')).toEqual([{ n: 140 }]);

    const adjudicationSheet = join(dir, 'disagreements.csv');
    const failing = await runCli(['label', 'agreement', '--db', db, '--json', '--disagreements', adjudicationSheet]);
    expect(failing.code).toBe(1);
    const report = JSON.parse(failing.stdout);
    expect(report).toMatchObject({ overlap_items: 40, raters: ['ann', 'bob'], verdict: 'fail', target: 0.9 });
    expect(report.fleiss_kappa).toBeLessThan(0.9);
    expect(report.fleiss_kappa).toBeGreaterThan(0.7);
    expect(report.krippendorff_alpha).toBeGreaterThan(report.fleiss_kappa - 0.01);
    expect(report.disagreements.map((item: { item_id: string }) => item.item_id).sort()).toEqual([...disagreeOn].sort());
    expect(report.pairs).toHaveLength(1);
    const confusion = report.pairs[0].confusion as Record<string, Record<string, number>>;
    expect(Object.values(confusion).flatMap((row) => Object.values(row)).reduce((sum, value) => sum + value, 0)).toBe(40);
    expect(Object.values(confusion).reduce((sum, row) => sum + row['complex']!, 0) - confusion['complex']!['complex']!).toBeGreaterThanOrEqual(3);
    expect(Object.keys(report.per_class)).toEqual(['simple', 'medium', 'complex']);

    const adjudications = (parse(readFileSync(adjudicationSheet, 'utf8'), { columns: true }) as Record<string, string>[]).map((row) => [row['item_id']!, 'medium', 'lead', 'checked against the guidelines']);
    expect(adjudications).toHaveLength(3);
    writeFileSync(adjudicationSheet, stringify(adjudications, { header: true, columns: ['item_id', 'label', 'adjudicator', 'reason'] }));
    const adjudicated = await runCli(['label', 'import', adjudicationSheet, '--adjudication', '--db', db]);
    expect(adjudicated.code, adjudicated.stderr).toBe(0);
    const after = await runCli(['label', 'agreement', '--db', db, '--json', '--target', '0.7']);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout)).toMatchObject({ verdict: 'pass', adjudicated: 3, disagreements: [] });

    const everything = join(dir, 'all.csv');
    expect((await runCli(['label', 'export', '--labelled', '--out', everything, '--db', db])).code).toBe(0);
    const allRows = parse(readFileSync(everything, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(allRows).toHaveLength(100);
    for (const id of disagreeOn) expect(allRows.find((row) => row['query_id'] === id)).toMatchObject({ tier: 'medium', status: 'adjudicated' });
    const train = join(dir, 'train.csv');
    const labelled = await runCli(['label', 'export', '--labelled', '--split', 'train', '--out', train, '--db', db]);
    expect(labelled.code, labelled.stderr).toBe(0);
    const trainRows = parse(readFileSync(train, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(trainRows).toHaveLength(80);
    expect(trainRows.every((row) => row['split'] === 'train')).toBe(true);
    // The export is what router eval and router train read with the default field mapping.
    const evaluated = await runCli(['router', 'eval', '--data', train, '--json', '--no-store']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(JSON.parse(evaluated.stdout).n).toBe(80);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('label serve: the labelling page in headless Chromium', () => {
  const pageDb = join(dir, 'page.duckdb');
  const hostile = '<img src=x onerror="window.__pwned = 1">my card was charged twice, mail jo@mail.example';
  let server: ReturnType<typeof startCli>;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    const small = join(dir, 'small.jsonl');
    const texts = [hostile, 'What are your opening hours on Sunday?', 'My parcel NW-111222 never arrived, where is it?', 'I want a lawyer, you leaked my data', 'How do I reset my password?', 'Change the address on order NW-333444', 'Do you ship to Canada?', 'The blender cut my hand, I need compensation'];
    writeFileSync(small, texts.map((query, index) => JSON.stringify({ query_id: `p${index}`, query })).join('\n') + '\n');
    const sampled = await runCli(['label', 'sample', '--data', small, '--n', '8', '--test-n', '0', '--strategy', 'random', '--db', pageDb]);
    expect(sampled.code, sampled.stderr).toBe(0);
    server = startCli(['label', 'serve', '--db', pageDb, '--overlap', '0.5', '--batch', '4']);
    url = await new Promise<string>((resolve, reject) => {
      let text = '';
      server.child.stdout!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(text);
        if (match) resolve(match[1]!);
      });
      server.child.once('exit', () => reject(new Error(`serve exited: ${text}`)));
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });

  afterAll(async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    expect((await server?.done)?.code).toBe(0);
  });

  it('refuses requests without the token or with a foreign Host', async () => {
    const origin = new URL(url).origin;
    const token = new URL(url).searchParams.get('token')!;
    for (const path of ['/', '/?token=wrong', '/api/batch?rater=x']) expect((await fetch(`${origin}${path}`)).status, path).toBe(403);
    const post = await fetch(`${origin}/api/labels`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-label-token': 'wrong' }, body: JSON.stringify({ rater: 'm', itemId: 'x', label: 'simple' }) });
    expect(post.status).toBe(403);
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: new URL(url).port, path: `/?token=${token}`, headers: { host: 'evil.example' } }, (response) => resolve(response.statusCode!));
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('labels a batch with the keys 1/2/3/s, shows guidelines and hostile text as text, and shares the overlap with a second rater', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await expect(page.locator('#guidelines').textContent()).resolves.toContain('disputes and complaints');
    await page.fill('#rater-input', 'cara');
    await page.press('#rater-input', 'Enter');
    const seen: string[] = [];
    for (const key of ['1', '2', '3', 's']) {
      await page.waitForFunction((count) => document.querySelector('#progress')?.textContent?.includes(`${count} labelled`), seen.length);
      seen.push((await page.locator('#labelling').getAttribute('data-item-id'))!);
      const text = await page.locator('#query-text').textContent();
      if (text?.includes('onerror')) expect(text).toContain('[EMAIL]');
      await page.keyboard.press(key);
    }
    await page.waitForFunction(() => document.querySelector('#progress')?.textContent?.includes('4 labelled'));
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const stored = await rows<{ item_id: string; label: string }>(pageDb, "SELECT item_id, label FROM label_ratings WHERE rater = 'cara' ORDER BY rated_at");
    expect(stored.map((row) => row.label)).toEqual(['simple', 'medium', 'complex', 'skip']);
    expect(stored.map((row) => row.item_id)).toEqual(seen);
    await context.close();

    // The second rater gets only items that still need a label: overlap items (two raters each)
    // cara labelled, and items no one has labelled; never one cara labelled outside the overlap.
    const token = new URL(url).searchParams.get('token')!;
    const batch = (await (await fetch(`${new URL(url).origin}/api/batch?rater=dave`, { headers: { 'x-label-token': token } })).json()) as { batch: { id: string }[] };
    expect(batch.batch.length).toBeGreaterThan(0);
    const caraLabelled = new Set(stored.filter((row) => row.label !== 'skip').map((row) => row.item_id));
    for (const item of batch.batch) if (caraLabelled.has(item.id)) expect(inOverlap(item.id, 0.5)).toBe(true);
    const all = await rows<{ item_id: string }>(pageDb, 'SELECT item_id FROM label_items');
    expect(all.some((item) => inOverlap(item.item_id, 0.5))).toBe(true);
  });
});
