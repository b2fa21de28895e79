import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { Tier } from '../core/tier.ts';
import { generateQueries } from './generate.ts';
import type { GenerateOptions } from './generate.ts';

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
