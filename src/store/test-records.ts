// Builders for store tests and their child-process fixtures: complete records with every optional
// field either filled or left undefined.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JudgeSpec, JudgmentRecord, Verdict } from '../core/judgment.ts';
import type { Query, Reject } from '../core/query.ts';
import type { ResponseRecord, Role } from '../core/response.ts';
import type { RouteRecord } from '../core/route.ts';
import type { Tier } from '../core/tier.ts';
import type { StoreBatch } from './types.ts';

export function tempDir(prefix = 'hybrid-eval-store-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export const JUDGE: JudgeSpec = {
  name: 'gpt4-judge',
  rubric: 'support-quality',
  rubricVersion: '1',
  promptHash: 'sha256:abc',
  model: 'gpt-4o',
  settings: { temperature: 0, seed: 7 },
};

export function query(queryId: string, overrides: Partial<Query> = {}): Query {
  return { queryId, text: `question ${queryId}`, source: { file: 'logs.jsonl', line: 1 }, ...overrides };
}

export function route(runId: string, queryId: string, tier: Tier, overrides: Partial<RouteRecord> = {}): RouteRecord {
  return {
    runId,
    queryId,
    policy: 'router',
    tier,
    endpoint: tier === 'complex' ? 'gpt-4' : 'llama',
    label: undefined,
    probabilities: undefined,
    latencyUs: undefined,
    routerVersion: undefined,
    ...overrides,
  };
}

export function response(runId: string, queryId: string, role: Role, overrides: Partial<ResponseRecord> = {}): ResponseRecord {
  return {
    runId,
    queryId,
    role,
    endpoint: role === 'baseline' ? 'gpt-4' : 'llama',
    model: role === 'baseline' ? 'gpt-4-0613' : 'llama-3-8b',
    source: 'endpoint',
    status: 'ok',
    attempts: 1,
    error: undefined,
    output: `answer to ${queryId}`,
    promptTokens: undefined,
    completionTokens: undefined,
    ttftMs: undefined,
    latencyMs: undefined,
    costUsd: undefined,
    startedAt: new Date('2025-01-02T03:04:05.678Z'),
    ...overrides,
  };
}

export function judgment(
  runId: string,
  queryId: string,
  role: Role,
  verdict: Verdict,
  overrides: Partial<JudgmentRecord> = {},
): JudgmentRecord {
  return {
    runId,
    queryId,
    role,
    kind: 'single',
    judge: JUDGE,
    verdict,
    latencyMs: undefined,
    createdAt: new Date('2025-01-02T03:05:00.000Z'),
    ...overrides,
  };
}

export function scored(score: number): Verdict {
  return { status: 'scored', score, reasoning: `scored ${score}` };
}

export function reject(line: number, overrides: Partial<Reject> = {}): Reject {
  return { file: 'logs.jsonl', line, reason: 'missing text', ...overrides };
}

/** `count` complete queries (route, candidate and baseline answers, both judged) from `start`. */
export function fullBatch(runId: string, start: number, count: number): StoreBatch {
  const batch = { queries: [] as Query[], routes: [] as RouteRecord[], responses: [] as ResponseRecord[], judgments: [] as JudgmentRecord[] };
  for (let index = start; index < start + count; index++) {
    const id = `q${String(index).padStart(6, '0')}`;
    batch.queries.push(query(id, { source: { file: 'logs.jsonl', line: index + 1 } }));
    batch.routes.push(route(runId, id, 'simple'));
    batch.responses.push(response(runId, id, 'candidate'), response(runId, id, 'baseline'));
    batch.judgments.push(judgment(runId, id, 'candidate', scored(4)), judgment(runId, id, 'baseline', scored(5)));
  }
  return batch;
}
