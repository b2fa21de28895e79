import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceKeyFor } from '../../src/sim/conversation.ts';
import { startSim, type SimServer } from '../../src/sim/server.ts';
import { openStore } from '../../src/store/store.ts';
import { ROOT, runCli, tempDir } from './cli.ts';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';

// The validator on multi-turn traffic (datasets/conversations-sample.jsonl: the last turn depends on
// an earlier one). A validator shown only "when will it arrive?" and the answer cannot tell a right
// answer from a wrong one; before it was shown the conversation its AUROC on this log was 0.49.

const LIMIT = 200;

describe('the validator sees the conversation', () => {
  const dir = tempDir('hybrid-eval-cascade-conversations-');
  const db = join(dir, 'cascade.duckdb');
  let sim: SimServer;
  let proxy: RecordingProxy;

  beforeAll(async () => {
    // No pairwise stage: the validator is what this test is about.
    const config = join(dir, 'config.yaml');
    writeFileSync(config, readFileSync(join(ROOT, 'examples/sim.yaml'), 'utf8').replace(/\n  pairwise_rubric: .*/, ''));
    const replay = await runCli(['replay', '-c', config, '--sim', '--sim-time-scale', '0', '--dataset', join(ROOT, 'datasets/conversations-sample.jsonl'), '--limit', String(LIMIT), '--db', db, '--run-id', 'shadow']);
    expect(replay.code, replay.stderr).toBe(0);
    sim = await startSim({ port: 0, timeScale: 0, validatorSkills: { 'llama-3-70b': 1 } });
    const store = await openStore(db, { mustExist: true, readOnly: true });
    try {
      for (const query of await store.readQueries('shadow')) if (query.reference !== undefined) sim.addReference(referenceKeyFor(query), query.reference, query.label);
    } finally {
      await store.close();
    }
    proxy = await startRecordingProxy(sim.url);
  }, 600_000);
  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
  });

  it('the replay validated multi-turn answers with a validator that separates good from bad (AUROC > 0.8)', async () => {
    const result = await runCli(['cascade', '--run', 'shadow', '--db', db, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as { validator: { auroc: number; n: number } };
    expect(json.validator.n).toBeGreaterThan(LIMIT / 2);
    expect(json.validator.auroc).toBeGreaterThan(0.8);
  }, 300_000);

  it('sends the validator the earlier turns of each multi-turn request, and still no reference', async () => {
    const config = join(dir, 'proxied.yaml');
    writeFileSync(
      config,
      readFileSync(join(ROOT, 'examples/sim.yaml'), 'utf8')
        .replace('${VLLM_BASE_URL:-http://127.0.0.1:8000/v1}', proxy.url)
        .replace('system_prompt_file: prompts/', `system_prompt_file: ${ROOT}/prompts/`),
    );
    const result = await runCli(['validate', '--run', 'shadow', '--db', db, '-c', config, '--name', 'proxied', '--no-cache', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as { items: number };
    const prompts = proxy.requests
      .filter((request) => request.path.endsWith('/chat/completions') && request.body.includes('validator_verdict'))
      .map((request) => (JSON.parse(request.body) as { messages: Array<{ role: string; content: string }> }).messages.find((message) => message.role === 'user')!.content);
    expect(prompts.length).toBe(summary.items);
    expect(summary.items).toBeGreaterThan(LIMIT / 2);

    // Every validated query that has earlier turns: its prompt holds them (each earlier customer
    // message, as the judge's transcript writes it), before the graded <query>.
    const store = await openStore(db, { mustExist: true, readOnly: true });
    try {
      const validated = await store.all<{ query_id: string }>(`SELECT query_id FROM validations WHERE run_id = 'shadow' AND validator_name = 'proxied'`);
      const queries = new Map((await store.readQueries('shadow')).map((query) => [query.queryId, query]));
      let multiTurn = 0;
      for (const { query_id } of validated) {
        const query = queries.get(query_id)!;
        const customer = query.request?.messages.filter((message) => message.role === 'user').map((message) => message.content) ?? [];
        if (customer.length < 2) continue;
        multiTurn++;
        const earlier = customer.at(-2)!;
        const prompt = prompts.find((text) => text.includes(`customer: ${earlier}`) && text.includes(query.text));
        expect(prompt, `validator prompt for ${query_id}`).toBeDefined();
        expect(prompt!.indexOf('<conversation>')).toBeLessThan(prompt!.indexOf('<query>'));
      }
      expect(multiTurn).toBeGreaterThan(LIMIT / 4);
    } finally {
      await store.close();
    }
    for (const prompt of prompts) expect(prompt).not.toContain('<reference>');
  }, 300_000);
});
