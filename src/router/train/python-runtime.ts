import { spawnSync } from 'node:child_process';
import { UsageError } from '../../core/errors.ts';

/** Debian's interpreter: python3-torch and python3-onnx install into it (a pyenv python3 on PATH has neither). */
export const DEFAULT_PYTHON = '/usr/bin/python3';
export const INSTALL_LINE = 'sudo apt-get install -y python3-torch python3-onnx';

/**
 * The interpreter that trains (HYBRID_EVAL_PYTHON, else Debian's), checked before anything is read
 * or written: a missing PyTorch is one line naming the install command, not a Python traceback
 * after the labels were validated.
 */
export function findTrainingPython(env: NodeJS.ProcessEnv = process.env): string {
  const python = env['HYBRID_EVAL_PYTHON'] || DEFAULT_PYTHON;
  const probe = spawnSync(python, ['-c', 'import torch, onnx; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
  if (probe.error !== undefined || probe.status !== 0) {
    const why = probe.error !== undefined ? `${python} cannot be run (${(probe.error as NodeJS.ErrnoException).code ?? probe.error.message})` : `${python} has no PyTorch or onnx`;
    throw new UsageError(`router train needs PyTorch and onnx: ${why}; install them with: ${INSTALL_LINE} (or set HYBRID_EVAL_PYTHON to a python3 that has both)`);
  }
  return python;
}
