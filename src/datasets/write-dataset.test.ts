import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDataset } from './write-dataset.ts';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'hybrid-eval-datasets-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('writeDataset', () => {
  it('writes byte-identical JSONL for the same seed, different bytes for another', async () => {
    const first = await writeDataset(join(directory, 'a.jsonl'), { n: 500, seed: 42 });
    await writeDataset(join(directory, 'nested', 'b.jsonl'), { n: 500, seed: 42 });
    await writeDataset(join(directory, 'c.jsonl'), { n: 500, seed: 43 });
    const [a, b, c] = await Promise.all(['a.jsonl', 'nested/b.jsonl', 'c.jsonl'].map((name) => readFile(join(directory, name))));
    expect(a?.equals(b as Buffer)).toBe(true);
    expect(a?.equals(c as Buffer)).toBe(false);
    expect(first.count).toBe(500);
    expect(first.tiers.simple + first.tiers.medium + first.tiers.complex).toBe(500);
    const lines = (a?.toString('utf8') ?? '').split('\n');
    expect(lines).toHaveLength(501);
    expect(lines[500]).toBe('');
    for (const line of lines.slice(0, 500)) expect(() => JSON.parse(line)).not.toThrow();
  });

  // The committed files must be exactly what the documented commands produce.
  const committed = [
    { file: 'datasets/sample.jsonl', n: 2000, seed: 42, split: undefined },
    { file: 'datasets/router-train.jsonl', n: 8000, seed: 1001, split: 'train' as const },
    { file: 'datasets/router-test.jsonl', n: 2000, seed: 2002, split: 'test' as const },
  ];
  for (const { file, n, seed, split } of committed) {
    it.skipIf(!existsSync(new URL(`../../${file}`, import.meta.url)))(`regenerates ${file} byte for byte`, async () => {
      const out = join(directory, file.replace('/', '-'));
      await writeDataset(out, { n, seed, split });
      const [expected, actual] = await Promise.all([readFile(new URL(`../../${file}`, import.meta.url)), readFile(out)]);
      expect(actual.equals(expected)).toBe(true);
    });
  }
});
