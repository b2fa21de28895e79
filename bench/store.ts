/**
 * The results database: ingest speed through the replay's own write path, and gate + report over a
 * million judged pairs.
 *
 *   npx node bench/store.ts [--ingest 1000000] [--pairs 1000000] [--batch 200] [--keep PATH]
 *
 * Ingest: `store.writeBatch` in transactions of --batch queries (as a replay writes), rows of
 * realistic size (query, route, candidate + baseline responses, 2 judgments, privacy row: 7 rows
 * per query); rows per second and this process's peak RSS.
 * Gate: a real 2,000-query replay against the in-process sim, copied in SQL to --pairs queries (a
 * new run whose query ids carry a copy number), then the real CLI `hybrid-eval gate` on it (decision,
 * report.md/.json/.html, junit), timed from spawn to exit. --keep PATH keeps the built database
 * there and reuses it when it exists (the build is not what is measured, and takes minutes).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { runReplayCommand } from '../src/replay/run-replay.ts';
import { openStore } from '../src/store/store.ts';
import { measure } from './lib/child.ts';
import { summariseProfile, type Frame } from './lib/cpu-profile.ts';
import { describeMachine } from './lib/machine.ts';
import { ROWS_PER_QUERY, syntheticBatch } from './lib/synthetic-rows.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/hybrid-eval.js');

export interface IngestFigure {
  queries: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
}

export async function ingestBench(queries: number, batchSize: number): Promise<IngestFigure> {
  const work = mkdtempSync(join(tmpdir(), 'hybrid-eval-ingest-'));
  const store = await openStore(join(work, 'ingest.duckdb'));
  try {
    await store.createRun({ runId: 'ingest', mode: 'shadow', dataset: 'bench', policy: 'oracle', config: {} });
    const started = performance.now();
    for (let start = 0; start < queries; start += batchSize) {
      await store.writeBatch('ingest', syntheticBatch('ingest', start, Math.min(batchSize, queries - start)));
    }
    const seconds = (performance.now() - started) / 1000;
    const [stored] = await store.all<{ n: number }>('SELECT count(*) AS n FROM judgments');
    if (Number(stored?.n) !== 2 * queries) throw new Error(`ingest stored ${stored?.n} judgments, expected ${2 * queries}`);
    const rows = queries * ROWS_PER_QUERY;
    return { queries, rows, seconds, rowsPerSecond: rows / seconds, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await store.close();
    rmSync(work, { recursive: true, force: true });
  }
}

const COPIED_TABLES = ['queries', 'routes', 'responses', 'judgments', 'privacy_decisions'];

export interface GateFigure {
  pairs: number;
  buildSeconds: number;
  gateSeconds: number;
  decision: string;
  peakRssMb: number | undefined;
}

/** A database holding a run of `pairs` judged queries (a real replay, copied); returns the run id. */
export async function buildPairsDatabase(database: string, pairs: number): Promise<{ runId: string; pairs: number }> {
  const seedQueries = 2000;
  const copies = Math.ceil(pairs / seedQueries);
  const source = await runReplayCommand({
    config: join(ROOT, 'examples/sim.yaml'),
    db: database,
    sim: true,
    simTimeScale: 0,
    limit: seedQueries,
    progressOutput: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
  const store = await openStore(database);
  try {
    const runId = 'bench-1m';
    await store.all(`INSERT INTO runs SELECT * REPLACE (? AS run_id, ? AS query_count) FROM runs WHERE run_id = ?`, [runId, copies * seedQueries, source.runId]);
    for (const table of COPIED_TABLES) {
      await store.all(
        `INSERT INTO ${table} SELECT * EXCLUDE (copy) REPLACE (? AS run_id, query_id || '-' || lpad(copy::VARCHAR, 4, '0') AS query_id)
         FROM ${table}, range(${copies}) AS copies(copy) WHERE run_id = ?`,
        [runId, source.runId],
      );
    }
    const [count] = await store.all<{ n: number }>(`SELECT count(*) AS n FROM pairs WHERE run_id = ? AND served_score IS NOT NULL AND baseline_score IS NOT NULL`, [runId]);
    if (Number(count?.n) < 0.9 * pairs) throw new Error(`only ${count?.n} judged pairs were built`);
    return { runId, pairs: copies * seedQueries };
  } finally {
    await store.close();
  }
}

/** A database kept from an earlier build (--keep): counted, not rebuilt. */
async function keptPairsDatabase(database: string): Promise<{ runId: string; pairs: number }> {
  const store = await openStore(database, { mustExist: true });
  try {
    const runId = 'bench-1m';
    const [count] = await store.all<{ n: number }>('SELECT count(*) AS n FROM queries WHERE run_id = ?', [runId]);
    if (Number(count?.n ?? 0) === 0) throw new Error(`${database} holds no run ${runId}: delete it to rebuild`);
    return { runId, pairs: Number(count!.n) };
  } finally {
    await store.close();
  }
}

export async function gateBench(pairs: number, options: { profileTop?: number; keep?: string } = {}): Promise<GateFigure> {
  const work = mkdtempSync(join(tmpdir(), 'hybrid-eval-gate-'));
  const database = options.keep ?? join(work, 'gate.duckdb');
  try {
    const built = performance.now();
    const run1m = options.keep !== undefined && existsSync(options.keep) ? await keptPairsDatabase(options.keep) : await buildPairsDatabase(database, pairs);
    const buildSeconds = (performance.now() - built) / 1000;
    const profiles = join(work, 'profiles');
    // Through bin/hybrid-eval.js, as `npx hybrid-eval gate` runs: its V8 and malloc settings are part of the peak.
    const profiling = options.profileTop === undefined ? {} : { env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profiles}` } };
    const run = await measure(BIN, ['gate', '--run', run1m.runId, '--db', database, '--results', join(work, 'results'), '--junit', join(work, 'junit.xml')], { cwd: ROOT, ...profiling });
    if (run.code !== 0 && run.code !== 1 && run.code !== 3) throw new Error(`gate failed (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
    if (options.profileTop !== undefined) {
      for (const file of readdirSync(profiles)) {
        const summary = summariseProfile(join(profiles, file), `${ROOT}/`);
        const lines = (frames: Frame[]) => frames.slice(0, options.profileTop).map((frame) => `  ${(100 * frame.share).toFixed(1).padStart(5)}%  ${frame.name}`).join('\n');
        console.log(`gate profile (${summary.totalSeconds.toFixed(1)} s):\nself:\n${lines(summary.self)}\ninclusive:\n${lines(summary.inclusive)}`);
      }
    }
    // Exit 1 is also an error's: a run that printed no decision is a failure, not a no-go.
    const decision = /\b(go|no-go|hold)\b/i.exec(run.stdout)?.[1];
    if (decision === undefined) throw new Error(`gate printed no decision (exit ${run.code}): ${run.stderr}`);
    return { pairs: run1m.pairs, buildSeconds, gateSeconds: run.wallMs / 1000, decision, peakRssMb: run.peakRssMb };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      ingest: { type: 'string', default: '1000000' },
      pairs: { type: 'string', default: '1000000' },
      batch: { type: 'string', default: '200' },
      'profile-gate': { type: 'string' },
      keep: { type: 'string' },
    },
  });
  console.log(`machine: ${describeMachine()}`);
  if (Number(values.ingest) > 0) {
    const ingest = await ingestBench(Number(values.ingest), Number(values.batch));
    console.log(
      `store ingest ${ingest.queries} queries (${ingest.rows} rows, writeBatch of ${values.batch}): ${ingest.rowsPerSecond.toFixed(0)} rows/s (${(ingest.queries / ingest.seconds).toFixed(0)} queries/s), ${ingest.seconds.toFixed(1)} s, peak RSS ${ingest.peakRssMb.toFixed(0)} MB`,
    );
  }
  if (Number(values.pairs) > 0) {
    const gate = await gateBench(Number(values.pairs), {
      ...(values['profile-gate'] === undefined ? {} : { profileTop: Number(values['profile-gate']) }),
      ...(values.keep === undefined ? {} : { keep: values.keep }),
    });
    console.log(`gate + report over ${gate.pairs} judged pairs: ${gate.gateSeconds.toFixed(1)} s (decision ${gate.decision}, peak RSS ${gate.peakRssMb?.toFixed(0)} MB; building the run took ${gate.buildSeconds.toFixed(1)} s)`);
  }
}
