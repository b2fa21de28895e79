import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { loadOnnxRuntime } from './onnxruntime.ts';
import { createTextEncoder } from './text-encoder.ts';

// Through the project's loader, so the test's own session sends no telemetry either.
const ort = await loadOnnxRuntime();

const MODEL_DIR = join(import.meta.dirname, '../../models/router');

interface FixtureCase {
  text: string;
  ids: number[];
  logits?: number[];
}

const fixture = JSON.parse(await readFile(join(import.meta.dirname, 'tokenizer-fixture.json'), 'utf8')) as {
  max_length: number;
  cases: FixtureCase[];
};
const tokenizer = new Tokenizer(
  JSON.parse(await readFile(join(MODEL_DIR, 'tokenizer.json'), 'utf8')),
  JSON.parse(await readFile(join(MODEL_DIR, 'tokenizer_config.json'), 'utf8')),
);

describe('tokenizer.json in @huggingface/tokenizers', () => {
  it(`gives the ids the Python trainer gave, on ${fixture.cases.length} strings (typos, non-Latin, emails, digits, controls)`, () => {
    const mismatches = fixture.cases
      .map((item) => ({ text: item.text, python: item.ids, javascript: tokenizer.encode(item.text).ids }))
      .filter((row) => JSON.stringify(row.python) !== JSON.stringify(row.javascript));
    expect(mismatches).toEqual([]);
    expect(fixture.cases.length).toBeGreaterThanOrEqual(300);
  });

  it('truncates as Python did: first max_length - 1 ids, then [SEP]', () => {
    const encoder = createTextEncoder(tokenizer, fixture.max_length, MODEL_DIR);
    const long = fixture.cases.filter((item) => item.ids.length > fixture.max_length);
    expect(long.length).toBeGreaterThan(0);
    for (const item of long) {
      const encoded = encoder.encode(item.text);
      expect(encoded.truncated).toBe(true);
      expect(encoded.ids).toEqual([...item.ids.slice(0, fixture.max_length - 1), item.ids.at(-1)]);
    }
  });

  it('cuts a huge text early without changing its first tokens', () => {
    const encoder = createTextEncoder(tokenizer, fixture.max_length, MODEL_DIR);
    const text = fixture.cases.map((item) => item.text).join(' \n ').repeat(30);
    const whole = tokenizer.encode(text).ids;
    expect(encoder.encode(text).ids).toEqual([...whole.slice(0, fixture.max_length - 1), whole.at(-1)]);
  });
});

describe('model.onnx in onnxruntime-node', () => {
  it('gives the logits PyTorch gave', async () => {
    const session = await ort.InferenceSession.create(join(MODEL_DIR, 'model.onnx'));
    const encoder = createTextEncoder(tokenizer, fixture.max_length, MODEL_DIR);
    const cases = fixture.cases.filter((item) => item.logits !== undefined);
    expect(cases.length).toBeGreaterThan(50);
    for (const item of cases) {
      const ids = encoder.encode(item.text).ids;
      const tensor = (values: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), [1, values.length]);
      const output = await session.run({ input_ids: tensor(ids), attention_mask: tensor(ids.map(() => 1)) });
      const logits = Array.from(output['logits']!.data as Float32Array);
      logits.forEach((value, k) => expect(value).toBeCloseTo(item.logits![k]!, 3));
    }
    await session.release();
  });
});
