import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../../src/sim/server.ts';
import { rows, startFaultProxy, writeConfig } from '../fixtures/reliability/harness.ts';
import { ROOT, runCli, startCli, tempDir } from './cli.ts';
import { startRecordingProxy } from './recording-proxy.ts';

/*
 * Issue 21: the replay compares each query's served answer with the baseline (both orders) as soon as
 * both exist, and stores the comparison with the query's other rows. Proven from the wire: a recording
 * proxy in front of the sim keeps every judge request whole. Multi-turn requests (the committed
 * conversations) so the pairwise prompt must carry the conversation, as the single judge's does.
 * Then exactly-once under --resume: a replay killed (SIGKILL) or stopped (SIGINT) in the middle of its
 * pairwise calls, resumed, ends with the comparisons of a replay that was never interrupted.
 */

const QUERIES = 30;
const CONVERSATIONS = join(ROOT, 'datasets/conversations-sample.jsonl');

let dir: string;
let log: string;
let sim: SimServer;

/** The first n conversations, as a log of their own. */
function conversationsHead(n: number): string {
  const file = join(dir, 'conversations.jsonl');
  writeFileSync(file, readFileSync(CONVERSATIONS, 'utf8').split('\n').slice(0, n).join('\n') + '\n');
  return file;
}

/** Our own config against `url`, pairwise on; unredacted so the prompts can be checked against the stored answers byte for byte. */
function config(where: string, url: string, options: { batchSize?: number; maxInFlight?: number } = {}): string {
  mkdirSync(where, { recursive: true });
  const file = writeConfig(where, { baseUrl: url, pairwise: true, batchSize: options.batchSize ?? 4, maxInFlight: options.maxInFlight ?? 8, timeoutMs: 10_000 });
  appendFileSync(file, 'privacy:\n  redact_external: false\n');
  return file;
}

