import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.ts';
import type { Query } from '../core/query.ts';
import { loadRouter, type Router } from './load-router.ts';
import { routerPolicy } from './router-policy.ts';

const MODEL_DIR = join(import.meta.dirname, '../../models/router');
const TEST_MODELS = join(import.meta.dirname, 'test-models');
const FILES = ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json'];

function expectDistribution(probabilities: Record<string, number>): void {
  const sum = Object.values(probabilities).reduce((total, value) => total + value, 0);
  expect(sum).toBeCloseTo(1, 6);
  for (const value of Object.values(probabilities)) expect(value).toBeGreaterThanOrEqual(0);
}

describe('loadRouter with the shipped model', () => {
  let router: Router;
  beforeAll(async () => {
    router = await loadRouter(MODEL_DIR);
  });
  afterAll(async () => {
    await router.close();
  });

  it('classifies support queries into the three tiers', async () => {
    expect(router.version).toMatch(/^[0-9a-f]{12}$/);
    expect(router.maxLength).toBe(128);
    const simple = await router.classify('What time does your Denver showroom open on Saturday?');
    const complex = await router.classify(
      'You charged my card twice for the same sofa and nobody answers my emails. I want the duplicate charge refunded today or I dispute it with my bank.',
    );
    expect(simple.tier).toBe('simple');
    expect(complex.tier).toBe('complex');
    expect(simple.latencyUs).toBeGreaterThan(0);
    expectDistribution(simple.probabilities);
    expect(simple.truncated).toBe(false);
  });

  it('groups concurrent classify calls into one ONNX run', async () => {
    const before = router.stats();
    const texts = Array.from({ length: 10 }, (_, i) => `where is my order NW-10000${i}?`);
    const results = await Promise.all(texts.map((text) => router.classify(text)));
    const after = router.stats();
    expect(after.runs - before.runs).toBe(1);
    expect(after.items - before.items).toBe(10);
    // Same answers as one by one: batching and padding change nothing.
    const alone = await router.classify(texts[3]!);
    expect(results[3]!.probabilities.simple).toBeCloseTo(alone.probabilities.simple, 5);
  });

  it('classifyBatch runs at most maxBatch texts per ONNX run and keeps input order', async () => {
    const texts = Array.from({ length: 70 }, (_, i) => (i % 2 === 0 ? 'opening hours?' : 'my account was hacked and someone placed orders'));
    const before = router.stats();
    const results = await router.classifyBatch(texts);
    const runs = router.stats().runs - before.runs;
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(runs).toBeLessThanOrEqual(4);
    expect(router.stats().largestBatch).toBeLessThanOrEqual(32);
    expect(results.map((result) => result.rawTier)).toEqual(texts.map((text) => (text === 'opening hours?' ? 'simple' : 'complex')));
  });

  it('routes empty, huge and non-Latin queries without crashing', async () => {
    const empty = await router.classify('');
    expectDistribution(empty.probabilities);
    expect(empty.truncated).toBe(false);

    const huge = 'My Sweep robot vacuum shows error E2 again and again, what should I do? '.repeat(1500);
    expect(huge.length).toBeGreaterThan(100_000);
    const hugeResult = await router.classify(huge);
    expect(hugeResult.truncated).toBe(true);
    expectDistribution(hugeResult.probabilities);

    const noSpaces = await router.classify('x'.repeat(100_000));
    expectDistribution(noSpaces.probabilities);

    for (const text of ['我的订单在哪里？', 'أين طلبي؟', 'где мой заказ?', '注文はどこですか 😡😡', '\u0000\u200b\ufeff']) {
      const result = await router.classify(text);
      expectDistribution(result.probabilities);
      expect(['simple', 'medium', 'complex']).toContain(result.tier);
    }
  });

  it('is a route policy that records probabilities, latency and version', async () => {
    const query: Query = { queryId: 'q-1', text: 'Do you price match?', source: { file: 'x.jsonl', line: 1 } };
    const decision = await routerPolicy(router)(query);
    expect(decision.policy).toBe('router');
    expect(decision.tier).toBe('simple');
    expect(decision.routerVersion).toBe(router.version);
    expect(decision.latencyUs).toBeGreaterThan(0);
    expectDistribution(decision.probabilities!);
  });
});

