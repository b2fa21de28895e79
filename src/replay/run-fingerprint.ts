import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config/schema.ts';
import type { AnswerSource } from '../core/query.ts';
import { scrubUrl } from '../core/secrets.ts';

/**
 * What defines a run, part by part, as short readable text: a resumed run must be the same run, or
 * its rows mix two experiments under one config (a `router` run resumed with a `fixed` config held
 * both routings while runs.policy still said router). Not in it: what may change between a kill and
 * a resume without changing the answers' meaning (--limit, time scale, faults, keys, concurrency).
 */
export type RunFingerprint = Record<string, string>;

export interface FingerprintInputs {
  config: Config;
  /** The dataset actually replayed (--dataset or dataset.path) and the merged field mapping. */
  dataset: string;
  mapping: Record<string, string | undefined>;
  /** Who wrote the logged answers (dataset.answer_source or --answer-source); undefined: baseline. */
  answerSource?: AnswerSource;
  /** The routing policy as loaded: for the router, its folder and model version (hash of its files). */
  policy: string;
  /** The endpoints the replay calls. */
  endpoints: readonly string[];
  sim: boolean;
  shard: string | undefined;
}

const hash = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;

function fileHash(path: string): string {
  try {
    return hash(readFileSync(path, 'utf8'));
  } catch {
    return 'unreadable';
  }
}

/** JSON with sorted keys and no undefined, so the same settings always give the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function runFingerprint(inputs: FingerprintInputs): RunFingerprint {
  const { config } = inputs;
  const { routing, judge } = config;
  const endpoint = (name: string): string => {
    const settings = config.endpoints[name];
    if (settings === undefined) return `${name}: not configured`;
    // The URL without credentials: a rotated key in a gateway URL is the same endpoint.
    return `${name}: ${settings.model}${inputs.sim ? ` (sim ${settings.sim_model ?? 'guessed'})` : ` at ${scrubUrl(settings.base_url)}`}${settings.on_prem ? ', on-prem' : ''}`;
  };
  const answerColumn = inputs.mapping['answer'];
  return {
    dataset: canonical({ path: inputs.dataset, format: config.dataset.format, table: config.dataset.table, sql: config.dataset.sql, fields: inputs.mapping }),
    shard: inputs.shard ?? 'none',
    'routing policy': inputs.policy,
    'routing settings': canonical({
      tiers: routing.tiers,
      fallback: routing.fallback,
      unlabeled_tier: routing.policy === 'oracle' ? routing.unlabeled_tier : undefined,
      thresholds: routing.policy === 'router' ? routing.router.thresholds : undefined,
    }),
    endpoints: [...inputs.endpoints].sort().map(endpoint).join('; '),
    // Unchanged text for the default, so a run fingerprinted before answer_source existed still resumes.
    // `--field answer=` unmaps the column: '' is no column, as the replay reads it.
    baseline:
      inputs.answerSource === 'human'
        ? `${config.baseline}, called live (logged answers${answerColumn ? ` in the log's ${answerColumn} column` : ''} are human replies)`
        : answerColumn
          ? `the log's ${answerColumn} column`
          : config.baseline,
    judge: `${judge.endpoint}${config.endpoints[judge.endpoint] === undefined ? '' : ` (${config.endpoints[judge.endpoint]!.model})`}${config.privacy.sensitive.judge === undefined ? '' : `, sensitive: ${config.privacy.sensitive.judge}`}`,
    rubric: `${judge.rubric} (${fileHash(judge.rubric)})`,
    'pairwise rubric': judge.pairwise_rubric === undefined ? 'none' : `${judge.pairwise_rubric} (${fileHash(judge.pairwise_rubric)})`,
    'system prompt': hash(config.system_prompt),
    privacy: hash(canonical(config.privacy)),
    mode: inputs.sim ? 'simulated endpoints (--sim)' : 'real endpoints',
  };
}

/** The parts that differ, each as "part (was X, now Y)", or "part (changed)" where a value is too long for one line. */
export function fingerprintDifferences(stored: RunFingerprint, current: RunFingerprint): string[] {
  const parts = [...new Set([...Object.keys(stored), ...Object.keys(current)])];
  const shown = (value: string | undefined): string => value ?? 'not recorded';
  return parts
    .filter((part) => stored[part] !== current[part])
    .map((part) => {
      const before = shown(stored[part]);
      const after = shown(current[part]);
      return before.length > MAX_SHOWN || after.length > MAX_SHOWN ? `${part} (changed)` : `${part} (was ${before}, now ${after})`;
    });
}

const MAX_SHOWN = 100;
