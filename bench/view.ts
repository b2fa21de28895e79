/**
 * The results viewer over a million-query run: how long the run's index takes to build (once per
 * run while the viewer runs), then the wall time of each page as a browser would ask for it.
 *
 *   npx node bench/view.ts [--pairs 1000000] [--db PATH] [--repeat 5]
 *
 * Without --db it builds the database as bench/store.ts does (a real 2,000-query replay on the sim,
 * copied in SQL to --pairs queries); with --db it reuses such a file (the run is `bench-1m`).
 * Pages are fetched over loopback HTTP from the viewer started in this process; each figure is the
 * median and the slowest of --repeat fetches after one warm-up fetch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startViewServer } from '../src/view/server.ts';
import { describeMachine } from './lib/machine.ts';
import { buildPairsDatabase } from './store.ts';

function fetchPage(url: string): Promise<{ status: number; ms: number; bytes: number; body: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    request(url, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started, bytes: body.length, body }));
    })
      .on('error', reject)
      .end();
  });
}

export async function viewBench(options: { pairs: number; db?: string; repeat: number }): Promise<void> {
  const work = options.db === undefined ? mkdtempSync(join(tmpdir(), 'hybrid-eval-view-bench-')) : undefined;
  const database = options.db ?? join(work!, 'view.duckdb');
  try {
    const runId = options.db === undefined ? (await buildPairsDatabase(database, options.pairs)).runId : 'bench-1m';
    const opened = performance.now();
    const server = await startViewServer({ databasePath: database, log: () => undefined });
    console.log(`view: opened ${database} in ${(performance.now() - opened).toFixed(0)} ms`);
    const base = new URL(server.url);
    const page = (path: string, params: Record<string, string> = {}) => {
      const url = new URL(path, base);
      for (const [key, value] of Object.entries({ ...params, token: server.token })) url.searchParams.set(key, value);
      return url.toString();
    };
    try {
      // The index is built on the first visit (the server starts it at once for the newest run).
      const indexStarted = performance.now();
      let first = await fetchPage(page('/run', { run: runId }));
      while (first.body.includes('id="preparing"')) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        first = await fetchPage(page('/run', { run: runId }));
      }
      console.log(`view: run index of ${runId} built in ${((performance.now() - indexStarted) / 1000).toFixed(1)} s (load average ${loadavg()[0]!.toFixed(1)})`);
      const queryId = /href="\/query\?run=[^&]+&amp;id=([^&"]+)/.exec((await fetchPage(page('/queries', { run: runId }))).body)?.[1];
      const pages: Array<[string, string]> = [
        ['runs list', page('/runs')],
        ['run overview (tiers, charts, cost, gate)', page('/run', { run: runId })],
        ['queries, worst first, page 1', page('/queries', { run: runId })],
        ['queries, tier=medium', page('/queries', { run: runId, tier: 'medium' })],
        ['queries, tier + score<=2 + no fallback + unrated', page('/queries', { run: runId, tier: 'simple', max_score: '2', fallback: 'no', rating: 'unrated' })],
        ['queries, page 10000 (offset 499,950)', page('/queries', { run: runId, page: '10000' })],
        ['queries, text search "password"', page('/queries', { run: runId, q: 'password' })],
        ['one query (two answers, judgments, pairwise, ratings)', page('/query', { run: runId, id: decodeURIComponent(queryId ?? 'q-000001-0000') })],
      ];
      for (const [name, url] of pages) {
        const warm = await fetchPage(url);
        if (warm.status !== 200) throw new Error(`${name}: HTTP ${warm.status}: ${warm.body.slice(0, 300)}`);
        const times: number[] = [];
        for (let index = 0; index < options.repeat; index++) times.push((await fetchPage(url)).ms);
        times.sort((a, b) => a - b);
        console.log(`view page "${name}": median ${times[Math.floor(times.length / 2)]!.toFixed(0)} ms, slowest ${times.at(-1)!.toFixed(0)} ms, first ${warm.ms.toFixed(0)} ms (${(warm.bytes / 1024).toFixed(0)} KB)`);
      }
    } finally {
      await server.close();
    }
  } finally {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { pairs: { type: 'string', default: '1000000' }, db: { type: 'string' }, repeat: { type: 'string', default: '5' } } });
  console.log(`machine: ${describeMachine()}`);
  await viewBench({ pairs: Number(values.pairs), ...(values.db === undefined ? {} : { db: values.db }), repeat: Number(values.repeat) });
}
