import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Query, Reject } from '../core/query.ts';
import { openLog } from './open-log.ts';
import { collect, makeTempDir } from './test-support.ts';

/*
 * Round trips through the real readers and real files: whatever text a log holds (quotes, commas,
 * line breaks of every kind, NUL, BOM characters, astral unicode), a query comes back as its trimmed
 * text on the line its record starts, or as a reject on that line with the documented reason.
 */

const temp = makeTempDir('ingest-property');
afterAll(() => temp.cleanup());
let fileCount = 0;
function write(extension: string, content: string): string {
  const path = temp.path(`log-${++fileCount}.${extension}`);
  writeFileSync(path, content, 'utf8');
  return path;
}

/** One character or a break: the awkward ones often, any well-formed code point otherwise. */
const unit = fc.oneof(
  fc.constantFrom('"', ',', '\n', '\r\n', '\r', ' ', '\t', '\\', "'", '\u00e9', '\u{1F600}', '\u2028', '\ufeff', '{', '}', '\u0000', 'x'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((text) => text.isWellFormed()),
);
const text = fc.string({ unit, maxLength: 24 });
const tier = fc.constantFrom('simple', 'medium', 'complex', 'Simple', ' COMPLEX ');
const lineBreak = fc.constantFrom('\n', '\r\n');

interface LogRecord {
  id: string;
  query: string;
  tier: string | undefined;
}
/** Ids unique after trimming, so duplicate-id rejects stay out of the model. */
const records = fc.uniqueArray(
  fc.record({ id: fc.stringMatching(/^[A-Za-z0-9-]{1,8}$/), query: text, tier: fc.option(tier, { nil: undefined }) }),
  { selector: (record) => record.id, maxLength: 12 },
);

type Expected = { kind: 'query'; query: Omit<Query, 'source'> & { line: number } } | { kind: 'reject'; line: number; reason: string };

/** The documented rules (src/ingest/README.md), written out independently of the reader. */
function expected(record: LogRecord, line: number): Expected {
  if (record.query.includes('\u0000')) return { kind: 'reject', line, reason: 'query: contains a NUL byte' };
  const trimmed = record.query.trim();
  if (trimmed === '') return { kind: 'reject', line, reason: 'query: empty' };
  const query: Omit<Query, 'source'> & { line: number } = { queryId: record.id, text: trimmed, line };
  if (record.tier !== undefined) query.label = record.tier.trim().toLowerCase() as Query['label'] & string;
  return { kind: 'query', query };
}

function actual(result: { queries: Query[]; rejects: Reject[] }): Expected[] {
  const items: Expected[] = [
    ...result.queries.map((query): Expected => {
      const { source, ...rest } = query;
      return { kind: 'query', query: { ...rest, line: source!.line } };
    }),
    ...result.rejects.map((reject): Expected => ({ kind: 'reject', line: reject.line, reason: reject.reason })),
  ];
  return items.sort((a, b) => lineOf(a) - lineOf(b));
}
const lineOf = (item: Expected): number => (item.kind === 'query' ? item.query.line : item.line);

function countBreaks(value: string): number {
  return value.match(/\r\n|\r|\n/g)?.length ?? 0;
}

describe('JSONL reader (property)', () => {
  it('gives back every record as a query or a reject on its own line, whatever the text and line endings', async () => {
    await fc.assert(
      fc.asyncProperty(records, fc.array(fc.nat(2), { minLength: 12, maxLength: 12 }), lineBreak, fc.boolean(), async (logRecords, blanks, newline, bom) => {
        let content = bom ? '\ufeff' : '';
        let line = 1;
        const want: Expected[] = [];
        logRecords.forEach((record, index) => {
          for (let blank = 0; blank < (blanks[index] ?? 0); blank++) {
            content += (blank % 2 === 0 ? '' : '  ') + newline;
            line++;
          }
          const json: Record<string, string> = { query_id: record.id, query: record.query };
          if (record.tier !== undefined) json.tier = record.tier;
          content += JSON.stringify(json) + newline;
          want.push(expected(record, line));
          line++;
        });
        if (logRecords.length === 0) return;
        const path = write('jsonl', content);
        const got = actual(await collect(await openLog({ path, mapping: {} })));
        expect(got).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });

  it('reports the line of each invalid record, whatever comes before it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(text.map((value) => ({ good: true, value })), fc.constantFrom('{"query": "unclosed', '[1]', 'null', '{"query": 7}').map((value) => ({ good: false, value })))), lineBreak, async (lines, newline) => {
        const content = lines.map((entry, index) => (entry.good ? JSON.stringify({ query_id: `q${index}`, query: `x${entry.value}` }) : entry.value)).join(newline);
        if (lines.length === 0) return;
        const path = write('jsonl', content);
        const { queries, rejects } = await collect(await openLog({ path, mapping: {} }));
        const badLines = lines.flatMap((entry, index) => (entry.good ? [] : [index + 1]));
        const rejectedBad = rejects.filter((reject) => badLines.includes(reject.line));
        expect(rejectedBad.map((reject) => reject.line)).toEqual(badLines);
        for (const reject of rejectedBad) expect(reject.reason).toMatch(/^(invalid JSON: |not a JSON object$|query: expected a string, got number$)/);
        for (const query of queries) expect(query.queryId).toBe(`q${query.source!.line - 1}`);
      }),
      { numRuns: 60 },
    );
  });
});

/** RFC 4180 quoting: a field with a quote, comma or line break is quoted, quotes doubled. */
function csvField(value: string, alwaysQuote: boolean): string {
  return alwaysQuote || /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replaceAll('"', '""')}"` : value;
}

describe('CSV reader (property)', () => {
  it('round-trips quotes, commas, line breaks and unicode, reporting the line each record starts on', async () => {
    await fc.assert(
      fc.asyncProperty(records, fc.array(fc.nat(1), { minLength: 12, maxLength: 12 }), lineBreak, fc.boolean(), fc.boolean(), async (logRecords, blanks, newline, bom, alwaysQuote) => {
        if (logRecords.length === 0) return;
        let content = `${bom ? '\ufeff' : ''}query_id,query,tier${newline}`;
        let line = 2;
        const want: Expected[] = [];
        logRecords.forEach((record, index) => {
          for (let blank = 0; blank < (blanks[index] ?? 0); blank++) {
            content += newline;
            line++;
          }
          const row = [record.id, record.query, record.tier ?? ''].map((field) => csvField(field, alwaysQuote)).join(',');
          content += row + newline;
          want.push(expected(record, line));
          line += 1 + countBreaks(row);
        });
        const path = write('csv', content);
        const got = actual(await collect(await openLog({ path, mapping: {} })));
        expect(got).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });
});
