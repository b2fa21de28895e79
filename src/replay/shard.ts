import { UsageError } from '../core/errors.ts';

/** 1-based, as in `--shard 2/4` (Playwright's convention); a Kubernetes completion index is index + 1. */
export interface Shard {
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard must be K/N with 1 <= K <= N (e.g. 2/4), got "${text}"`);
  }
  return { index, count };
}

/**
 * FNV-1a over the query id: stable across machines, processes and Node versions, so every shard
 * agrees on who owns a query without talking to the others.
 */
export function shardOf(queryId: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < queryId.length; i++) {
    hash ^= queryId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return ((hash >>> 0) % count) + 1;
}
