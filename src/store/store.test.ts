import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { multiplySize, parseSize } from '../core/duckdb-size.ts';
import { UsageError } from '../core/errors.ts';
import type { JudgmentRecord } from '../core/judgment.ts';
import type { Query, Reject } from '../core/query.ts';
import type { ResponseRecord } from '../core/response.ts';
import type { RouteRecord } from '../core/route.ts';
import { MIGRATIONS } from './migrations/all-migrations.ts';
import { isOutOfMemory, openStore } from './store.ts';
import { fullBatch, JUDGE, judgment, query, reject, response, route, scored, tempDir } from './test-records.ts';
import type { Store } from './types.ts';

const LATEST = MIGRATIONS.at(-1)!.version;

let dir: ReturnType<typeof tempDir>;
let store: Store;
let clock: number;
const now = () => new Date(clock);
const RUN = { runId: 'r1', mode: 'shadow', dataset: 'logs.jsonl', policy: 'router', config: { seed: 1, endpoints: ['llama'] } };

beforeEach(async () => {
  dir = tempDir();
  clock = Date.parse('2025-03-01T10:00:00.000Z');
  store = await openStore(join(dir.path, 'store.duckdb'), { now });
});
afterEach(async () => {
  await store.close();
  dir.remove();
});

describe('runs', () => {
  it('creates, reads and finishes a run', async () => {
    await store.createRun({ ...RUN, notes: 'first try' });
    expect(await store.getRun('r1')).toEqual({
      run_id: 'r1',
      created_at: '2025-03-01T10:00:00.000Z',
      finished_at: undefined,
      status: 'running',
      mode: 'shadow',
      dataset: 'logs.jsonl',
      policy: 'router',
      config_json: JSON.stringify(RUN.config),
      notes: 'first try',
      query_count: undefined,
      reject_count: undefined,
      default_judge: undefined,
    });
    clock += 60_000;
    await store.setRunStatus('r1', 'complete', { queryCount: 10, rejectCount: 0 });
    const finished = await store.getRun('r1');
    expect(finished).toMatchObject({ status: 'complete', finished_at: '2025-03-01T10:01:00.000Z', query_count: 10, reject_count: 0 });
    // Resuming reopens it; counts not given are kept.
    await store.setRunStatus('r1', 'running');
    expect(await store.getRun('r1')).toMatchObject({ status: 'running', finished_at: undefined, query_count: 10, reject_count: 0 });
    expect(await store.getRun('nope')).toBeUndefined();
  });

  it('refuses a second run with the same id, and status changes to unknown runs', async () => {
    await store.createRun(RUN);
    await expect(store.createRun(RUN)).rejects.toThrow(/run r1 already exists/);
    await expect(store.setRunStatus('nope', 'failed')).rejects.toThrow(UsageError);
  });

  it('finds the latest run, optionally by status', async () => {
    await store.createRun({ ...RUN, runId: 'a' });
    clock += 1000;
    await store.createRun({ ...RUN, runId: 'b' });
    clock += 1000;
    await store.createRun({ ...RUN, runId: 'c' });
    await store.setRunStatus('a', 'complete');
    await store.setRunStatus('c', 'failed');
    expect((await store.latestRun())?.run_id).toBe('c');
    expect((await store.latestRun({ status: 'complete' }))?.run_id).toBe('a');
    expect((await store.latestRun({ status: 'interrupted' }))?.run_id).toBeUndefined();
  });
});

