// The offline cascade curve over a 1M-pair shadow run (issue 18: at most 10 s).
//   npx node bench/cascade.ts [--pairs 1000000]
// Builds the run as the gate bench does (a 2,000-query sim replay with the cascade configured,
// copied in SQL; not timed), copies its validations the same way, then times `hybrid-eval cascade`
// from spawn to exit (the curve's 21 thresholds and the two references in one INSERT ... SELECT,
// AUROC, read back and printed) and reports its peak RSS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../src/store/store.ts';
import { measure, NODE } from './lib/child.ts';
import { describeMachine } from './lib/machine.ts';
import { buildPairsDatabase } from './store.ts';

const ROOT = resolve(import.meta.dirname, '..');

export async function cascadeBench(pairs: number): Promise<{ pairs: number; validations: number; buildSeconds: number; seconds: number; peakRssMb: number | undefined; chosen: string }> {
  const work = mkdtempSync(join(tmpdir(), 'hybrid-eval-cascade-'));
  const database = join(work, 'cascade.duckdb');
  try {
    const started = performance.now();
    const built = await buildPairsDatabase(database, pairs);
    const store = await openStore(database);
    let validations: number;
    try {
      const [source] = await store.all<{ run_id: string }>(`SELECT run_id FROM runs WHERE run_id <> ? ORDER BY created_at LIMIT 1`, [built.runId]);
      const copies = Math.ceil(pairs / 2000);
      await store.all(
        `INSERT INTO validations SELECT * EXCLUDE (copy) REPLACE (? AS run_id, query_id || '-' || lpad(copy::VARCHAR, 4, '0') AS query_id)
         FROM validations, range(${copies}) AS copies(copy) WHERE run_id = ?`,
        [built.runId, source!.run_id],
      );
      const [count] = await store.all<{ n: number }>('SELECT count(*) AS n FROM validations WHERE run_id = ?', [built.runId]);
      validations = Number(count?.n ?? 0);
    } finally {
      await store.close();
    }
    const buildSeconds = (performance.now() - started) / 1000;
    const run = await measure(NODE, [join(ROOT, 'src/cli/main.ts'), 'cascade', '--run', built.runId, '--db', database], { cwd: ROOT });
    if (run.code !== 0) throw new Error(`cascade failed (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
    const chosen = /chosen[^\n]*/.exec(run.stdout)?.[0] ?? 'none';
    return { pairs: built.pairs, validations, buildSeconds, seconds: run.wallMs / 1000, peakRssMb: run.peakRssMb, chosen };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { pairs: { type: 'string', default: '1000000' } } });
  console.log(`machine: ${describeMachine()}`);
  const figure = await cascadeBench(Number(values.pairs));
  console.log(
    `cascade curve over ${figure.pairs} pairs (${figure.validations} validations): ${figure.seconds.toFixed(1)} s spawn to exit, peak RSS ${figure.peakRssMb?.toFixed(0)} MB (building the run took ${figure.buildSeconds.toFixed(1)} s)\n${figure.chosen}`,
  );
}
