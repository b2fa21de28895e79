// The offline cascade curve over a 1M-pair shadow run (issue 18: at most 10 s).
//   npx node bench/cascade.ts [--pairs 1000000] [--from DB]
// Builds the run as the gate bench does: a 2,000-query sim replay with the cascade configured
// (or the first run of --from DB, e.g. the demo's database), copied in SQL to --pairs queries with
// its validations (not timed). Then times `hybrid-eval cascade` from spawn to exit (the curve's
// 21 thresholds and two references in one INSERT ... SELECT, AUROC, read back, printed) and
// reports its peak RSS. Then the gate and report at the plan's cascade step ("70% + cascade"), through
// bin/hybrid-eval.js as users start it, timed and its peak RSS (issue 18: under 512 MB). --keep PATH
// keeps the built database there (and reuses it when it exists).
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { runReplayCommand } from '../src/replay/run-replay.ts';
import { openStore } from '../src/store/store.ts';
import { measure, NODE } from './lib/child.ts';
import { describeMachine } from './lib/machine.ts';

const ROOT = resolve(import.meta.dirname, '..');
const COPIED_TABLES = ['queries', 'routes', 'responses', 'judgments', 'privacy_decisions', 'validations'];
const RUN = 'bench-cascade';
const BIN = join(ROOT, 'bin/hybrid-eval.js');
const CASCADE_STEP = '70% + cascade';

export interface CascadeFigure {
  pairs: number;
  validations: number;
  buildSeconds: number;
  seconds: number;
  peakRssMb: number | undefined;
  chosen: string;
  gate: { seconds: number; peakRssMb: number | undefined; decision: string; retries: string[] };
}

async function buildRun(database: string, pairs: number, from: string | undefined): Promise<{ pairs: number; validations: number }> {
  if (from === undefined) {
    await runReplayCommand({
      config: join(ROOT, 'examples/sim.yaml'),
      db: database,
      sim: true,
      simTimeScale: 0,
      limit: 2000,
      progressOutput: new Writable({ write: (_chunk, _encoding, done) => done() }),
    });
  } else copyFileSync(from, database);
  const store = await openStore(database);
  try {
    const [source] = await store.all<{ run_id: string; n: number }>(
      `SELECT r.run_id, (SELECT count(*) FROM queries AS q WHERE q.run_id = r.run_id) AS n FROM runs AS r ORDER BY r.created_at LIMIT 1`,
    );
    const copies = Math.ceil(pairs / Number(source!.n));
    await store.all(`INSERT INTO runs SELECT * REPLACE (? AS run_id, ? AS query_count) FROM runs WHERE run_id = ?`, [RUN, copies * Number(source!.n), source!.run_id]);
    for (const table of COPIED_TABLES) {
      await store.all(
        `INSERT INTO ${table} SELECT * EXCLUDE (copy) REPLACE (? AS run_id, query_id || '-' || lpad(copy::VARCHAR, 4, '0') AS query_id)
         FROM ${table}, range(${copies}) AS copies(copy) WHERE run_id = ?`,
        [RUN, source!.run_id],
      );
    }
    const [counts] = await store.all<{ n: number; v: number }>('SELECT (SELECT count(*) FROM queries WHERE run_id = $1) AS n, (SELECT count(*) FROM validations WHERE run_id = $1) AS v', [RUN]);
    return { pairs: Number(counts!.n), validations: Number(counts!.v) };
  } finally {
    await store.close();
  }
}

/** A database kept from an earlier build (--keep): counted, not rebuilt. */
async function counted(database: string): Promise<{ pairs: number; validations: number }> {
  const store = await openStore(database, { mustExist: true });
  try {
    const [counts] = await store.all<{ n: number; v: number }>('SELECT (SELECT count(*) FROM queries WHERE run_id = $1) AS n, (SELECT count(*) FROM validations WHERE run_id = $1) AS v', [RUN]);
    return { pairs: Number(counts!.n), validations: Number(counts!.v) };
  } finally {
    await store.close();
  }
}

export async function cascadeBench(pairs: number, from?: string, keep?: string): Promise<CascadeFigure> {
  const work = mkdtempSync(join(tmpdir(), 'hybrid-eval-cascade-'));
  const database = keep ?? join(work, 'cascade.duckdb');
  try {
    const started = performance.now();
    const built = keep !== undefined && existsSync(keep) ? await counted(keep) : await buildRun(database, pairs, from);
    const buildSeconds = (performance.now() - started) / 1000;
    const run = await measure(NODE, [join(ROOT, 'src/cli/main.ts'), 'cascade', '--run', RUN, '--db', database, '--validator', 'support-validator@llama'], { cwd: ROOT });
    if (run.code !== 0) throw new Error(`cascade failed (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
    const chosen = /chosen[^\n]*/.exec(run.stdout)?.[0] ?? 'none';
    const gated = await measure(BIN, ['gate', '--run', RUN, '--db', database, '--step', CASCADE_STEP, '--results', join(work, 'results')], { cwd: ROOT });
    // Exit 1 is also an error's: a gate that printed no decision for the step failed.
    const decision = new RegExp(`^  ${CASCADE_STEP.replace(/[%+]/g, '\\$&')} +(GO|NO-GO|HOLD)\\b`, 'm').exec(gated.stdout)?.[1];
    if (decision === undefined) throw new Error(`gate printed no decision for ${CASCADE_STEP} (exit ${gated.code}): ${gated.stdout}\n${gated.stderr}`);
    const retries = gated.stderr.split('\n').filter((line) => line.includes('ran out of memory'));
    return { ...built, buildSeconds, seconds: run.wallMs / 1000, peakRssMb: run.peakRssMb, chosen, gate: { seconds: gated.wallMs / 1000, peakRssMb: gated.peakRssMb, decision, retries } };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { pairs: { type: 'string', default: '1000000' }, from: { type: 'string' }, keep: { type: 'string' } } });
  console.log(`machine: ${describeMachine()}`);
  const figure = await cascadeBench(Number(values.pairs), values.from, values.keep);
  console.log(
    `cascade curve over ${figure.pairs} pairs (${figure.validations} validations): ${figure.seconds.toFixed(1)} s spawn to exit, peak RSS ${figure.peakRssMb?.toFixed(0)} MB (building the run took ${figure.buildSeconds.toFixed(1)} s)\n${figure.chosen}`,
  );
  console.log(
    `gate + report at "${CASCADE_STEP}" over ${figure.pairs} pairs: ${figure.gate.seconds.toFixed(1)} s spawn to exit, decision ${figure.gate.decision}, peak RSS ${figure.gate.peakRssMb?.toFixed(0)} MB${figure.gate.retries.length === 0 ? '' : `\n${figure.gate.retries.join('\n')}`}`,
  );
}
