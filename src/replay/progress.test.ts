import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.ts';
import type { QueryRows } from './types.ts';

function sink(isTTY: boolean): Writable & { text: string; isTTY: boolean } {
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      stream.text += chunk.toString();
      callback();
    },
  }) as Writable & { text: string; isTTY: boolean };
  stream.text = '';
  stream.isTTY = isTTY;
  return stream;
}

const rows = (failed: boolean): QueryRows =>
  ({ responses: [{ status: failed ? 'failed' : 'ok' }], judgments: [] }) as unknown as QueryRows;

describe('progress', () => {
  it('prints a plain line with rate and ETA at most every interval when not on a terminal', () => {
    const output = sink(false);
    let now = 0;
    const progress = createProgress({ output, total: 100, intervalSeconds: 5, now: () => now });
    for (let index = 0; index < 40; index++) {
      now += 250; // 4 queries per second
      progress.tick(rows(index === 3));
    }
    progress.skip();
    progress.stop();
    const lines = output.text.trim().split('\n');
    expect(lines).toHaveLength(2 + 1); // at 5 s, at 10 s, and the final line
    expect(lines[0]).toMatch(/^replay: 20\/100 queries \(0 resumed\) 4\.0 q\/s eta 20s failed calls 1 rejects 0$/);
    expect(lines.at(-1)).toMatch(/^replay: 41\/100 queries \(1 resumed\)/);
  });

  it('draws a bar on a terminal', () => {
    const output = sink(true);
    const progress = createProgress({ output, total: 10 });
    progress.tick(rows(false));
    progress.stop();
    expect(output.text).toContain('1/10 queries');
  });
});
