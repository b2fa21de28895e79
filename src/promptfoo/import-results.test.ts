import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir as madeTempDir } from '../../test/temp-dirs.ts';
import { openStore } from '../store/store.ts';
import { importPromptfooResults } from './import-results.ts';

// Real `promptfoo eval -o` output of fixtures/mini-suite.yaml: 3 tests (simple, medium, complex),
// providers "hybrid" (Llama down: the simple query was served by the GPT-4 fallback) and "gpt4".
const FIXTURE = join(import.meta.dirname, 'fixtures/mini-results.json');
/** A JSON document edited in place. */
type Json = any;

const tempDir = (): string => madeTempDir('hybrid-eval-pf-import-');

function edited(dir: string, edit: (document: Json) => void, name = 'edited.json'): string {
  const document = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  edit(document);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(document));
  return file;
}

async function rows<T = Record<string, unknown>>(db: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const store = await openStore(db, { readOnly: true, mustExist: true });
  try {
    return await store.all<T>(sql, params);
  } finally {
    await store.close();
  }
}

describe('hybrid-eval promptfoo import', () => {
  it('stores a promptfoo eval as a run: queries, routes, candidate / fallback / baseline calls, judgments', async () => {
    const db = join(tempDir(), 'results.duckdb');
    const summary = await importPromptfooResults({ file: FIXTURE, db });
    const { evalId } = JSON.parse(readFileSync(FIXTURE, 'utf8'));
    expect(summary).toMatchObject({
      // Derived from promptfoo's eval id, so a second import of the same file finds it.
      runId: `pf-${evalId.replace(/^eval-/, '').replaceAll(':', '-')}`,
      queries: 3,
      responses: 7,
      judgments: 6,
      fallbacks: 1,
      failedCalls: 1,
      candidate: 'hybrid',
      baseline: 'gpt4',
      skipped: [],
      promptfoo: { successes: 6, failures: 0, errors: 0 },
    });
    const runId = summary.runId;
    const [run] = await rows(db, 'SELECT * FROM runs WHERE run_id = ?', [runId]);
    expect(run).toMatchObject({ status: 'complete', mode: 'promptfoo', policy: 'oracle', dataset: FIXTURE, query_count: 3, default_judge: 'support-single' });
    expect(run!.notes).toContain(`promptfoo eval ${evalId} "hybrid-eval import fixture": 6 passed, 0 failed, 0 errors; candidate hybrid, baseline gpt4; simulated endpoints`);
    expect(run!.notes).toMatch(/"hybrid-eval import fixture": 6 passed, 0 failed, 0 errors; candidate hybrid, baseline gpt4; simulated endpoints/);
    expect(JSON.parse(run!.config_json as string)).toMatchObject({ baseline: 'gpt4', volume: { monthly_queries: 1_000_000 } });

    expect(await rows(db, 'SELECT query_id, label, reference IS NOT NULL AS has_reference, source_line FROM queries WHERE run_id = ? ORDER BY source_line', [runId])).toEqual([
      { query_id: 'q-000012', label: 'simple', has_reference: true, source_line: 1 },
      { query_id: 'q-000002', label: 'medium', has_reference: true, source_line: 2 },
      { query_id: 'q-000086', label: 'complex', has_reference: true, source_line: 3 },
    ]);
    expect(await rows(db, 'SELECT query_id, policy, tier, endpoint FROM routes WHERE run_id = ? ORDER BY query_id', [runId])).toEqual([
      { query_id: 'q-000002', policy: 'oracle', tier: 'medium', endpoint: 'gpt35' },
      { query_id: 'q-000012', policy: 'oracle', tier: 'simple', endpoint: 'llama' },
      { query_id: 'q-000086', policy: 'oracle', tier: 'complex', endpoint: 'gpt4' },
    ]);
    const responses = await rows<{ query_id: string; role: string; endpoint: string; status: string; prompt_tokens: number | null; cost_usd: number | null }>(
      db,
      'SELECT query_id, role, endpoint, status, prompt_tokens, cost_usd FROM responses WHERE run_id = ? ORDER BY query_id, role',
      [runId],
    );
    expect(responses.map((row) => [row.query_id, row.role, row.endpoint, row.status])).toEqual([
      ['q-000002', 'baseline', 'gpt4', 'ok'],
      ['q-000002', 'candidate', 'gpt35', 'ok'],
      ['q-000012', 'baseline', 'gpt4', 'ok'],
      ['q-000012', 'candidate', 'llama', 'failed'],
      ['q-000012', 'fallback', 'gpt4', 'ok'],
      ['q-000086', 'baseline', 'gpt4', 'ok'],
      ['q-000086', 'candidate', 'gpt4', 'ok'],
    ]);
    // A failed call's usage and cost are unknown, not 0.
    const failed = responses.find((row) => row.status === 'failed')!;
    expect([failed.prompt_tokens, failed.cost_usd]).toEqual([null, null]);
    expect(responses.filter((row) => row.status === 'ok').every((row) => row.prompt_tokens! > 0 && row.cost_usd! > 0)).toBe(true);

    // Each verdict as the judge assertion left it in promptfoo's results.
    const verdicts = new Map<string, number>();
    for (const result of JSON.parse(readFileSync(FIXTURE, 'utf8')).results.results) {
      const verdict = result.gradingResult.componentResults[0].metadata.hybrid_eval_judge.verdict;
      verdicts.set(`${result.vars.query_id} ${result.provider.label}`, verdict.score);
    }
    expect(await rows(db, 'SELECT query_id, role, judge_name, status, score FROM judgments WHERE run_id = ? ORDER BY query_id, role', [runId])).toEqual(
      [
        ['q-000002', 'baseline', 'gpt4'],
        ['q-000002', 'candidate', 'hybrid'],
        ['q-000012', 'baseline', 'gpt4'],
        ['q-000012', 'fallback', 'hybrid'],
        ['q-000086', 'baseline', 'gpt4'],
        ['q-000086', 'candidate', 'hybrid'],
      ].map(([query_id, role, provider]) => ({ query_id, role, judge_name: 'support-single', status: 'scored', score: verdicts.get(`${query_id} ${provider}`) })),
    );
    const pairs = await rows(db, 'SELECT query_id, fallback_used, served_score, baseline_score FROM pairs WHERE run_id = ? ORDER BY query_id', [runId]);
    expect(pairs.find((row) => row.query_id === 'q-000012')).toEqual({
      query_id: 'q-000012',
      fallback_used: true,
      served_score: verdicts.get('q-000012 hybrid'),
      baseline_score: verdicts.get('q-000012 gpt4'),
    });
  });

  it('refuses to import the same eval twice (nothing written) and takes another --run-id', async () => {
    const db = join(tempDir(), 'results.duckdb');
    const first = await importPromptfooResults({ file: FIXTURE, db });
    await expect(importPromptfooResults({ file: FIXTURE, db })).rejects.toThrow(`run ${first.runId} already exists in ${db}: nothing was written`);
    expect(await rows(db, 'SELECT count(*) AS n FROM responses')).toEqual([{ n: 7 }]);
    await importPromptfooResults({ file: FIXTURE, db, runId: 'again' });
    expect(await rows(db, 'SELECT run_id, count(*) AS n FROM queries GROUP BY run_id ORDER BY run_id')).toEqual([
      { run_id: 'again', n: 3 },
      { run_id: first.runId, n: 3 },
    ]);
  });

  it('names the file and field of bad input and writes nothing', async () => {
    const dir = tempDir();
    const db = join(dir, 'never.duckdb');
    const notJson = join(dir, 'results.jsonl');
    writeFileSync(notJson, '{"a":1}\n{"b":2}\n');
    const notPromptfoo = join(dir, 'other.json');
    writeFileSync(notPromptfoo, JSON.stringify({ runs: [] }));
    const cases: Array<[string, RegExp]> = [
      [notJson, /results\.jsonl: not JSON: .* \(write it with `promptfoo eval -o results\.json`/],
      [notPromptfoo, /other\.json \(results\): not promptfoo eval output/],
      [edited(dir, (document) => (document.results.version = 2), 'v2.json'), /v2\.json \(results\.version\): promptfoo output version 2 \(written by promptfoo 0\.121\.20\) is not supported/],
      [edited(dir, (document) => delete document.results.results[1].provider.id, 'no-id.json'), /no-id\.json \(results\.results\[1\]\.provider\.id\): /],
      [edited(dir, (document) => (document.results.results[0].response.metadata.hybrid_eval.calls[0].status = 'fine'), 'meta.json'), /meta\.json \(results\.results\[0\]\.response\.metadata\.hybrid_eval\.calls\[0\]\.status\): /],
      [
        edited(dir, (document) => {
          for (const result of document.results.results) if (result.testIdx === 2) result.vars.tier = 'hard';
        }, 'tier.json'), /tier\.json \(results\.results\[\d\]\.vars\.tier\): vars\.tier must be one of simple, medium, complex, got "hard"/,
      ],
      [edited(dir, (document) => document.results.results.push(document.results.results[0]), 'repeat.json'), /repeat\.json \(results\.results\[6\]\.testIdx\): provider "gpt4" answered test 0 twice/],
      [
        edited(dir, (document) => {
          for (const result of document.results.results) result.vars.query_id = 'same';
        }, 'ids.json'),
        /ids\.json \(results\.results\[\d\]\.vars\.query_id\): query id "same" is used by two tests/,
      ],
      [join(dir, 'missing.json'), /promptfoo results not found or unreadable: .*missing\.json \(ENOENT\)/],
    ];
    for (const [file, message] of cases) await expect(importPromptfooResults({ file, db }), file).rejects.toThrow(message);
    expect(existsSync(db)).toBe(false);
  });

  it('lets --candidate / --baseline choose the sides and says when the choice is ambiguous', async () => {
    const dir = tempDir();
    const db = join(dir, 'results.duckdb');
    const swapped = await importPromptfooResults({ file: FIXTURE, db, runId: 'swapped', candidate: 'gpt4', baseline: 'hybrid' });
    expect(swapped).toMatchObject({ candidate: 'gpt4', baseline: 'hybrid', responses: 6, fallbacks: 0 });
    // One endpoint answered everything: a fixed route, the tier from the label.
    expect(await rows(db, "SELECT DISTINCT policy, endpoint FROM routes WHERE run_id = 'swapped'")).toEqual([{ policy: 'fixed', endpoint: 'gpt4' }]);
    // The baseline is what the hybrid stack served: the fallback's answer for the simple query.
    expect(await rows(db, "SELECT endpoint FROM responses WHERE run_id = 'swapped' AND role = 'baseline' AND query_id = 'q-000012'")).toEqual([{ endpoint: 'gpt4' }]);

    const bothCandidates = edited(dir, (document) => {
      for (const result of document.results.results) result.response.metadata.hybrid_eval.role = 'candidate';
    });
    await expect(importPromptfooResults({ file: bothCandidates, db })).rejects.toThrow(/several providers in .* would be the candidate \(gpt4, hybrid\): choose one with --candidate LABEL/);
    await expect(importPromptfooResults({ file: FIXTURE, db, candidate: 'claude' })).rejects.toThrow(/--candidate claude: no such provider in .* \(providers: gpt4, hybrid\)/);
    expect(await rows(db, 'SELECT run_id FROM runs')).toEqual([{ run_id: 'swapped' }]);
  });

  it('imports another provider (not hybrid-eval) only when named, from what promptfoo recorded', async () => {
    const dir = tempDir();
    const db = join(dir, 'results.duckdb');
    const foreign = edited(dir, (document) => {
      for (const result of document.results.results) {
        if (result.provider.label !== 'gpt4') continue;
        result.provider = { id: 'openai:gpt-4' };
        delete result.response.metadata;
      }
    });
    const alone = await importPromptfooResults({ file: foreign, db, runId: 'alone' });
    expect(alone).toMatchObject({ candidate: 'hybrid', baseline: undefined, skipped: ['openai:gpt-4'], responses: 4 });
    const named = await importPromptfooResults({ file: foreign, db, runId: 'named', baseline: 'openai:gpt-4' });
    expect(named).toMatchObject({ baseline: 'openai:gpt-4', responses: 7 });
    const [baseline] = await rows(db, "SELECT endpoint, model, status, attempts, prompt_tokens, cost_usd FROM responses WHERE run_id = 'named' AND role = 'baseline' AND query_id = 'q-000002'");
    expect(baseline).toMatchObject({ endpoint: 'openai:gpt-4', model: 'openai:gpt-4', status: 'ok', attempts: 1 });
    expect(baseline!.prompt_tokens).toBeGreaterThan(0);
    expect(baseline!.cost_usd).toBeGreaterThan(0);
  });

  it('stores a test promptfoo saw as an error (no endpoint answered) as a failed call, unjudged', async () => {
    const dir = tempDir();
    const db = join(dir, 'results.duckdb');
    const failing = edited(dir, (document) => {
      const result = document.results.results.find((entry: Json) => entry.provider.label === 'hybrid' && entry.testIdx === 2);
      const call = result.response.metadata.hybrid_eval.calls[0];
      Object.assign(call, { status: 'failed', attempts: 4, error: '503 The model `gpt-4` is currently unavailable.' });
      for (const field of ['output', 'promptTokens', 'completionTokens', 'ttftMs', 'latencyMs', 'costUsd']) delete call[field];
      result.response = { error: 'hybrid-eval: no answer (gpt4: 503)', metadata: result.response.metadata };
      result.gradingResult = null;
      result.success = false;
    });
    await importPromptfooResults({ file: failing, db, runId: 'failing' });
    expect(await rows(db, "SELECT status, attempts, error, output, cost_usd FROM responses WHERE run_id = 'failing' AND query_id = 'q-000086' AND role = 'candidate'")).toEqual([
      { status: 'failed', attempts: 4, error: '503 The model `gpt-4` is currently unavailable.', output: null, cost_usd: null },
    ]);
    expect(await rows(db, "SELECT candidate_judge_status, baseline_judge_status FROM pairs WHERE run_id = 'failing' AND query_id = 'q-000086'")).toEqual([
      { candidate_judge_status: null, baseline_judge_status: 'scored' },
    ]);
  });

  it('needs -c when no hybrid-eval provider or judge recorded a config', async () => {
    const dir = tempDir();
    const bare = edited(dir, (document) => {
      for (const result of document.results.results) {
        delete result.response.metadata;
        result.gradingResult.componentResults = [];
      }
    });
    await expect(importPromptfooResults({ file: bare, db: join(dir, 'x.duckdb'), candidate: 'hybrid' })).rejects.toThrow(/no hybrid-eval provider or judge recorded a config: pass -c CONFIG/);
    const summary = await importPromptfooResults({ file: bare, db: join(dir, 'x.duckdb'), candidate: 'hybrid', baseline: 'gpt4', config: 'examples/sim.yaml' });
    expect(summary).toMatchObject({ queries: 3, responses: 6, judgments: 0 });
  });
});
