import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const PYTHON = process.env['HYBRID_EVAL_PYTHON'] || '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
if (!hasTorch) console.warn(`fine-tuning weight check skipped: ${PYTHON} has no PyTorch/onnx (sudo apt-get install -y python3-torch python3-onnx)`);

describe.skipIf(!hasTorch)('fine-tuning starts from the shipped weights', () => {
  it('reads the weights back out of model.onnx: PyTorch reproduces the logits recorded when the model was trained', () => {
    const result = spawnSync(
      PYTHON,
      [join(ROOT, 'src/router/train/train_router.py'), '--base', join(ROOT, 'models/router'), '--data', '/dev/null', '--out', '/dev/null', '--verify-base', join(ROOT, 'src/router/tokenizer-fixture.json')],
      { encoding: 'utf8' },
    );
    expect(result.status, result.stderr).toBe(0);
    const { checked, max_abs_diff: diff } = JSON.parse(result.stdout) as { checked: number; max_abs_diff: number };
    expect(checked).toBeGreaterThanOrEqual(50);
    expect(diff).toBeLessThan(1e-4);
  });
});
