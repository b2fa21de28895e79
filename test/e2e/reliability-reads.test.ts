import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { startSim } from '../../src/sim/server.ts';
import { openStore } from '../../src/store/store.ts';
import { ROOT, rows, sampleHead, sleep, startFaultProxy, writeConfig, type FaultProxy } from '../fixtures/reliability/harness.ts';
import { runCli, startCli, tempDir, type CliResult } from './cli.ts';

/*
 * Analysts and a running replay. DuckDB lets one process open a file for writing and then no other
 * process may open it at all, not even read-only (src/store/README.md, "Reading while a replay writes").
 * What must hold: an analyst who tries is told why at once (exit 2, one line), is never blocked and never
 * disturbs the replay; once the replay is done, the database and an export of it are readable. And the
 * other way round: a replay that finds the file held by an analyst stops before creating anything.
 */

const QUERIES = 60;
const LOCKED = /another process has this database open/;
let dir: string;
let log: string;
let config: string;

beforeAll(() => {
  dir = tempDir('hybrid-eval-reads-');
  log = sampleHead(dir, QUERIES);
  config = writeConfig(dir, { batchSize: 5, maxInFlight: 8 });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const replayArgs = (db: string, runId: string, timeScale: string, extra: string[] = []): string[] => [
  'replay', '-c', config, '--dataset', log, '--sim', '--sim-time-scale', timeScale, '--db', db, '--run-id', runId, ...extra,
];

/** Polls with `hybrid-eval runs` until the replay holds the file (its first write has happened). */
async function waitForLock(db: string, replay: { exitCode: number | null }): Promise<CliResult> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const result = await runCli(['runs', '--db', db]);
    if (LOCKED.test(result.stderr)) return result;
    if (replay.exitCode !== null) throw new Error('the replay ended before an analyst found it running');
    await sleep(100);
  }
  throw new Error('the replay never held the database');
}

/**
 * A replay that cannot finish until the test lets it: its endpoints sit behind a proxy that holds the
 * chat requests `holds` picks until `release()`. Long per-call timeouts, so a held call waits rather
 * than fails. What the tests check while it runs then holds however slow the machine is.
 */
async function heldReplay(name: string, holds: () => boolean, extra: string[] = []): Promise<ReturnType<typeof startCli> & { release(): void; stop(): Promise<void> }> {
  const sim = await startSim({ timeScale: 0, seed: 7, referenceFiles: [log] });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const proxy: FaultProxy = await startFaultProxy(sim.url, () => (holds() ? { hold: released } : 'pass'));
  const configDir = join(dir, `${name}-config`);
  mkdirSync(configDir);
  const heldConfig = writeConfig(configDir, { baseUrl: proxy.url, timeoutMs: 120_000, batchSize: 5, maxInFlight: 8 });
  const { child, done } = startCli(['replay', '-c', heldConfig, '--dataset', log, '--db', join(dir, `${name}.duckdb`), '--run-id', name, ...extra]);
  return {
    child,
    done,
    release,
    // After a failed check too: the replay does not outlive its test.
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      release();
      await proxy.close();
      await sim.close();
    },
  };
}