describe('round trip', () => {
  it('every record comes back as written, undefined as NULL and back to undefined', async () => {
    await store.createRun(RUN);
    const queries: Query[] = [
      query('full', {
        timestamp: '2025-02-01T08:00:00Z',
        conversationId: 'conv-1',
        channel: 'chat',
        label: 'medium',
        reference: 'Opening hours are 9-5.',
        source: { file: 'logs/a.jsonl', line: 42 },
      }),
      query('bare', { source: { file: 'logs/a.jsonl', line: 43 } }),
    ];
    const routes: RouteRecord[] = [
      route('r1', 'full', 'medium', { label: 'medium', probabilities: { simple: 0.1, medium: 0.7, complex: 0.2 }, latencyUs: 98.5, routerVersion: 'bert-v3' }),
      route('r1', 'bare', 'simple'),
    ];
    const responses: ResponseRecord[] = [
      response('r1', 'full', 'candidate', {
        status: 'ok_after_retry',
        attempts: 2,
        promptTokens: 512,
        completionTokens: 128,
        ttftMs: 35.25,
        latencyMs: 410.5,
        costUsd: 0.000125,
        startedAt: new Date('2025-03-01T10:00:01.001Z'),
      }),
      response('r1', 'full', 'baseline', { source: 'log', output: 'logged answer' }),
      response('r1', 'bare', 'candidate', { status: 'failed', attempts: 3, error: 'ECONNREFUSED', output: undefined }),
      response('r1', 'bare', 'fallback', { endpoint: 'gpt-3.5', model: 'gpt-3.5-turbo', output: '' }),
    ];
    const judgments: JudgmentRecord[] = [
      judgment('r1', 'full', 'candidate', scored(4.5), { latencyMs: 812 }),
      judgment('r1', 'full', 'baseline', { status: 'scored', score: 5, reasoning: '' }),
      judgment('r1', 'bare', 'fallback', { status: 'unscored', reason: 'empty answer' }),
      judgment('r1', 'bare', 'candidate', { status: 'error', reason: 'judge timed out' }, {
        judge: { ...JUDGE, settings: {} },
      }),
    ];
    const rejects: Reject[] = [reject(7, { raw: '{"text": ' }), reject(9)];
    await store.writeBatch('r1', { queries, routes, responses, judgments, rejects });

    expect(await store.readQueries('r1')).toEqual(queries);
    expect(await store.readRoutes('r1')).toEqual(routes);
    expect(await store.readResponses('r1')).toEqual(responses);
    expect(await store.readJudgments('r1')).toEqual(judgments);
    expect(await store.readRejects('r1')).toEqual(rejects);
    expect(await store.completedQueryIds('r1')).toEqual(new Set(['full', 'bare']));

    // Unknown numbers are NULL in the table, never 0.
    expect(
      await store.all(`SELECT prompt_tokens, completion_tokens, ttft_ms, latency_ms, cost_usd FROM responses WHERE query_id = 'bare' AND role = 'candidate'`),
    ).toEqual([{ prompt_tokens: null, completion_tokens: null, ttft_ms: null, latency_ms: null, cost_usd: null }]);
    expect(await store.all(`SELECT score, reason FROM judgments WHERE status <> 'scored' ORDER BY reason`)).toEqual([
      { score: null, reason: 'empty answer' },
      { score: null, reason: 'judge timed out' },
    ]);
    expect(await store.all(`SELECT prob_simple, latency_us, router_version FROM routes WHERE query_id = 'bare'`)).toEqual([
      { prob_simple: null, latency_us: null, router_version: null },
    ]);
  });

  it('gate decisions are an append-only history', async () => {
    await store.createRun(RUN);
    await store.writeGateDecision({ runId: 'r1', plan: 'default', step: 'shadow', decision: 'hold', reasons: ['n too small'], metrics: { n: 10 } });
    clock += 1000;
    await store.writeGateDecision({ runId: 'r1', plan: 'default', step: 'shadow', decision: 'go', reasons: [], metrics: { n: 1000 } });
    expect(await store.readGateDecisions('r1')).toEqual([
      { runId: 'r1', plan: 'default', step: 'shadow', decision: 'hold', reasons: ['n too small'], metrics: { n: 10 }, decidedAt: '2025-03-01T10:00:00.000Z' },
      { runId: 'r1', plan: 'default', step: 'shadow', decision: 'go', reasons: [], metrics: { n: 1000 }, decidedAt: '2025-03-01T10:00:01.000Z' },
    ]);
    await expect(store.writeGateDecision({ runId: 'nope', plan: 'p', step: 's', decision: 'go', reasons: [], metrics: {} })).rejects.toThrow(/no run nope/);
  });
});

