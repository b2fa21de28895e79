import { isUtf8 } from 'node:buffer';
import { writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openLog } from './open-log.ts';
import { collect, makeTempDir } from './test-support.ts';
import { firstInvalidUtf8, incompleteTail, Utf8LineChecker } from './utf8-check.ts';

const temp = makeTempDir('utf8');
afterAll(() => temp.cleanup());

/** Bytes that can never continue what precedes them when put between whole characters. */
const badByte = fc.constantFrom(0xff, 0xfe, 0x80, 0xbf, 0xc0, 0xc1, 0xc3, 0xe2, 0xed, 0xf0, 0xf5);
const lineText = fc.string({ unit: fc.constantFrom('a', ' ', ',', '"', '\u00e9', '\u20ac', '\u{1F600}', '\u0800', '\uffff'), maxLength: 12 });

describe('firstInvalidUtf8', () => {
  it('agrees with the platform validator on any bytes, and everything before the offset is valid', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const offset = firstInvalidUtf8(bytes);
        expect(offset === -1).toBe(isUtf8(bytes));
        if (offset !== -1) expect(isUtf8(bytes.subarray(0, offset))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('finds nothing in encoded strings; a cut inside the last character is a tail, not an error', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }).filter((text) => text.isWellFormed()), fc.nat(3), (text, cut) => {
        const bytes = Buffer.from(text, 'utf8');
        expect(firstInvalidUtf8(bytes)).toBe(-1);
        expect(incompleteTail(bytes)).toBe(0);
        const shortened = bytes.subarray(0, Math.max(0, bytes.length - cut));
        const tail = incompleteTail(shortened);
        expect(isUtf8(shortened.subarray(0, shortened.length - tail))).toBe(true);
      }),
    );
  });
});

describe('Utf8LineChecker', () => {
  it('names exactly the lines holding bad bytes, however the stream is chunked and whatever the line breaks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ text: lineText, bad: fc.option(fc.tuple(badByte, fc.nat()), { nil: undefined }) }), { minLength: 1, maxLength: 15 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.array(fc.nat(), { maxLength: 6 }),
        (lines, newline, cuts) => {
          const parts: Buffer[] = [];
          const want: number[] = [];
          lines.forEach((line, index) => {
            const text = Buffer.from(line.text, 'utf8');
            if (line.bad === undefined) {
              parts.push(text);
            } else {
              // Put the bad byte between two whole characters of the line.
              const boundaries = [0, ...[...line.text].map((_, at) => Buffer.byteLength([...line.text].slice(0, at + 1).join('')))];
              const at = boundaries[line.bad[1] % boundaries.length]!;
              parts.push(text.subarray(0, at), Buffer.from([line.bad[0]]), text.subarray(at));
              want.push(index + 1);
            }
            if (index < lines.length - 1) parts.push(Buffer.from(newline));
          });
          const whole = Buffer.concat(parts);
          const checker = new Utf8LineChecker();
          let start = 0;
          for (const cut of [...cuts.map((value) => value % (whole.length + 1))].sort((a, b) => a - b)) {
            checker.push(whole.subarray(start, Math.max(start, cut)));
            start = Math.max(start, cut);
          }
          checker.push(whole.subarray(start));
          checker.end();
          expect(checker.badLines).toEqual(want);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('readers and invalid UTF-8', () => {
  it('reject the JSONL line and the CSV record that hold invalid bytes, keeping the rest', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }), badByte, async (badness, byte) => {
        const jsonl = Buffer.concat(
          badness.map((bad, index) =>
            Buffer.concat([Buffer.from(`{"query_id":"q${index}","query":"caf\u00e9 `), bad ? Buffer.from([byte]) : Buffer.alloc(0), Buffer.from('"}\n')]),
          ),
        );
        const csv = Buffer.concat([
          Buffer.from('query_id,query\r\n'),
          ...badness.map((bad, index) => Buffer.concat([Buffer.from(`q${index},"caf\u00e9\r\n`), bad ? Buffer.from([byte]) : Buffer.alloc(0), Buffer.from(' x"\r\n')])),
        ]);
        const jsonlPath = temp.path('bad.jsonl');
        const csvPath = temp.path('bad.csv');
        writeFileSync(jsonlPath, jsonl);
        writeFileSync(csvPath, csv);
        const fromJsonl = await collect(await openLog({ path: jsonlPath, mapping: {} }));
        const fromCsv = await collect(await openLog({ path: csvPath, mapping: {} }));
        const badIndexes = badness.flatMap((bad, index) => (bad ? [index] : []));
        expect(fromJsonl.rejects.map((reject) => reject.line)).toEqual(badIndexes.map((index) => index + 1));
        expect(fromCsv.rejects.map((reject) => reject.line)).toEqual(badIndexes.map((index) => 2 + 2 * index));
        for (const reject of [...fromJsonl.rejects, ...fromCsv.rejects]) expect(reject.reason).toMatch(/^invalid UTF-8/);
        expect(fromJsonl.queries.map((query) => query.text)).toEqual(badness.flatMap((bad) => (bad ? [] : ['caf\u00e9'])));
        expect(fromCsv.queries.map((query) => query.text)).toEqual(badness.flatMap((bad) => (bad ? [] : ['caf\u00e9\r\n x'])));
      }),
      { numRuns: 40 },
    );
  });
});
