import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { startSim } from '../../src/sim/server.ts';
import { openStore } from '../../src/store/store.ts';
import { runCli, startCli, tempDir } from './cli.ts';

const SAMPLE = 'datasets/sample.jsonl';

async function rows<T = Record<string, unknown>>(db: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const store = await openStore(db);
  try {
    return await store.all<T>(sql, params);
  } finally {
    await store.close();
  }
}

describe('replay end to end through the CLI against the sim', () => {
  it('replays, judges, stores and gates 150 queries', async () => {
    const dir = tempDir();
    const db = join(dir, 'results.duckdb');
    const replay = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', '150', '--db', db, '--run-id', 'e2e-1']);
    expect(replay.stderr).not.toContain('unexpected error');
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('run e2e-1: complete; 150 queries replayed');

    const [counts] = await rows<{ queries: number; candidate: number; baseline: number; judged: number; unjudged: number; tiers: number }>(
      db,
      `SELECT (SELECT count(*) FROM queries WHERE run_id = 'e2e-1') AS queries,
              (SELECT count(*) FROM responses WHERE run_id = 'e2e-1' AND role = 'candidate') AS candidate,
              (SELECT count(*) FROM responses WHERE run_id = 'e2e-1' AND role = 'baseline') AS baseline,
              (SELECT count(*) FROM judgments WHERE run_id = 'e2e-1') AS judged,
              (SELECT count(*) FROM privacy_decisions WHERE run_id = 'e2e-1' AND judge_withheld) AS unjudged,
              (SELECT count(*) FROM privacy_decisions WHERE run_id = 'e2e-1' AND sensitive) AS sensitive,
              (SELECT count(DISTINCT tier) FROM routes WHERE run_id = 'e2e-1') AS tiers`,
    );
    // Sensitive queries stay on-prem: their external baseline is withheld (privacy), and the on-prem
    // judge of examples/sim.yaml (privacy.sensitive.judge: llama) grades their candidate answer.
    expect(counts).toMatchObject({ queries: 150, candidate: 150, baseline: 150, tiers: 3, unjudged: 0 });
    const sensitive = Number((counts as unknown as { sensitive: number }).sensitive);
    expect(sensitive).toBeGreaterThan(0);
    expect(sensitive).toBeLessThan(15);
    expect(counts!.judged).toBe(2 * (150 - sensitive) + sensitive);

    // Oracle routing: simple -> llama, medium -> gpt35, complex -> gpt4; usage recorded, cost known.
    const routed = await rows<{ tier: string; endpoint: string; model: string; tokens: number; costed: number; n: number }>(
      db,
      `SELECT r.tier, s.endpoint, s.model, count(s.prompt_tokens) AS tokens, count(s.cost_usd) AS costed, count(*) AS n
       FROM routes r JOIN responses s USING (run_id, query_id) JOIN privacy_decisions p USING (run_id, query_id)
       WHERE s.role = 'candidate' AND NOT p.sensitive GROUP BY ALL ORDER BY r.tier`,
    );
    expect(routed.map((row) => [row.tier, row.endpoint, row.model])).toEqual([
      ['complex', 'gpt4', 'gpt-4'],
      ['medium', 'gpt35', 'gpt-3.5-turbo'],
      ['simple', 'llama', 'llama-3-70b'],
    ]);
    for (const row of routed) {
      expect(row.tokens).toBe(row.n);
      expect(row.costed).toBe(row.n);
    }
    // GPT-4 judges what may leave the premises; sensitive answers are judged on-prem (privacy.sensitive.judge).
    const judges = await rows<{ rubric: string; judge_model: string; sensitive: boolean }>(
      db,
      `SELECT DISTINCT j.rubric, j.judge_model, p.sensitive FROM judgments j JOIN privacy_decisions p USING (run_id, query_id)
       WHERE j.run_id = 'e2e-1' ORDER BY j.judge_model, p.sensitive`,
    );
    expect(judges.every((judge) => judge.rubric === 'support-single')).toBe(true);
    expect(judges.filter((judge) => !judge.sensitive).map((judge) => judge.judge_model)).toEqual(['gpt-4']);
    expect(judges.filter((judge) => judge.judge_model === 'gpt-4').every((judge) => !judge.sensitive)).toBe(true);

    const gate = await runCli(['gate', '--run', 'e2e-1', '--db', db, '--results', dir, '--plan', 'suites/rollout.yaml']);
    expect([0, 1, 3]).toContain(gate.code);
    expect(gate.stdout).toMatch(/^(GO|NO-GO|HOLD) for run e2e-1/);
    const report = JSON.parse(readFileSync(join(dir, 'e2e-1', 'report.json'), 'utf8'));
    expect(report.metrics.queries).toBe(150);
    expect(report.decision).toBe({ 0: 'go', 1: 'no-go', 3: 'hold' }[gate.code as 0 | 1 | 3]);
    expect(readFileSync(join(dir, 'e2e-1', 'report.md'), 'utf8')).toContain('## Cost projection');
    const [decision] = await rows<{ n: number }>(db, `SELECT count(*) AS n FROM gate_decisions WHERE run_id = 'e2e-1'`);
    expect(decision!.n).toBe(1);
  });

  it('resumes after SIGKILL with every query stored exactly once and the same scores as an uninterrupted run', async () => {
    const dir = tempDir();
    const killedDb = join(dir, 'killed.duckdb');
    const cleanDb = join(dir, 'clean.duckdb');
    // Small transactions and real-ish latency, so the kill lands mid-run with some batches committed.
    // The sim lives in the test process: the kill is triggered by the requests it has answered (about
    // a third of the run's), not by a wall-clock wait that a loaded machine stretches or shrinks.
    const sim = await startSim({ port: 0, timeScale: 0.1 });
    const config = join(dir, 'config.yaml');
    writeFileSync(config, readFileSync('examples/sim.yaml', 'utf8').replace('batch_size: 200', 'batch_size: 10').replace(/base_url: .*/g, `base_url: ${sim.url}`));
    const env = { OPENAI_API_KEY: 'sk-e2e-replay-resume' };
    const common = ['replay', '-c', config, '--limit', '400', '--run-id', 'r1'];
    const chatCalls = (): number => sim.requestLog.filter((entry) => entry.path.endsWith('/chat/completions')).length;
    const { child, done } = startCli([...common, '--db', killedDb], { env });
    for (let waited = 0; waited < 150_000 && chatCalls() < 800 && child.exitCode === null; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    child.kill('SIGKILL');
    const killed = await done;
    expect(killed.signal).toBe('SIGKILL');
    const [partial] = await rows<{ n: number }>(killedDb, `SELECT count(*) AS n FROM queries WHERE run_id = 'r1'`);
    expect(partial!.n).toBeGreaterThan(0);
    expect(partial!.n).toBeLessThan(400);

    const resumed = await runCli([...common, '--db', killedDb, '--resume'], { env });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('already stored (resumed)');
    const clean = await runCli([...common, '--db', cleanDb], { env });
    expect(clean.code, clean.stderr).toBe(0);
    await sim.close();

    const summary = `SELECT role, count(*) AS n, count(DISTINCT query_id) AS distinct_queries FROM responses WHERE run_id = 'r1' AND role <> 'fallback' GROUP BY role ORDER BY role`;
    expect(await rows(killedDb, summary)).toEqual([
      { role: 'baseline', n: 400, distinct_queries: 400 },
      { role: 'candidate', n: 400, distinct_queries: 400 },
    ]);
    const scores = `SELECT query_id, role, status, score FROM judgments WHERE run_id = 'r1' ORDER BY query_id, role`;
    expect(await rows(killedDb, scores)).toEqual(await rows(cleanDb, scores));
    const [run] = await rows<{ status: string; query_count: number }>(killedDb, `SELECT status, query_count FROM runs WHERE run_id = 'r1'`);
    expect(run).toEqual({ status: 'complete', query_count: 400 });
  }, 180_000);

  it('sends bad lines to rejects with file and line, and goes on', async () => {
    const dir = tempDir();
    const dataset = join(dir, 'log.jsonl');
    const good = readFileSync(SAMPLE, 'utf8').split('\n').slice(0, 20);
    writeFileSync(dataset, [good[0], '{not json', good[1], '{"query_id":"x1"}', good[2], '{"query_id":"x2","query":"hi","tier":"urgent"}', ...good.slice(3)].join('\n') + '\n');
    const db = join(dir, 'r.duckdb');
    const result = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--dataset', dataset, '--db', db, '--run-id', 'rej']);
    expect(result.code).toBe(0);
    const rejects = await rows<{ file: string; line: number; reason: string }>(db, `SELECT file, line, reason FROM rejects WHERE run_id = 'rej' ORDER BY line`);
    expect(rejects.map((row) => row.line)).toEqual([2, 4, 6]);
    expect(rejects.every((row) => row.file.endsWith('log.jsonl'))).toBe(true);
    expect(rejects[1]!.reason).toContain('query');
    expect(rejects[2]!.reason).toContain('urgent');
    const [stored] = await rows<{ n: number }>(db, `SELECT count(*) AS n FROM queries WHERE run_id = 'rej'`);
    expect(stored!.n).toBe(20);
  });

  it('stores logged production answers as the baseline and does not call the baseline', async () => {
    const dir = tempDir();
    const dataset = join(dir, 'with-answers.jsonl');
    const lines = readFileSync(SAMPLE, 'utf8').split('\n').slice(0, 30).map((line) => {
      const record = JSON.parse(line);
      return JSON.stringify({ ...record, gpt4_answer: `Logged answer for ${record.query_id}: ${record.reference}` });
    });
    writeFileSync(dataset, lines.join('\n') + '\n');
    const db = join(dir, 'a.duckdb');
    const result = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--dataset', dataset, '--field', 'answer=gpt4_answer', '--db', db, '--run-id', 'logged']);
    expect(result.code).toBe(0);
    const baseline = await rows<{ source: string; model: string; output: string; prompt_tokens: number | null; cost_usd: number | null }>(
      db,
      `SELECT source, model, output, prompt_tokens, cost_usd FROM responses WHERE run_id = 'logged' AND role = 'baseline' ORDER BY query_id`,
    );
    expect(baseline).toHaveLength(30);
    expect(baseline.every((row) => row.source === 'log' && row.model === 'logged')).toBe(true);
    expect(baseline[0]!.output).toMatch(/^Logged answer for /);
    // Unknown, not free: a logged answer carries no usage.
    expect(baseline.every((row) => row.prompt_tokens === null && row.cost_usd === null)).toBe(true);
  });

  const bitext = join(import.meta.dirname, '../../../shared/data/bitext/responses-detailed.csv');
  it.skipIf(!existsSync(bitext))('replays real Bitext support logs with their responses as the logged baseline', async () => {
    const dir = tempDir();
    const db = join(dir, 'bitext.duckdb');
    const result = await runCli([
      'replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--dataset', bitext,
      '--field', 'query=instruction', '--field', 'answer=response', '--field', 'id=', '--field', 'label=', '--limit', '300', '--db', db, '--run-id', 'bitext',
    ]);
    expect(result.stderr).not.toContain('unexpected error');
    expect(result.code).toBe(0);
    const [counts] = await rows<{ queries: number; logged: number; candidate_ok: number; scored: number }>(
      db,
      `SELECT (SELECT count(*) FROM queries WHERE run_id = 'bitext') AS queries,
              (SELECT count(*) FROM responses WHERE run_id = 'bitext' AND role = 'baseline' AND source = 'log') AS logged,
              (SELECT count(*) FROM responses WHERE run_id = 'bitext' AND role = 'candidate' AND status IN ('ok', 'ok_after_retry')) AS candidate_ok,
              (SELECT count(*) FROM judgments WHERE run_id = 'bitext' AND status = 'scored') AS scored`,
    );
    expect(counts).toEqual({ queries: 300, logged: 300, candidate_ok: 300, scored: 600 });
  });
});

describe('bad input and failure: one line, exit 2, nothing written', () => {
  let closedPort = 0;
  beforeAll(async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    closedPort = (server.address() as AddressInfo).port;
    server.close();
  });
  const cases: Array<[string, (dir: string) => string[], RegExp]> = [
    ['unknown config key', (dir) => { const file = join(dir, 'c.yaml'); writeFileSync(file, readFileSync('examples/sim.yaml', 'utf8').replace('baseline: gpt4', 'baseline: gpt4\nbasline: gpt4')); return ['-c', file, '--sim']; }, /unknown key "basline"/],
    ['missing key variable', () => ['-c', 'examples/sim.yaml'], /missing API key environment variable: OPENAI_API_KEY \(needed by gpt35, gpt4\)/],
    ['dataset path that does not exist', () => ['-c', 'examples/sim.yaml', '--sim', '--dataset', 'nope/missing.jsonl'], /dataset not found: nope\/missing\.jsonl/],
    ['wrong field mapping', () => ['-c', 'examples/sim.yaml', '--sim', '--dataset', join(import.meta.dirname, 'fixtures/tiny.csv'), '--field', 'query=text'], /field 'query' is mapped to column 'text', which does not exist/],
    ['empty dataset', (dir) => { const file = join(dir, 'empty.jsonl'); writeFileSync(file, ''); return ['-c', 'examples/sim.yaml', '--sim', '--dataset', file]; }, /dataset is empty/],
    ['only bad lines', (dir) => { const file = join(dir, 'bad.jsonl'); writeFileSync(file, '{oops\n[1,2]\n'); return ['-c', 'examples/sim.yaml', '--sim', '--dataset', file]; }, /no valid query: all 2 records/],
    ['unreachable endpoint', (dir) => { const file = join(dir, 'c.yaml'); writeFileSync(file, readFileSync('examples/sim.yaml', 'utf8').replaceAll('https://api.openai.com/v1', `http://127.0.0.1:${closedPort}/v1`)); return ['-c', file]; }, /endpoint "\w+" unreachable at http:\/\/127\.0\.0\.1:\d+\/v1: ECONNREFUSED/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const dir = tempDir();
      const db = join(dir, 'never.duckdb');
      const result = await runCli(['replay', ...args(dir), '--db', db], { env: name === 'unreachable endpoint' ? { OPENAI_API_KEY: 'sk-test-not-real' } : {} });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('sk-test-not-real');
      expect(existsSync(db)).toBe(false);
    });
  }
});
