import { createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { openLog } from './open-log.ts';
import { makeTempDir } from './test-support.ts';

const temp = makeTempDir('memory');
afterAll(() => temp.cleanup());

const LINES = 200_000;

async function writeLog(path: string): Promise<void> {
  const out = createWriteStream(path);
  const padding = 'lorem ipsum dolor sit amet '.repeat(8);
  for (let start = 0; start < LINES; start += 10_000) {
    let block = '';
    for (let index = start; index < start + 10_000; index++) {
      block += `{"query_id":"q${index}","query":"question ${index}: ${padding}","tier":"simple","channel":"chat"}\n`;
    }
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

describe('streaming memory', () => {
  it('streams a 200k-line JSONL without holding the file in memory', async () => {
    const path = temp.path('big.jsonl');
    await writeLog(path);
    const fileBytes = statSync(path).size;
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let count = 0;
    const reader = await openLog({ path, mapping: {} });
    for await (const item of reader.items()) {
      if (item.kind === 'query') count++;
      if (count % 5000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    await reader.close();
    expect(count).toBe(LINES);
    // The id set (needed for duplicate detection) grows with the file; the lines must not.
    const growth = peak - before;
    console.info(`heap growth ${(growth / 2 ** 20).toFixed(1)} MiB while streaming a ${(fileBytes / 2 ** 20).toFixed(1)} MiB file`);
    expect(growth).toBeLessThan(fileBytes / 2);
  });
});
