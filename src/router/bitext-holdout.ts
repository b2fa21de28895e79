import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { InputError } from '../core/errors.ts';
import { isTier } from '../core/tier.ts';
import type { LabelledText } from './evaluate.ts';

const RESPONSE_FILES = ['responses-detailed.csv', 'responses-terse.csv'] as const;

/**
 * The Bitext utterances the shipped router never saw in training. Same rule as
 * models/router/train.py: deduplicate the two response files by instruction text, then hold out an
 * utterance when the first byte of SHA-256 of its UTF-8 text is divisible by 5. Labels come from
 * tiers.csv (intent -> tier). Sorted by text, so the list is the same on every machine.
 */
export function isBitextHeldOut(instruction: string): boolean {
  return (createHash('sha256').update(instruction, 'utf8').digest()[0] as number) % 5 === 0;
}

export async function readBitext(dir: string, side: 'held-out' | 'training' = 'held-out'): Promise<LabelledText[]> {
  const tiers = new Map<string, string>();
  const tiersFile = join(dir, 'tiers.csv');
  for (const row of await readCsv(tiersFile)) tiers.set(String(row['intent']), String(row['tier']));

  const byText = new Map<string, LabelledText>();
  for (const name of RESPONSE_FILES) {
    const file = join(dir, name);
    const rows = await readCsv(file);
    rows.forEach((row, index) => {
      const text = String(row['instruction'] ?? '');
      const intent = String(row['intent'] ?? '');
      const tier = tiers.get(intent);
      if (!isTier(tier)) {
        throw new InputError(`intent "${intent}" has no tier in ${tiersFile}`, { file, line: index + 2, field: 'intent' });
      }
      byText.set(text, { text, label: tier });
    });
  }
  const wanted = side === 'held-out';
  return [...byText.values()]
    .filter((item) => isBitextHeldOut(item.text) === wanted)
    .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
}

async function readCsv(file: string): Promise<Record<string, unknown>[]> {
  return parse(await readFile(file), { columns: true, skip_empty_lines: true }) as Record<string, unknown>[];
}
