import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from './store.ts';
import { fullBatch, tempDir } from './test-records.ts';
import type { Store } from './types.ts';

const PROBE = fileURLToPath(new URL('./open-probe.fixture.ts', import.meta.url));
const run = promisify(execFile);
let dir: ReturnType<typeof tempDir>;
let writer: Store;
let path: string;

async function probe(database: string): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [PROBE, database], { timeout: 20_000 });
  return JSON.parse(stdout.trim()) as Record<string, unknown>;
}

beforeEach(async () => {
  dir = tempDir();
  path = join(dir.path, 'live.duckdb');
  writer = await openStore(path);
  await writer.createRun({ runId: 'r1', mode: 'shadow', dataset: 'd.jsonl', policy: 'oracle', config: {} });
  await writer.writeBatch('r1', fullBatch('r1', 0, 10));
});
afterEach(async () => {
  await writer.close();
  dir.remove();
});

describe('another process while a writer has the file open', () => {
  it('cannot open it, even read-only, and is told why', async () => {
    const seen = await probe(path);
    expect(seen).toMatchObject({ ok: false, name: 'UsageError' });
    expect(seen['message']).toMatch(/another process has this database open for writing/);
    expect(seen['message']).toMatch(/Could not set lock/);
  }, 30_000);

  it('can read a snapshot the writer takes, and a later snapshot replaces it', async () => {
    const snapshotPath = join(dir.path, 'snapshot.duckdb');
    await writer.snapshot(snapshotPath);
    expect(await probe(snapshotPath)).toEqual({ ok: true, queries: 10, pairs: 10 });

    await writer.writeBatch('r1', fullBatch('r1', 10, 5));
    await writer.snapshot(snapshotPath);
    expect(await probe(snapshotPath)).toEqual({ ok: true, queries: 15, pairs: 15 });
    expect(existsSync(`${snapshotPath}.wal`)).toBe(false);
  }, 30_000);

  it('can open it once the writer has closed; a read-only store can snapshot too', async () => {
    await writer.close();
    expect(await probe(path)).toEqual({ ok: true, queries: 10, pairs: 10 });
    const reader = await openStore(path, { readOnly: true });
    try {
      await reader.snapshot(join(dir.path, 'from-read-only.duckdb'));
    } finally {
      await reader.close();
    }
    expect(await probe(join(dir.path, 'from-read-only.duckdb'))).toEqual({ ok: true, queries: 10, pairs: 10 });
    writer = await openStore(path);
  }, 30_000);
});
