import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from './store.ts';
import { tempDir } from './test-records.ts';

const FIXTURE = fileURLToPath(new URL('./kill-writer.fixture.ts', import.meta.url));
let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

interface Child {
  stdout: string;
  signal: NodeJS.Signals | null;
  code: number | null;
}

/** Runs the fixture; `killAfter` lines of output, the parent SIGKILLs it. */
function runWriter(path: string, mode: string, batchSize: number, killAfter?: number): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE, path, mode, String(batchSize)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
      if (killAfter !== undefined && stdout.split('\n').length - 1 >= killAfter) child.kill('SIGKILL');
    });
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer ended with code ${code}, not SIGKILL: ${stderr}`));
      else resolve({ stdout, signal, code });
    });
  });
}

async function storedCounts(path: string) {
  const store = await openStore(path);
  try {
    const [row] = await store.all<{ queries: number; routes: number; responses: number; judgments: number }>(
      `SELECT (SELECT count(*) FROM queries) AS queries, (SELECT count(*) FROM routes) AS routes,
              (SELECT count(*) FROM responses) AS responses, (SELECT count(*) FROM judgments) AS judgments`,
    );
    // Every stored query has all of its rows: that is what --resume relies on.
    const [orphans] = await store.all<{ n: number }>(
      `SELECT count(*) AS n FROM queries q
       WHERE (SELECT count(*) FROM responses r WHERE r.run_id = q.run_id AND r.query_id = q.query_id) <> 2
          OR (SELECT count(*) FROM judgments j WHERE j.run_id = q.run_id AND j.query_id = q.query_id) <> 2`,
    );
    return { ...row!, incomplete: orphans!.n, run: (await store.getRun('killed'))?.status };
  } finally {
    await store.close();
  }
}

describe('a writer killed with SIGKILL', () => {
  it('leaves only whole batches when killed at an arbitrary point of its write loop', async () => {
    const path = join(dir.path, 'killed-loop.duckdb');
    const batchSize = 200;
    const child = await runWriter(path, 'loop', batchSize, 4);
    const committedSeen = child.stdout.split('\n').filter((line) => line.startsWith('committed')).length;
    expect(committedSeen).toBeGreaterThanOrEqual(4);
    expect(existsSync(path)).toBe(true);

    const counts = await storedCounts(path);
    expect(counts.queries % batchSize).toBe(0);
    // Everything it reported committed survived; at most the batches after that may be lost.
    expect(counts.queries).toBeGreaterThanOrEqual(committedSeen * batchSize);
    expect(counts.routes).toBe(counts.queries);
    expect(counts.responses).toBe(2 * counts.queries);
    expect(counts.judgments).toBe(2 * counts.queries);
    expect(counts.incomplete).toBe(0);
    expect(counts.run).toBe('running');
  }, 30_000);

  it('loses the batch whose transaction was open, keeps the committed ones', async () => {
    const path = join(dir.path, 'killed-mid-batch.duckdb');
    const child = await runWriter(path, 'die-in-transaction', 50);
    // The rows had been appended and flushed: the transaction could see all three batches.
    expect(child.stdout).toContain('uncommitted rows visible inside the transaction: 150');
    expect(await storedCounts(path)).toEqual({ queries: 100, routes: 100, responses: 200, judgments: 200, incomplete: 0, run: 'running' });
  }, 30_000);
});