/** A prompt section as the sim reads it: the neutralised text between the tags, unescaped. */
function section(prompt: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>\\n([\\s\\S]*?)\\n</${name}>`).exec(prompt);
  return match === null ? undefined : match[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Every stored comparison of a run, without times or latencies. */
const comparisons = (db: string, runId: string): Promise<string[]> =>
  rows<{ line: string }>(
    db,
    `SELECT concat_ws('|', query_id, judge_name, candidate_role, status, winner, winner_candidate_first, winner_candidate_second, consistent) AS line
     FROM pairwise_judgments WHERE run_id = ? ORDER BY line`,
    [runId],
  ).then((found) => found.map((row) => row.line));

/** Queries whose served answer and baseline were both judged: the ones that must have a comparison. */
const judgedQueries = (db: string, runId: string): Promise<string[]> =>
  rows<{ query_id: string }>(
    db,
    `SELECT query_id FROM judgments WHERE run_id = $1 AND kind = 'single'
     GROUP BY query_id
     HAVING count(*) FILTER (WHERE role = 'baseline') = 1
        AND count(*) FILTER (WHERE role = (SELECT CASE WHEN count(*) FILTER (WHERE role = 'fallback') > 0 THEN 'fallback' ELSE 'candidate' END
                                           FROM responses AS r WHERE r.run_id = $1 AND r.query_id = judgments.query_id)) = 1
     ORDER BY query_id`,
    [runId],
  ).then((found) => found.map((row) => row.query_id));

beforeAll(async () => {
  dir = tempDir('hybrid-eval-pairwise-');
  log = conversationsHead(QUERIES);
  sim = await startSim({ port: 0, timeScale: 0 });
});

afterAll(async () => {
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('pairwise judging inside the replay', () => {
  let db: string;
  let bodies: string[];

  beforeAll(async () => {
    const proxy = await startRecordingProxy(sim.url);
    try {
      db = join(dir, 'captured.duckdb');
      const result = await runCli(['replay', '-c', config(join(dir, 'captured'), proxy.url), '--dataset', log, '--db', db, '--run-id', 'captured']);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/run captured: complete/);
      expect(result.stdout).toMatch(/pairwise \(\d+ comparisons\): candidate wins \d+, baseline wins \d+, ties \d+/);
      bodies = proxy.requests.filter((request) => request.path.endsWith('/chat/completions')).map((request) => request.body);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('stores one comparison for every judged query, in the same run, and nothing is left for a later stage', async () => {
    const judged = await judgedQueries(db, 'captured');
    expect(judged.length).toBeGreaterThan(QUERIES / 2);
    const stored = await rows<{ query_id: string }>(db, `SELECT query_id FROM pairwise_judgments WHERE run_id = 'captured' ORDER BY query_id`);
    expect(stored.map((row) => row.query_id)).toEqual(judged);
    const [run] = await rows<{ status: string }>(db, `SELECT status FROM runs WHERE run_id = 'captured'`);
    expect(run?.status).toBe('complete');
  });

  it('sent each comparison in both orders, the stored answers swapped, with the conversation the single judge saw', async () => {
    const pairwise = bodies.map((body) => JSON.parse(body) as { response_format?: { json_schema?: { name?: string } }; messages: { role: string; content: string }[] })
      .filter((body) => body.response_format?.json_schema?.name === 'judge_pairwise')
      .map((body) => body.messages.at(-1)!.content);
    const singles = bodies.map((body) => JSON.parse(body) as { response_format?: { json_schema?: { name?: string } }; messages: { role: string; content: string }[] })
      .filter((body) => body.response_format?.json_schema?.name === 'judge_verdict')
      .map((body) => body.messages.at(-1)!.content);
    const stored = await rows<{ query_id: string; served: string; baseline: string; candidate_role: string }>(
      db,
      `SELECT p.query_id, p.candidate_role, s.output AS served, b.output AS baseline
       FROM pairwise_judgments AS p
       JOIN responses AS s ON s.run_id = p.run_id AND s.query_id = p.query_id AND s.role = p.candidate_role
       JOIN responses AS b ON b.run_id = p.run_id AND b.query_id = p.query_id AND b.role = 'baseline'
       WHERE p.run_id = 'captured' AND s.tool_calls_json IS NULL AND b.tool_calls_json IS NULL`,
    );
    expect(stored.length).toBeGreaterThan(5);
    // Two requests per comparison (no repairs at the sim), and no more.
    const [{ n }] = (await rows<{ n: number }>(db, `SELECT count(*) AS n FROM pairwise_judgments WHERE run_id = 'captured'`)) as [{ n: number }];
    expect(pairwise).toHaveLength(2 * n);
    for (const row of stored) {
      const served = row.served.trim();
      const baseline = row.baseline.trim();
      const first = pairwise.filter((prompt) => section(prompt, 'answer_a')?.trim() === served && section(prompt, 'answer_b')?.trim() === baseline);
      const second = pairwise.filter((prompt) => section(prompt, 'answer_a')?.trim() === baseline && section(prompt, 'answer_b')?.trim() === served);
      expect(first.length, row.query_id).toBeGreaterThanOrEqual(1);
      expect(second.length, row.query_id).toBeGreaterThanOrEqual(1);
      const conversation = section(first[0]!, 'conversation');
      expect(conversation, `${row.query_id}: the pairwise prompt has no <conversation>`).toBeDefined();
      expect(section(second[0]!, 'conversation')).toBe(conversation);
      // The same transcript the single judge got for this query's answers.
      expect(singles.some((prompt) => section(prompt, 'conversation') === conversation && section(prompt, 'answer')?.trim() === served)).toBe(true);
      expect(conversation).toMatch(/^customer: /m);
      expect(conversation).toMatch(/^assistant: /m);
    }
  });

  it('`hybrid-eval judge --pairwise` still re-judges the stored run, with the same verdicts', async () => {
    const before = await comparisons(db, 'captured');
    const result = await runCli(['judge', '--run', 'captured', '--db', db, '--pairwise', '--sim', '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ kind: 'pairwise', items: before.length, errors: 0 });
    expect(await comparisons(db, 'captured')).toEqual(before);
  }, 120_000);
});

describe('--resume keeps pairwise comparisons exactly-once', () => {
  let reference: string[];

  beforeAll(async () => {
    const db = join(dir, 'reference.duckdb');
    const result = await runCli(['replay', '-c', config(join(dir, 'reference'), sim.url), '--dataset', log, '--db', db, '--run-id', 'r']);
    expect(result.code, result.stderr).toBe(0);
    reference = await comparisons(db, 'r');
    expect(reference.length).toBeGreaterThan(QUERIES / 2);
  }, 120_000);

  for (const signal of ['SIGKILL', 'SIGINT'] as const) {
    it(`a replay stopped by ${signal} among its pairwise calls, then resumed, has the uninterrupted run's comparisons`, async () => {
      const where = join(dir, signal);
      const db = join(where, 'run.duckdb');
      let stop: (() => void) | undefined;
      let seen = 0;
      // Stopped at the 40th pairwise request (of about 60): some queries committed with their comparisons, others in flight.
      const proxy = await startFaultProxy(sim.url, (chat) => {
        if (chat.format === 'judge_pairwise' && ++seen === 40) stop?.();
        return 'pass';
      });
      try {
        const file = config(where, proxy.url, { batchSize: 2, maxInFlight: 4 });
        const { child, done } = startCli(['replay', '-c', file, '--dataset', log, '--db', db, '--run-id', 'r']);
        stop = () => child.kill(signal);
        const stopped = await done;
        if (signal === 'SIGKILL') expect(stopped.signal).toBe('SIGKILL');
        else expect(stopped.stdout, stopped.stderr).toMatch(/run r: interrupted/);
        // What the interrupted run left: every stored query that could be compared has its comparison, and only those.
        const storedQueries = await rows<{ n: number }>(db, `SELECT count(*) AS n FROM queries WHERE run_id = 'r'`);
        expect(storedQueries[0]!.n).toBeGreaterThan(0);
        expect(storedQueries[0]!.n).toBeLessThan(QUERIES);
        const judged = await judgedQueries(db, 'r');
        const compared = await rows<{ query_id: string }>(db, `SELECT query_id FROM pairwise_judgments WHERE run_id = 'r' ORDER BY query_id`);
        expect(compared.map((row) => row.query_id)).toEqual(judged);

        const resumed = await runCli(['replay', '-c', file, '--dataset', log, '--db', db, '--run-id', 'r', '--resume']);
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(resumed.stdout).toMatch(/run r: complete; \d+ queries replayed, \d+ already stored \(resumed\)/);
      } finally {
        await proxy.close();
      }
      expect(await comparisons(db, 'r')).toEqual(reference);
      const [duplicates] = await rows<{ n: number }>(db, `SELECT count(*) - count(DISTINCT query_id) AS n FROM pairwise_judgments WHERE run_id = 'r'`);
      expect(duplicates!.n).toBe(0);
    }, 120_000);
  }
});