describe('an analyst while a replay writes', () => {
  it('is refused at once with a clear reason, never blocks or disturbs the replay, and reads everything after', async () => {
    const db = join(dir, 'live.duckdb');
    // Every chat call is held until the analyst's attempts are over: the replay is running throughout.
    const { child, done, release, stop } = await heldReplay('live', () => true);
    try {
      const runs = await waitForLock(db, child);
      expect(runs.code).toBe(2);
      expect(runs.stderr.trim().split('\n')).toHaveLength(1);
      expect(runs.stderr).toMatch(/Wait for it to finish, or read a snapshot it writes/);

      // Refused, not queued behind the writer: the writer cannot finish until release(), so an export
      // that waited for it would never return and the test would time out.
      const out = join(dir, 'export-during');
      const exported = await runCli(['export', '--run', 'live', '--format', 'parquet', '--out', out, '--db', db]);
      expect(exported.code).toBe(2);
      expect(exported.stderr).toMatch(LOCKED);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);

      // The same from inside a Node process (a notebook): a UsageError, nothing left open.
      await expect(openStore(db, { readOnly: true })).rejects.toThrow(UsageError);
      await expect(openStore(db, { readOnly: true })).rejects.toThrow(LOCKED);
      expect(child.exitCode).toBeNull();
      release();
      const replay = await done;
      expect(replay.code, replay.stderr).toBe(0);
      expect(replay.stdout).toContain(`run live: complete; ${QUERIES} queries replayed`);
      const [run] = await rows<{ status: string; n: number; pairs: number }>(
        db,
        `SELECT status, (SELECT count(*) FROM queries WHERE run_id = 'live') AS n, (SELECT count(*) FROM pairs WHERE run_id = 'live' AND candidate_status IS NOT NULL AND baseline_status IS NOT NULL) AS pairs FROM runs WHERE run_id = 'live'`,
      );
      expect(run).toEqual({ status: 'complete', n: QUERIES, pairs: QUERIES });

      // Afterwards: export, and the files read with no lock at all, by any DuckDB.
      const after = join(dir, 'export-after');
      const exportedAfter = await runCli(['export', '--run', 'live', '--format', 'parquet', '--out', after, '--db', db]);
      expect(exportedAfter.code, exportedAfter.stderr).toBe(0);
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      try {
        const reader = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${join(after, 'pairs.parquet')}')`);
        expect(reader.getRowObjectsJson()).toEqual([{ n: QUERIES }]);
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    } finally {
      await stop();
    }
  }, 60_000);

  /*
   * Was a gap (the lock error told the analyst to "read a snapshot it writes", and the replay wrote
   * none); `replay --snapshot PATH [--snapshot-every N]` now calls store.snapshot(PATH) after every N
   * committed batches and once at the end, and goes on with a warning if a snapshot fails.
   */
  it('can read a snapshot the replay writes while it runs (replay --snapshot)', async () => {
    const snapshot = join(dir, 'snap-copy.duckdb');
    // Once the first snapshot is there, calls are held until the test has read it: it is read while
    // the replay runs, however fast or slow the machine.
    const { done, release, stop } = await heldReplay('snap', () => existsSync(snapshot), ['--snapshot', snapshot, '--snapshot-every', '1']);
    try {
      let seen: { n: number } | undefined;
      for (let attempt = 0; attempt < 600 && seen === undefined; attempt++) {
        if (existsSync(snapshot)) [seen] = await rows<{ n: number }>(snapshot, `SELECT count(*) AS n FROM queries WHERE run_id = 'snap'`);
        else await sleep(100);
      }
      release();
      const replay = await done;
      expect(replay.code, replay.stderr).toBe(0);
      expect(seen).toBeDefined();
      expect(seen!.n).toBeGreaterThan(0);
      expect(seen!.n).toBeLessThan(QUERIES);
      // And the one written at the end has everything.
      const [last] = await rows<{ n: number }>(snapshot, `SELECT count(*) AS n FROM queries WHERE run_id = 'snap'`);
      expect(last!.n).toBe(QUERIES);
    } finally {
      await stop();
    }
  }, 60_000);
});

describe('a replay while an analyst holds the database', () => {
  let blockedMessage = '';

  it('stops before creating anything, says why, and leaves the file as it was', async () => {
    const db = join(dir, 'held.duckdb');
    const first = await runCli(replayArgs(db, 'before', '0', ['--limit', '5']));
    expect(first.code, first.stderr).toBe(0);

    const analyst = spawn(process.execPath, [join(ROOT, 'test/fixtures/reliability/hold-open.ts'), db], { stdio: ['pipe', 'pipe', 'pipe'] });
    const opened = await new Promise<string>((resolve, reject) => {
      analyst.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      analyst.once('exit', (code) => reject(new Error(`analyst exited with ${code}`)));
    });
    expect(JSON.parse(opened)).toEqual({ open: true, runs: 1 });
    try {
      const blocked = await runCli(replayArgs(db, 'during', '0', ['--limit', '5']));
      expect(blocked.code).toBe(2);
      expect(blocked.stderr).toMatch(LOCKED);
      expect(blocked.stderr).not.toMatch(/unexpected error/);
      blockedMessage = blocked.stderr;
    } finally {
      analyst.stdin.end();
      await new Promise((resolve) => analyst.once('exit', resolve));
    }
    expect(await rows<{ run_id: string; status: string }>(db, 'SELECT run_id, status FROM runs ORDER BY run_id')).toEqual([{ run_id: 'before', status: 'complete' }]);
  }, 60_000);

  /*
   * Was a bug: every lock conflict was worded "open for writing", also when the holder is a reader (a
   * notebook) and the one refused is the replay. describeOpenError (src/store/open-instance.ts) now
   * tells the cases apart by our own open mode: a read-write open conflicts with anyone.
   */
  it('says that a reader holds the file, not a writer', () => {
    expect(blockedMessage).toMatch(LOCKED);
    expect(blockedMessage).not.toMatch(/open for writing/);
  });
});
