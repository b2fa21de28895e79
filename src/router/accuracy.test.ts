import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTier } from '../core/tier.ts';
import { readBitext } from './bitext-holdout.ts';
import { evaluateRouter, type LabelledText } from './evaluate.ts';
import { loadRouter, type Router } from './load-router.ts';

const MODEL_DIR = join(import.meta.dirname, '../../models/router');
const TEST_SET = join(import.meta.dirname, '../../datasets/router-test.jsonl');
const BITEXT = join(import.meta.dirname, '../../../shared/data/bitext');

async function readLabelled(file: string): Promise<LabelledText[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  return lines.map((line) => {
    const record = JSON.parse(line) as { query: string; tier: unknown };
    if (!isTier(record.tier)) throw new Error(`bad tier in ${file}: ${String(record.tier)}`);
    return { text: record.query, label: record.tier };
  });
}

describe('the shipped router on held-out data', () => {
  let router: Router;
  beforeAll(async () => {
    router = await loadRouter(MODEL_DIR);
  });
  afterAll(async () => {
    await router.close();
  });

  it('routes datasets/router-test.jsonl with accuracy >= 0.95 and complex recall >= 0.95', async () => {
    const items = await readLabelled(TEST_SET);
    expect(items.length).toBe(2000);
    const result = await evaluateRouter(router, items, { latencySamples: 100 });
    expect(result.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.per_class.complex.recall).toBeGreaterThanOrEqual(0.95);
    expect(result.latency_us.p50).toBeGreaterThan(0);
    expect(result.latency_us.samples).toBe(100);
    expect(result.router_version).toBe(router.version);
    expect(result.ece).toBeLessThan(0.1);
  });

  it.skipIf(!existsSync(BITEXT))('routes unseen Bitext utterances with accuracy >= 0.90 and complex recall >= 0.90', async () => {
    const items = await readBitext(BITEXT);
    // The same split as models/router/train.py (it reported 1,008 held-out utterances).
    expect(items.length).toBe(1008);
    const training = new Set((await readBitext(BITEXT, 'training')).map((item) => item.text));
    expect(items.some((item) => training.has(item.text))).toBe(false);
    const result = await evaluateRouter(router, items, { latencySamples: 20 });
    expect(result.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.per_class.complex.recall).toBeGreaterThanOrEqual(0.9);
  });
});

if (!existsSync(BITEXT)) {
  console.warn(`skipping the Bitext router accuracy test: ${BITEXT} is absent (it lives in ../shared/data on CI machines)`);
}
