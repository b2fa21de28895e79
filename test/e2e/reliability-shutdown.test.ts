import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows, sampleHead, sleep, writeConfig } from '../fixtures/reliability/harness.ts';
import { runCli, startCli, tempDir, type CliResult } from './cli.ts';

/*
 * Graceful shutdown (SIGINT is covered in faults.test.ts; here SIGTERM, a second signal, and a signal
 * before anything is stored). What must hold after each: the process exits promptly (long per-attempt
 * timeouts are not waited out), the database is closed cleanly (no WAL left, it reopens), no query is
 * half-stored and no call is stored as 'interrupted' (a query cut short is dropped whole and redone),
 * and --resume ends with the rows and aggregates of an uninterrupted run.
 */

const QUERIES = 40;
let dir: string;
let log: string;
let config: string;
let reference: string[];

const args = (db: string, runId: string, timeScale: string): string[] => ['replay', '-c', config, '--dataset', log, '--sim', '--sim-time-scale', timeScale, '--db', db, '--run-id', runId];

async function pairs(db: string, runId: string): Promise<string[]> {
  return (
    await rows<Record<string, unknown>>(
      db,
      `SELECT query_id, tier, candidate_status, candidate_score, baseline_status, baseline_score, fallback_used, served_score FROM pairs WHERE run_id = ? ORDER BY query_id`,
      [runId],
    )
  ).map((row) => JSON.stringify(Object.values(row)));
}

interface Stopped {
  result: CliResult;
  /** From the last signal to the exit. */
  exitMs: number;
  run: { status: string; finished: boolean; stored: number; interrupted: number; orphans: number } | undefined;
  wal: boolean;
}

/**
 * Starts a replay with calls that take a while, signals it, and looks at what it left. With
 * `afterOpen`, the first delay counts from the database file appearing: the CLI installs its signal
 * handler before it opens the store, and on a loaded machine loading the CLI alone can take seconds.
 */
async function stop(runId: string, signals: Array<{ signal: NodeJS.Signals; afterMs: number }>, afterOpen = true): Promise<Stopped> {
  const db = join(dir, `${runId}.duckdb`);
  const { child, done } = startCli(args(db, runId, '0.3'));
  if (afterOpen) {
    const deadline = performance.now() + 30_000;
    while (!existsSync(db) && child.exitCode === null && performance.now() < deadline) await sleep(20);
  }
  let last = performance.now();
  for (const { signal, afterMs } of signals) {
    if (afterMs > 0) await sleep(afterMs);
    child.kill(signal);
    last = performance.now();
  }
  const result = await done;
  const exitMs = performance.now() - last;
  const [run] = existsSync(db)
    ? await rows<{ status: string; finished: boolean; stored: number; interrupted: number; orphans: number }>(
        db,
        `SELECT status, finished_at IS NOT NULL AS finished,
                (SELECT count(*) FROM queries WHERE run_id = $1) AS stored,
                (SELECT count(*) FROM responses WHERE run_id = $1 AND status = 'interrupted') AS interrupted,
                (SELECT count(*) FROM pairs WHERE run_id = $1 AND (candidate_status IS NULL OR baseline_status IS NULL)) AS orphans
         FROM runs WHERE run_id = $1`,
        [runId],
      )
    : [];
  return { result, exitMs, run, wal: existsSync(`${db}.wal`) };
}

async function resumeAndCompare(runId: string): Promise<void> {
  const db = join(dir, `${runId}.duckdb`);
  const resumed = await runCli([...args(db, runId, '0'), '--resume']);
  expect(resumed.code, resumed.stderr).toBe(0);
  const [run] = await rows<{ status: string; query_count: number }>(db, 'SELECT status, query_count FROM runs WHERE run_id = ?', [runId]);
  expect(run).toEqual({ status: 'complete', query_count: QUERIES });
  expect(await pairs(db, runId)).toEqual(reference);
}

beforeAll(async () => {
  dir = tempDir('hybrid-eval-shutdown-');
  log = sampleHead(dir, QUERIES);
  // Long per-attempt timeouts: a shutdown that waited for them would show in exitMs.
  config = writeConfig(dir, { timeoutMs: 30_000, batchSize: 4, maxInFlight: 8 });
  const db = join(dir, 'reference.duckdb');
  const result = await runCli(args(db, 'reference', '0'));
  expect(result.code, result.stderr).toBe(0);
  reference = await pairs(db, 'reference');
  expect(reference).toHaveLength(QUERIES);
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('graceful shutdown', () => {
  it('SIGTERM: saves what is done, marks the run interrupted, closes the database cleanly; --resume completes it', async () => {
    const stopped = await stop('term', [{ signal: 'SIGTERM', afterMs: 2500 }]);
    expect(stopped.result.stderr).toContain('SIGTERM: finishing calls in flight and saving');
    expect(stopped.result.code).toBe(143);
    expect(stopped.result.stdout).toContain('run term: interrupted');
    expect(stopped.exitMs).toBeLessThan(10_000);
    expect(stopped.wal).toBe(false);
    expect(stopped.run).toMatchObject({ status: 'interrupted', finished: true, interrupted: 0, orphans: 0 });
    expect(stopped.run!.stored).toBeLessThan(QUERIES);
    await resumeAndCompare('term');
  }, 60_000);

  it('a second signal quits at once; the database is still consistent and --resume completes it', async () => {
    // The first signal starts the graceful stop; the second, right behind it, exits without waiting.
    // Sent back to back: the stop aborts the calls in flight and can be over within 50 ms, and a
    // signal that lands in the process's own exit after that is not what this test is about.
    const stopped = await stop('twice', [
      { signal: 'SIGINT', afterMs: 2500 },
      { signal: 'SIGTERM', afterMs: 0 },
    ]);
    // 128 + the first signal the process saw: sent back to back, two signals can reach Node's loop in
    // either order (each thread that takes one writes it to libuv's pipe), so 130 or 143; never 0 or 1.
    expect([130, 143]).toContain(stopped.result.code);
    expect(stopped.result.stdout).not.toContain('run twice: complete');
    // Not waiting out the 30 s per-attempt timeouts; the bound leaves a loaded machine room to exit.
    expect(stopped.exitMs).toBeLessThan(10_000);
    // Not closed, so the run could not be marked: it stays 'running', never 'complete'.
    expect(stopped.run).toMatchObject({ interrupted: 0, orphans: 0 });
    expect(['running', 'interrupted']).toContain(stopped.run!.status);
    await resumeAndCompare('twice');
  }, 60_000);

  it('a signal before any query is stored leaves no run that looks complete, and --resume (or a rerun) completes it', async () => {
    const stopped = await stop('early', [{ signal: 'SIGTERM', afterMs: 400 }], false);
    expect(stopped.result.stdout).not.toContain('complete');
    // Before the CLI has loaded, the signal's default action ends the process (nothing is open yet);
    // after, the handler stops the replay.
    if (stopped.result.signal === null) expect(stopped.result.code).toBe(143);
    else expect(stopped.result.signal).toBe('SIGTERM');
    if (stopped.run === undefined) {
      const rerun = await runCli(args(join(dir, 'early.duckdb'), 'early', '0'));
      expect(rerun.code, rerun.stderr).toBe(0);
    } else {
      expect(stopped.run.status).not.toBe('complete');
      await resumeAndCompare('early');
    }
  }, 60_000);
});
