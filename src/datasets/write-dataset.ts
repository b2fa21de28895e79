import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { Tier } from '../core/tier.ts';
import { generateQueries } from './generate.ts';
import type { GenerateOptions } from './generate.ts';
import { generateConversations, type GenerateConversationsOptions } from './generate-conversations.ts';

export interface DatasetSummary {
  path: string;
  count: number;
  tiers: Record<Tier, number>;
}

/** Writes `n` generated queries as JSONL (one object per line, '\n' endings); same seed, same bytes. */
export async function writeDataset(path: string, options: GenerateOptions): Promise<DatasetSummary> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path, { encoding: 'utf8' });
  const tiers: Record<Tier, number> = { simple: 0, medium: 0, complex: 0 };
  let count = 0;
  try {
    for (const record of generateQueries(options)) {
      tiers[record.tier]++;
      count++;
      if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return { path, count, tiers };
}

export interface ConversationsSummary {
  path: string;
  count: number;
  tiers: Record<Tier, number>;
  withTools: number;
}

/** Writes `n` generated multi-turn requests as OpenAI chat JSONL; same seed, same bytes. */
export async function writeConversations(path: string, options: GenerateConversationsOptions): Promise<ConversationsSummary> {
  await mkdir(dirname(path), { recursive: true });
  const out = createWriteStream(path, { encoding: 'utf8' });
  const tiers: Record<Tier, number> = { simple: 0, medium: 0, complex: 0 };
  let count = 0;
  let withTools = 0;
  try {
    for (const record of generateConversations(options)) {
      tiers[record.metadata.tier]++;
      count++;
      if (record.tools !== undefined) withTools++;
      if (!out.write(`${JSON.stringify(record)}\n`)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return { path, count, tiers, withTools };
}
