import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../core/errors.ts';

/**
 * A router model folder in the layout of a Hugging Face / Optimum ONNX export:
 * model.onnx, tokenizer.json, config.json (id2label), and optionally tokenizer_config.json.
 */
export interface ModelFolder {
  dir: string;
  modelPath: string;
  modelBytes: Uint8Array;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** Output column of each label, in the folder's own order (config.json id2label). */
  labels: string[];
  maxLength: number;
  /** First 12 hex digits of SHA-256 over model.onnx, tokenizer.json and config.json. */
  version: string;
}

const REQUIRED_FILES = ['model.onnx', 'tokenizer.json', 'config.json'] as const;
const FALLBACK_MAX_LENGTH = 512;

/**
 * Reads every required file. Every missing one is named, in REQUIRED_FILES order: the reads run
 * concurrently, and reporting the first to fail made the message depend on which read finished first.
 */
async function readRequired(dir: string): Promise<Buffer[]> {
  const settled = await Promise.allSettled(REQUIRED_FILES.map((name) => readFile(join(dir, name))));
  const missing: string[] = [];
  const unreadable: string[] = [];
  let firstCause: unknown;
  settled.forEach((result, index) => {
    if (result.status === 'fulfilled') return;
    const code = (result.reason as NodeJS.ErrnoException).code;
    firstCause ??= result.reason;
    if (code === 'ENOENT') missing.push(REQUIRED_FILES[index]!);
    else unreadable.push(`${REQUIRED_FILES[index]!} (${code ?? String(result.reason)})`);
  });
  const problems = [
    ...(missing.length === 0 ? [] : [`missing ${missing.join(', ')}`]),
    ...(unreadable.length === 0 ? [] : [`cannot read ${unreadable.join(', ')}`]),
  ];
  if (problems.length > 0) throw new UsageError(`router model folder ${dir}: ${problems.join('; ')}`, { cause: firstCause });
  return settled.map((result) => (result as PromiseFulfilledResult<Buffer>).value);
}

function parseObject(dir: string, name: string, bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new UsageError(`router model folder ${dir}: ${name} is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UsageError(`router model folder ${dir}: ${name} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

function readLabels(dir: string, config: Record<string, unknown>): string[] {
  const id2label = config['id2label'];
  if (id2label === null || typeof id2label !== 'object' || Array.isArray(id2label)) {
    throw new UsageError(`router model folder ${dir}: config.json has no id2label object`);
  }
  const entries = Object.entries(id2label as Record<string, unknown>);
  const labels: string[] = new Array(entries.length);
  for (const [key, label] of entries) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= entries.length || typeof label !== 'string') {
      throw new UsageError(
        `router model folder ${dir}: config.json id2label must map 0..${entries.length - 1} to label names, got "${key}": ${JSON.stringify(label)}`,
      );
    }
    labels[index] = label;
  }
  return labels;
}

function positiveInteger(value: unknown): number | undefined {
  // Hugging Face writes a huge sentinel (1e30) for "no limit" in tokenizer_config.json.
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= 1_000_000 ? value : undefined;
}

function readMaxLength(config: Record<string, unknown>, tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown>): number {
  const truncation = tokenizerJson['truncation'];
  const truncationLength =
    truncation !== null && typeof truncation === 'object' ? (truncation as Record<string, unknown>)['max_length'] : undefined;
  return (
    positiveInteger(config['max_length']) ??
    positiveInteger(tokenizerConfig['model_max_length']) ??
    positiveInteger(truncationLength) ??
    positiveInteger(config['max_position_embeddings']) ??
    FALLBACK_MAX_LENGTH
  );
}

export async function readModelFolder(dir: string): Promise<ModelFolder> {
  const [modelBytes, tokenizerBytes, configBytes] = await readRequired(dir);
  const tokenizerJson = parseObject(dir, 'tokenizer.json', tokenizerBytes as Buffer);
  const config = parseObject(dir, 'config.json', configBytes as Buffer);
  let tokenizerConfig: Record<string, unknown> = {};
  try {
    tokenizerConfig = parseObject(dir, 'tokenizer_config.json', await readFile(join(dir, 'tokenizer_config.json')));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const hash = createHash('sha256');
  hash.update(modelBytes as Buffer);
  hash.update(tokenizerBytes as Buffer);
  hash.update(configBytes as Buffer);
  return {
    dir,
    modelPath: join(dir, 'model.onnx'),
    modelBytes: modelBytes as Buffer,
    tokenizerJson,
    tokenizerConfig,
    labels: readLabels(dir, config),
    maxLength: readMaxLength(config, tokenizerJson, tokenizerConfig),
    version: hash.digest('hex').slice(0, 12),
  };
}
