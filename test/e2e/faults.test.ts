import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { runCli, startCli, tempDir } from './cli.ts';

async function rows<T = Record<string, unknown>>(db: string, sql: string): Promise<T[]> {
  const store = await openStore(db, { readOnly: true });
  try {
    return await store.all<T>(sql);
  } finally {
    await store.close();
  }
}

/** The example config with short timeouts and small batches, so faults resolve quickly in tests. */
function fastConfig(dir: string): string {
  const file = join(dir, 'config.yaml');
  writeFileSync(
    file,
    readFileSync('examples/sim.yaml', 'utf8')
      .replace(/timeout_ms: \d+/g, 'timeout_ms: 1500')
      .replace('batch_size: 200', 'batch_size: 20'),
  );
  return file;
}

describe('replay under faults (sim)', () => {
  it('accounts for every query under 500s, 429s, timeouts, cut streams and malformed judge JSON', async () => {
    const dir = tempDir();
    const db = join(dir, 'f.duckdb');
    const result = await runCli([
      'replay', '-c', fastConfig(dir), '--sim', '--sim-time-scale', '0', '--limit', '300', '--db', db, '--run-id', 'faults',
      '--sim-faults', '500=0.05,429=0.03,timeout=0.01,cut=0.02,bad_json=0.3',
    ]);
    expect(result.stderr).not.toContain('unexpected error');
    expect(result.code).toBe(0);
    const calls = await rows<{ role: string; n: number; distinct_queries: number; retried: number; failed: number }>(
      db,
      `SELECT role, count(*) AS n, count(DISTINCT query_id) AS distinct_queries,
              count(*) FILTER (WHERE status = 'ok_after_retry') AS retried, count(*) FILTER (WHERE status = 'failed') AS failed
       FROM responses WHERE run_id = 'faults' AND role IN ('candidate', 'baseline') GROUP BY role ORDER BY role`,
    );
    // Every query has exactly one candidate and one baseline row: ok, ok after retries, or failed with its cause.
    expect(calls.map((row) => [row.role, row.n, row.distinct_queries])).toEqual([
      ['baseline', 300, 300],
      ['candidate', 300, 300],
    ]);
    expect(calls.reduce((sum, row) => sum + row.retried, 0)).toBeGreaterThan(10);
    const failures = await rows<{ error: string; attempts: number }>(db, `SELECT error, attempts FROM responses WHERE run_id = 'faults' AND status = 'failed'`);
    for (const failure of failures) {
      expect(failure.error.length).toBeGreaterThan(0);
      expect(failure.attempts).toBeGreaterThan(1);
    }
    // Malformed verdicts: repaired once, otherwise unscored with a reason and no score.
    const judged = await rows<{ status: string; n: number; with_score: number; with_reason: number }>(
      db,
      `SELECT status, count(*) AS n, count(score) AS with_score, count(reason) AS with_reason FROM judgments WHERE run_id = 'faults' GROUP BY status ORDER BY status`,
    );
    const unscored = judged.find((row) => row.status === 'unscored');
    expect(unscored?.n).toBeGreaterThan(0);
    expect(unscored?.with_score).toBe(0);
    expect(unscored?.with_reason).toBe(unscored?.n);

    const gate = await runCli(['gate', '--run', 'faults', '--db', db, '--results', dir, '--json']);
    const decision = JSON.parse(gate.stdout);
    const unscoredCheck = decision.checks.find((check: { metric: string }) => check.metric === 'unscored_rate');
    expect(unscoredCheck.detail).toMatch(/^\d+ of \d+/);
    expect(Number(unscoredCheck.detail.split(' ')[0])).toBeGreaterThan(0);
  });

  it('falls back to GPT-4 when the on-prem endpoint is down, and records it', async () => {
    const dir = tempDir();
    const db = join(dir, 'down.duckdb');
    const result = await runCli([
      'replay', '-c', fastConfig(dir), '--sim', '--sim-time-scale', '0', '--limit', '60', '--db', db, '--run-id', 'down', '--sim-faults', 'down=llama-3-70b:503',
    ]);
    expect(result.code).toBe(0);
    // Simple queries go to Llama; so do sensitive ones of any tier (privacy), whose external fallback is withheld.
    const [counts] = await rows<{ on_llama: number; failed_llama: number; sensitive: number; fallbacks: number; fallback_ok: number; served: number }>(
      db,
      `SELECT count(*) FILTER (WHERE candidate_endpoint = 'llama') AS on_llama,
              count(*) FILTER (WHERE candidate_endpoint = 'llama' AND candidate_status = 'failed') AS failed_llama,
              count(*) FILTER (WHERE candidate_endpoint = 'llama' AND query_id IN (SELECT query_id FROM privacy_decisions WHERE run_id = 'down' AND sensitive)) AS sensitive,
              count(*) FILTER (WHERE fallback_used) AS fallbacks,
              count(*) FILTER (WHERE fallback_status = 'ok') AS fallback_ok,
              count(served_score) FILTER (WHERE fallback_used) AS served
       FROM pairs WHERE run_id = 'down'`,
    );
    expect(counts!.on_llama).toBeGreaterThan(20);
    expect(counts!.failed_llama).toBe(counts!.on_llama);
    const fellBack = counts!.on_llama - counts!.sensitive;
    expect(counts).toMatchObject({ fallbacks: fellBack, fallback_ok: fellBack, served: fellBack });
    const gate = await runCli(['gate', '--run', 'down', '--db', db, '--results', dir]);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toMatch(/fail candidate_error_rate/);
    expect(gate.stdout).toMatch(/fail fallback_rate/);
  });

  it('stops cleanly on SIGINT (run marked interrupted) and --resume finishes it', async () => {
    const dir = tempDir();
    const db = join(dir, 'int.duckdb');
    const config = fastConfig(dir);
    const args = (timeScale: string): string[] => ['replay', '-c', config, '--sim', '--sim-time-scale', timeScale, '--limit', '300', '--db', db, '--run-id', 'int'];
    // At a third of real time the 300 queries take half a minute or more, and the first progress line
    // comes after 5 s: the signal lands mid-run, after queries were done, on a fast machine or a slow one.
    // (A fixed delay did not: from the spawn, SIGINT could land before the CLI's handler; from the
    // database's creation, before any query was done on a loaded machine.)
    const { child, done } = startCli(args('0.3'));
    await queriesDone(child);
    child.kill('SIGINT');
    const interrupted = await done;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toContain('run int: interrupted');
    const [run] = await rows<{ status: string; n: number }>(db, `SELECT status, (SELECT count(*) FROM queries WHERE run_id = 'int') AS n FROM runs WHERE run_id = 'int'`);
    expect(run!.status).toBe('interrupted');
    expect(run!.n).toBeGreaterThan(0);
    // Nothing half-stored: every stored query has both of its calls.
    const [orphans] = await rows<{ n: number }>(db, `SELECT count(*) AS n FROM pairs WHERE run_id = 'int' AND (candidate_status IS NULL OR baseline_status IS NULL)`);
    expect(orphans!.n).toBe(0);

    const resumed = await runCli([...args('0'), '--resume']);
    expect(resumed.code).toBe(0);
    const [final] = await rows<{ status: string; n: number }>(db, `SELECT status, (SELECT count(*) FROM queries WHERE run_id = 'int') AS n FROM runs WHERE run_id = 'int'`);
    expect(final).toEqual({ status: 'complete', n: 300 });
  });
});

/** Resolves at the replay's first progress line that counts a query done (or when it exits). */
function queriesDone(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString();
      const counts = [...text.matchAll(/^replay: (\d+)\//gm)].map((match) => Number(match[1]));
      if (counts.some((count) => count > 0)) finish();
    };
    const finish = (): void => {
      child.stderr!.off('data', onData);
      child.off('exit', finish);
      resolve();
    };
    child.stderr!.on('data', onData);
    child.once('exit', finish);
  });
}
