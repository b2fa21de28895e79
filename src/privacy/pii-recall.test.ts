import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bitextSet, constructedSet, generatorSet, hardPositives, knownLimits, NEAR_MISSES, score } from './pii-test-set.ts';
import type { LabelledText, TypeScore } from './pii-test-set.ts';
import { redact } from './redact.ts';
import { PII_TYPES } from './types.ts';
import type { PiiType } from './types.ts';

const BITEXT = join(import.meta.dirname, '../../../shared/data/bitext');
const MUST_RECALL: readonly PiiType[] = ['EMAIL', 'PHONE', 'CARD'];

function table(title: string, byType: Map<PiiType, TypeScore>): string {
  const percent = (value: number | undefined): string => (value === undefined ? '   -   ' : `${(value * 100).toFixed(2).padStart(6)}%`);
  const lines = [`${title}`, 'type     labelled  recall   redacted(any type)  found  precision'];
  for (const type of PII_TYPES) {
    const row = byType.get(type);
    if (!row) continue;
    const redacted = row.labelled === 0 ? undefined : row.redacted / row.labelled;
    lines.push(`${type.padEnd(8)} ${String(row.labelled).padStart(8)}  ${percent(row.recall)}  ${percent(redacted)}            ${String(row.found).padStart(5)}  ${percent(row.precision)}`);
  }
  return lines.join('\n');
}

function measure(title: string, items: readonly LabelledText[]): ReturnType<typeof score> {
  const result = score(items, (text) => redact(text).findings);
  // Printed on purpose: the figures are the deliverable, the assertions only guard the floor.
  console.log(`${table(title, result.byType)}\n`);
  return result;
}

describe('redaction on the labelled PII set', () => {
  const generated = generatorSet(4000, 20250303);
  const constructed = constructedSet(3000, 7);
  const hand = [...hardPositives(), ...knownLimits(), ...NEAR_MISSES.map((text): LabelledText => ({ source: 'hand', text, spans: [] }))];

  it('recalls at least 99% of emails, phones and cards over the whole set', () => {
    const { byType, misses } = measure(`All synthetic (${generated.length} generator queries, ${constructed.length} constructed, ${hand.length} hand-written)`, [...generated, ...constructed, ...hand]);
    for (const type of MUST_RECALL) {
      expect(byType.get(type)!.labelled, type).toBeGreaterThan(300);
      expect(byType.get(type)!.recall, `${type} misses: ${JSON.stringify(misses.filter((miss) => miss.type === type).slice(0, 5))}`).toBeGreaterThanOrEqual(0.99);
    }
  });

  it('finds every PII value the dataset generator plants', () => {
    const { byType, misses } = measure(`Generator queries (src/datasets, ${generated.length})`, generated);
    expect(misses).toEqual([]);
    for (const type of [...MUST_RECALL, 'ORDER', 'ACCOUNT', 'NAME'] as const) expect(byType.get(type)!.labelled, type).toBeGreaterThan(20);
  });

  it('leaves every near-miss alone and misses only the documented limits', () => {
    const { misses, falsePositives } = measure('Hand-written hard cases, near-misses and known limits', hand);
    const limits = new Set(knownLimits().map((item) => item.text));
    expect(misses.filter((miss) => !limits.has(miss.text))).toEqual([]);
    expect(falsePositives.filter((found) => !limits.has(found.text))).toEqual([]);
  });

  const bitext = bitextSet(BITEXT);
  it.skipIf(bitext === undefined)('on real utterances (Bitext): finds order ids and names, redacts nothing in the rest', () => {
    const items = bitext!;
    const { byType } = measure(`Bitext utterances (${items.length}; order/invoice ids and person names annotated)`, items);
    expect(byType.get('ORDER')!.recall).toBeGreaterThanOrEqual(0.95);
    expect(byType.get('NAME')!.recall).toBeGreaterThanOrEqual(0.95);
    const unlabelled = items.filter((item) => item.spans.length === 0);
    expect(unlabelled.length).toBeGreaterThan(3000);
    expect(unlabelled.flatMap((item) => redact(item.text).findings.map((finding) => item.text.slice(finding.start, finding.end)))).toEqual([]);
  });
  if (bitext === undefined) console.log(`Bitext measurement skipped: ${BITEXT} is absent (CI has it; see datasets/README.md)`);
});