describe('writeJudgments (re-judging)', () => {
  it('replaces rows with the same key and leaves the others alone', async () => {
    await store.createRun(RUN);
    await store.writeBatch('r1', {
      queries: [query('q1'), query('q2', { source: { file: 'logs.jsonl', line: 2 } })],
      judgments: [judgment('r1', 'q1', 'candidate', scored(2)), judgment('r1', 'q2', 'candidate', scored(3))],
    });
    const rejudged = judgment('r1', 'q1', 'candidate', scored(5), { createdAt: new Date('2025-03-02T00:00:00Z') });
    const otherJudge = judgment('r1', 'q1', 'candidate', scored(1), { judge: { ...JUDGE, name: 'llama-judge' } });
    await store.writeJudgments([rejudged, otherJudge]);
    const rows = await store.all(`SELECT query_id, judge_name, score FROM judgments ORDER BY query_id, judge_name`);
    expect(rows).toEqual([
      { query_id: 'q1', judge_name: 'gpt4-judge', score: 5 },
      { query_id: 'q1', judge_name: 'llama-judge', score: 1 },
      { query_id: 'q2', judge_name: 'gpt4-judge', score: 3 },
    ]);
    // A key twice in one call is an error, and nothing is replaced.
    await expect(store.writeJudgments([judgment('r1', 'q2', 'candidate', scored(1)), judgment('r1', 'q2', 'candidate', scored(1))])).rejects.toThrow(
      /nothing was replaced.*(duplicate|Duplicate)/s,
    );
    expect(await store.all(`SELECT score FROM judgments WHERE query_id = 'q2'`)).toEqual([{ score: 3 }]);
  });
});

describe('all()', () => {
  it('returns plain JS values', async () => {
    const [row] = await store.all(
      `SELECT 42::BIGINT AS big, sum(x)::HUGEINT AS huge, 1.25::DECIMAL(10, 2) AS dec, TIMESTAMPTZ '2025-01-02 03:04:05.678+00' AS ts,
              TIMESTAMP '2025-01-02 03:04:05' AS plain_ts, DATE '2025-01-02' AS day, NULL AS nothing, 'x' AS text, true AS flag,
              [1::BIGINT, 2] AS list, {'a': 1::BIGINT} AS struct
       FROM (VALUES (1), (2)) AS t(x)`,
    );
    expect(row).toEqual({
      big: 42,
      huge: 3,
      dec: 1.25,
      ts: '2025-01-02T03:04:05.678Z',
      plain_ts: '2025-01-02T03:04:05.000Z',
      day: '2025-01-02',
      nothing: null,
      text: 'x',
      flag: true,
      list: [1, 2],
      struct: { a: 1 },
    });
    expect(await store.all('SELECT $1 AS a, ? IS NULL AS b, $3 AS c', ['p', undefined, new Date('2025-01-01T00:00:00Z')])).toEqual([
      { a: 'p', b: true, c: '2025-01-01T00:00:00.000Z' },
    ]);
  });
});

describe('sharing and read-only', () => {
  it('two stores on one path in one process share the database', async () => {
    await store.createRun(RUN);
    const second = await openStore(join(dir.path, 'store.duckdb'), { readOnly: true });
    try {
      expect((await second.getRun('r1'))?.run_id).toBe('r1');
      await expect(second.createRun({ ...RUN, runId: 'r2' })).rejects.toThrow(/read-only/);
    } finally {
      await second.close();
    }
    // Closing one leaves the other usable.
    expect((await store.getRun('r1'))?.status).toBe('running');
  });
});

describe('opening', () => {
  it('stores opened at the same time on a new file migrate it once', async () => {
    const path = join(dir.path, 'together.duckdb');
    const stores = await Promise.all([openStore(path), openStore(path), openStore(path)]);
    try {
      expect(stores.map((opened) => opened.schemaVersion)).toEqual([LATEST, LATEST, LATEST]);
      expect(await stores[0]!.all('SELECT count(*) AS n FROM schema_migrations')).toEqual([{ n: MIGRATIONS.length }]);
    } finally {
      await Promise.all(stores.map((opened) => opened.close()));
    }
  });

  it('an in-memory store works for tests of other modules', async () => {
    const memory = await openStore(':memory:');
    try {
      await memory.createRun(RUN);
      expect((await memory.latestRun())?.run_id).toBe('r1');
    } finally {
      await memory.close();
    }
  });
});

