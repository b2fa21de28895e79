import type { JudgeTables } from '../store/judge-tables.ts';
import type { CacheEntry, JudgeCache } from './judge-cache.ts';

export interface StoredJudgeCache extends JudgeCache {
  /** Looks up many keys in one query, so the gets that follow need no round trip. */
  prefetch(keys: readonly string[]): Promise<void>;
  /** Writes the verdicts put since the last flush, in one transaction. */
  flush(): Promise<void>;
  readonly stats: { hits: number; misses: number };
}

/** The judge cache in the results database (table judge_cache): survives the process, shared by every run. */
export function storedJudgeCache(tables: JudgeTables): StoredJudgeCache {
  const known = new Map<string, CacheEntry | undefined>();
  const pending = new Map<string, CacheEntry>();
  const stats = { hits: 0, misses: 0 };
  return {
    stats,
    async prefetch(keys) {
      const wanted = keys.filter((key) => !known.has(key));
      const found = await tables.getCached(wanted);
      for (const key of wanted) known.set(key, found.get(key));
    },
    async get(key) {
      if (!known.has(key)) known.set(key, (await tables.getCached([key])).get(key));
      const entry = known.get(key);
      if (entry === undefined) stats.misses++;
      else stats.hits++;
      return entry;
    },
    put(key, entry) {
      known.set(key, entry);
      pending.set(key, entry);
    },
    async flush() {
      if (pending.size === 0) return;
      const batch = new Map(pending);
      pending.clear();
      await tables.putCached(batch);
    },
  };
}