describe('conservative thresholds', () => {
  const text = 'What are your opening hours?';

  it('escalate a query whose cheaper tier does not clear its threshold', async () => {
    const plain = await loadRouter(MODEL_DIR, { thresholds: { simple: 0, medium: 0 } });
    const { probabilities, rawTier } = await plain.classify(text);
    await plain.close();
    expect(rawTier).toBe('simple');

    const toMedium = await loadRouter(MODEL_DIR, { thresholds: { simple: probabilities.simple + 1e-9, medium: 0 } });
    const medium = await toMedium.classify(text);
    await toMedium.close();
    expect(medium).toMatchObject({ tier: 'medium', rawTier: 'simple' });

    const toComplex = await loadRouter(MODEL_DIR, {
      thresholds: { simple: 1.01, medium: probabilities.simple + probabilities.medium + 1e-9 },
    });
    const complex = await toComplex.classify(text);
    await toComplex.close();
    expect(complex).toMatchObject({ tier: 'complex', rawTier: 'simple' });
  });

  it('refuses thresholds outside 0..1', async () => {
    await expect(loadRouter(MODEL_DIR, { thresholds: { simple: 1.5 } })).rejects.toThrow(/threshold for simple/);
  });
});

describe('start-up validation of a model folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'router-folder-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function folder(name: string, change: (path: string) => Promise<void>): Promise<string> {
    const path = join(dir, name);
    await rm(path, { recursive: true, force: true });
    await import('node:fs/promises').then(({ mkdir }) => mkdir(path));
    for (const file of FILES) await copyFile(join(MODEL_DIR, file), join(path, file));
    await change(path);
    return path;
  }

  async function rewriteConfig(path: string, edit: (config: Record<string, unknown>) => void): Promise<void> {
    const config = JSON.parse(await readFile(join(path, 'config.json'), 'utf8')) as Record<string, unknown>;
    edit(config);
    await writeFile(join(path, 'config.json'), JSON.stringify(config));
  }

  it('names every missing file, in a fixed order', async () => {
    for (const missing of ['model.onnx', 'tokenizer.json', 'config.json']) {
      const path = await folder(`missing-${missing}`, (p) => rm(join(p, missing)));
      const error = await loadRouter(path).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toContain(`missing ${missing}`);
    }
    // Every missing file, always in the same order (the reads run concurrently; the message must not
    // depend on which finished first).
    for (let attempt = 0; attempt < 5; attempt++) {
      await expect(loadRouter(join(dir, 'no-such-folder'))).rejects.toThrow(/: missing model\.onnx, tokenizer\.json, config\.json$/);
    }
    const two = await folder('missing-two', async (p) => {
      await rm(join(p, 'config.json'));
      await rm(join(p, 'model.onnx'));
    });
    await expect(loadRouter(two)).rejects.toThrow(/: missing model\.onnx, config\.json$/);
  });

  it('refuses a label set that does not match the routing policy', async () => {
    const generic = await folder('generic-labels', (p) =>
      rewriteConfig(p, (config) => (config['id2label'] = { 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2' })),
    );
    await expect(loadRouter(generic)).rejects.toThrow(/id2label is \[LABEL_0, LABEL_1, LABEL_2\], the routing policy needs exactly \[simple, medium, complex\]/);
    const two = await folder('two-labels', (p) => rewriteConfig(p, (config) => (config['id2label'] = { 0: 'simple', 1: 'complex' })));
    await expect(loadRouter(two)).rejects.toThrow(UsageError);
    await expect(loadRouter(MODEL_DIR, { expectedLabels: ['easy', 'hard'] })).rejects.toThrow(/needs exactly \[easy, hard\]/);
  });

  it('refuses wrong input names, a missing logits output and logits of the wrong width', async () => {
    const wrongInputs = await folder('wrong-inputs', (p) => copyFile(join(TEST_MODELS, 'wrong-inputs.onnx'), join(p, 'model.onnx')));
    await expect(loadRouter(wrongInputs)).rejects.toThrow(/model\.onnx inputs are \[ids, mask\], expected input_ids and attention_mask/);
    const wrongOutput = await folder('wrong-output', (p) => copyFile(join(TEST_MODELS, 'wrong-output.onnx'), join(p, 'model.onnx')));
    await expect(loadRouter(wrongOutput)).rejects.toThrow(/output named logits/);
    const fourLogits = await folder('four-logits', (p) => copyFile(join(TEST_MODELS, 'four-logits.onnx'), join(p, 'model.onnx')));
    await expect(loadRouter(fourLogits)).rejects.toThrow(/logits have shape \[2, 4\], expected \[2, 3\]/);
  });

  it('feeds zeros to a model that takes token_type_ids', async () => {
    const path = await folder('token-types', (p) => copyFile(join(TEST_MODELS, 'token-type-ids.onnx'), join(p, 'model.onnx')));
    const router = await loadRouter(path);
    const results = await Promise.all(['hello', 'where is my order?'].map((text) => router.classify(text)));
    for (const result of results) expectDistribution(result.probabilities);
    await router.close();
  });

  it('refuses a config.json that is not JSON', async () => {
    const path = await folder('bad-json', (p) => writeFile(join(p, 'config.json'), '{ not json'));
    await expect(loadRouter(path)).rejects.toThrow(/config\.json is not valid JSON/);
  });
});