describe('memory limit', () => {
  it('a batch that does not fit the limit fails with an error that names the setting and --resume', async () => {
    await store.createRun({ runId: 'big', mode: 'shadow', dataset: 'd.jsonl', policy: 'oracle', config: {} });
    await store.setMemoryLimit('4MB');
    await expect(store.writeBatch('big', fullBatch('big', 0, 3000))).rejects.toThrow(
      /could not allocate block.*memory limit of 4MB is too small.*replay\.database_memory_limit.*--resume/,
    );
  });

  it('isOutOfMemory knows the limit being hit in a sort and an aggregate (an appender: the test above), and nothing else', async () => {
    expect(store.memoryLimitSize).toBeUndefined();
    await store.setMemoryLimit('8MB');
    expect(store.memoryLimitSize).toBe('8MB');
    const failures: unknown[] = [];
    for (const sql of ['SELECT * FROM range(3000000) t(i) ORDER BY hash(i)', 'SELECT i, count(*) FROM range(3000000) t(i) GROUP BY i']) {
      failures.push(await store.all(sql).then(() => undefined, (error: unknown) => error));
    }
    // DuckDB's words, e.g. "Out of Memory Error: failed to pin block of size 256.0 KiB (7.5 MiB/7.6 MiB used)".
    for (const error of failures) {
      expect((error as Error).message).toMatch(/^Out of Memory Error: (could not allocate block|failed to pin block|failed to allocate data) of size .* used\)/);
      expect(isOutOfMemory(error)).toBe(true);
      expect(isOutOfMemory(new Error('phase failed', { cause: error }))).toBe(true);
    }
    expect(isOutOfMemory(new Error('Out of Memory Error: Failed to allocate block of 1048576 bytes (bad allocation)'))).toBe(false);
    expect(isOutOfMemory(await store.all('SELECT no_such_column').catch((error: unknown) => error))).toBe(false);
  });

  it('the checkpoint threshold decides when the write-ahead log is folded into the database', async () => {
    const walBytes = (): number => {
      try {
        return statSync(join(dir.path, 'store.duckdb.wal')).size;
      } catch {
        return 0; // no log file: everything is checkpointed
      }
    };
    await store.createRun({ runId: 'wal', mode: 'shadow', dataset: 'd.jsonl', policy: 'oracle', config: {} });
    await store.setCheckpointThreshold('1GB');
    await store.writeBatch('wal', fullBatch('wal', 0, 500));
    const held = walBytes();
    expect(held).toBeGreaterThan(100_000);
    await store.setCheckpointThreshold('1KB');
    await store.writeBatch('wal', fullBatch('wal', 500, 10));
    expect(walBytes()).toBeLessThan(held);
    expect(await store.all(`SELECT count(*) AS n FROM queries WHERE run_id = 'wal'`)).toEqual([{ n: 510 }]);
    await expect(store.setCheckpointThreshold('16')).rejects.toThrow(UsageError);
  });

  it('multiplies a size in the unit it was given', () => {
    expect(multiplySize('128MB', 2)).toBe('256MB');
    expect(multiplySize('1.5 GiB', 2)).toBe('3GiB');
    expect(multiplySize('0.1GB', 4)).toBe('0.4GB');
    expect(() => multiplySize('128', 2)).toThrow(UsageError);
  });

  it('reads sizes as DuckDB does and refuses anything else', () => {
    expect(parseSize('64MB')).toBe(64_000_000);
    expect(parseSize('1.5 GiB')).toBe(1.5 * 1024 ** 3);
    expect(() => parseSize('64')).toThrow(UsageError);
    expect(() => parseSize("64MB'; DROP TABLE runs; --")).toThrow(/not a number and KB/);
  });
});
