import { createHash } from 'node:crypto';
import type { JudgeSpec } from '../core/judgment.ts';
import type { RubricKind } from './rubric.ts';

/** A judge outcome worth keeping: errors (a refused call, a timeout) are never cached, so a rerun retries them. */
export type CachedOutcome = { status: 'scored'; value: unknown } | { status: 'unscored'; reason: string };

export interface CacheEntry {
  kind: RubricKind;
  judgeModel: string;
  promptHash: string;
  outcome: CachedOutcome;
  /** Latency of the call(s) that produced the verdict. */
  latencyMs: number | undefined;
}

/**
 * Verdicts by request. `get` may go to storage; `put` only records, and whoever owns the cache
 * decides when to persist (the DuckDB one writes on `flush`).
 */
export interface JudgeCache {
  get(key: string): Promise<CacheEntry | undefined>;
  put(key: string, entry: CacheEntry): void;
}

/** One judge request's inputs. Pairwise requests name their order: 'ab' shows the candidate as A. */
export type CacheInput =
  | { kind: 'single'; query: string; answer: string; reference: string | undefined; context?: string }
  | { kind: 'pairwise'; query: string; reference: string | undefined; answerA: string; answerB: string; order: 'ab' | 'ba'; context?: string };

/**
 * sha256 over what determines a verdict: the judge spec (prompt hash, which covers rubric text,
 * response schema, templates and settings; the model; the settings again, should a caller build a
 * spec by hand) and the request's inputs. Never an endpoint URL or a key: the same judge behind
 * another proxy is the same judge.
 */
export function judgeCacheKey(spec: Pick<JudgeSpec, 'promptHash' | 'model' | 'settings'>, input: CacheInput): string {
  const material = JSON.stringify({
    promptHash: spec.promptHash,
    model: spec.model,
    settings: sortedEntries(spec.settings),
    input: sortedEntries(input as unknown as Record<string, unknown>),
  });
  return createHash('sha256').update(material).digest('hex');
}

function sortedEntries(record: Record<string, unknown>): [string, unknown][] {
  // undefined and a missing key mean the same thing; JSON.stringify would drop one and not the other.
  return Object.entries(record)
    .map(([key, value]): [string, unknown] => [key, value === undefined ? null : value])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A cache in memory: for tests, and for one process that judges the same inputs twice. */
export function memoryJudgeCache(): JudgeCache & { size(): number } {
  const entries = new Map<string, CacheEntry>();
  return {
    get: async (key) => entries.get(key),
    put: (key, entry) => void entries.set(key, entry),
    size: () => entries.size,
  };
}
