import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../../src/sim/server.ts';
import { openStore } from '../../src/store/store.ts';
import { runCli, startCli, tempDir } from './cli.ts';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';

// Issue 15, item 7: a logged answer has a declared source. A human agent's reply
// (dataset.answer_source: human, or --answer-source human) is stored as role human beside the
// models, and the baseline model (GPT-4) is called live for the query as if nothing were logged;
// the gate's baseline and cost figures never use the human reply. The default stays baseline.
// Endpoints sit behind a capture proxy, so the test sees which model each query was sent to.

const AGENT = (id: string) => `Hi, this is Dana from the support team about ${id}. Let me check that for you and get back to you shortly.`;

/** A data-deletion request: sensitive, so it may not leave the premises (its GPT-4 baseline is withheld). */
const SENSITIVE = { query_id: 'q-gdpr', query: 'please delete all my personal data, i am done with you', tier: 'complex', reference: 'We delete personal data within 30 days of a request.' };

/**
 * Sample queries without digits or addresses (the redactor leaves them as they are, so sent text
 * matches stored text), and one sensitive query.
 */
function sampleLog(dir: string, count: number): { path: string; ids: string[] } {
  const records = readFileSync('datasets/sample.jsonl', 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { query_id: string; query: string })
    .filter((record) => /^[a-z ?'.,!]+$/i.test(record.query))
    .slice(0, count)
    .concat(SENSITIVE);
  const path = join(dir, 'agent-log.jsonl');
  writeFileSync(path, records.map((record) => JSON.stringify({ ...record, agent_reply: AGENT(record.query_id) })).join('\n') + '\n');
  return { path, ids: records.map((record) => record.query_id) };
}

function writeConfig(dir: string, url: string, dataset: string, answerSource: string | undefined): string {
  const path = join(dir, `config-${answerSource ?? 'default'}.yaml`);
  writeFileSync(
    path,
    `version: 1
system_prompt: 'You are the Northwind Home support assistant.'
endpoints:
  llama: { base_url: '${url}', model: llama-3-70b, on_prem: true, pricing: { fixed_monthly_usd: 11000, per_query_usd: 0.0004 }, retries: 0 }
  gpt4: { base_url: '${url}', model: gpt-4, pricing: { input_per_million: 30, output_per_million: 60 }, retries: 0 }
# Every query goes to llama: a GPT-4 chat call that is not a judge call is the baseline's.
routing: { policy: fixed, fixed_tier: simple, tiers: { simple: llama, medium: llama, complex: gpt4 } }
baseline: gpt4
judge: { endpoint: gpt4, rubric: judges/support-single.yaml }
dataset:
  path: '${dataset}'
  fields: { answer: agent_reply }
${answerSource === undefined ? '' : `  answer_source: ${answerSource}\n`}database: '${join(dir, 'results.duckdb')}'
results_dir: '${join(dir, 'results')}'
volume: { monthly_queries: 1000000 }
`,
  );
  return path;
}

interface Body {
  model: string;
  messages: Array<{ role: string; content: string }>;
  response_format?: { json_schema?: { name?: string } };
}

describe('a logged answer with a declared source (answer_source)', () => {
  let sim: SimServer;
  let proxy: RecordingProxy;
  let dir: string;
  let log: { path: string; ids: string[] };
  beforeAll(async () => {
    sim = await startSim({ port: 0, timeScale: 0 });
    proxy = await startRecordingProxy(sim.url);
    dir = tempDir('hybrid-eval-human-');
    log = sampleLog(dir, 12);
  });
  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
  });

  /** The chat requests this replay sent, split into the judge's and the others (answers). */
  async function replay(args: string[]): Promise<{ answers: Body[]; judge: Body[]; stdout: string }> {
    const start = proxy.requests.length;
    const result = await runCli(['replay', ...args]);
    expect(result.code, result.stderr).toBe(0);
    const bodies = proxy.requests
      .slice(start)
      .filter((request) => request.path.endsWith('/chat/completions'))
      .map((request) => JSON.parse(request.body) as Body);
    const isJudge = (body: Body) => body.response_format?.json_schema?.name === 'judge_verdict';
    return { answers: bodies.filter((body) => !isJudge(body)), judge: bodies.filter(isJudge), stdout: result.stdout };
  }

  async function rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const store = await openStore(join(dir, 'results.duckdb'), { readOnly: true });
    try {
      return await store.all<T>(sql, params);
    } finally {
      await store.close();
    }
  }

  it('answer_source: human calls GPT-4 live for every query, stores the reply as role human, and the gate leaves it out of the baseline', async () => {
    const config = writeConfig(dir, proxy.url, log.path, 'human');
    const sent = await replay(['-c', config, '--run-id', 'human']);
    const texts = await rows<{ query_id: string; text: string }>(`SELECT query_id, text FROM queries WHERE run_id = 'human' ORDER BY query_id`);
    expect(texts.map((row) => row.query_id)).toEqual(log.ids);
    // The sensitive query's GPT-4 baseline is withheld (privacy), as it would be with nothing logged.
    const withheld = await rows<{ query_id: string }>(`SELECT query_id FROM privacy_decisions WHERE run_id = 'human' AND baseline_withheld`);
    expect(withheld).toEqual([{ query_id: SENSITIVE.query_id }]);
    const external = texts.filter((row) => row.query_id !== SENSITIVE.query_id);

    // GPT-4 was sent every other query as the baseline, exactly once; the agent's reply was never sent as an answer.
    const toGpt4 = sent.answers.filter((body) => body.model === 'gpt-4').map((body) => body.messages.at(-1)!.content);
    expect(toGpt4.sort()).toEqual(external.map((row) => row.text).sort());
    expect(sent.answers.filter((body) => body.model === 'llama-3-70b')).toHaveLength(log.ids.length);
    expect(JSON.stringify(sent.answers)).not.toContain('get back to you shortly');

    const responses = await rows<{ query_id: string; role: string; endpoint: string; model: string; source: string; status: string; output: string | null; cost_usd: number | null }>(
      `SELECT query_id, role, endpoint, model, source, status, output, cost_usd FROM responses WHERE run_id = 'human' ORDER BY query_id, role`,
    );
    const ofRole = (role: string) => responses.filter((row) => row.role === role);
    expect(ofRole('baseline').map((row) => [row.query_id, row.source, row.endpoint, row.status])).toEqual(
      log.ids.map((id) => [id, 'endpoint', 'gpt4', id === SENSITIVE.query_id ? 'withheld' : 'ok']),
    );
    expect(ofRole('baseline').every((row) => (row.status === 'withheld' ? row.output === null : row.cost_usd !== null && !row.output!.includes('Dana')))).toBe(true);
    expect(ofRole('human').map((row) => [row.query_id, row.endpoint, row.model, row.source, row.output, row.cost_usd])).toEqual(
      log.ids.map((id) => [id, 'human agent', 'human', 'log', AGENT(id), null]),
    );

    // The human reply is judged like the models' answers (the judge saw it), under its own role.
    // (Redacted for the external judge like every answer: the agent's name is a placeholder there.)
    // The sensitive query's answers are not shown to the external judge (no on-prem judge here).
    expect(sent.judge.filter((body) => JSON.stringify(body.messages).includes('get back to you shortly'))).toHaveLength(external.length);
    const judged = await rows<{ role: string; n: number }>(`SELECT role, count(*) AS n FROM judgments WHERE run_id = 'human' GROUP BY role ORDER BY role`);
    expect(judged).toEqual([
      { role: 'baseline', n: external.length },
      { role: 'candidate', n: external.length },
      { role: 'human', n: external.length },
    ]);
    const pairs = await rows<{ baseline_source: string; baseline_output: string | null }>(`SELECT baseline_source, baseline_output FROM pairs WHERE run_id = 'human'`);
    expect(pairs.every((row) => row.baseline_source === 'endpoint' && !(row.baseline_output ?? '').includes('Dana'))).toBe(true);
    const [beside] = await rows<{ n: number; with_baseline: number }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE baseline_endpoint = 'gpt4' AND human_output LIKE '%Dana%') AS with_baseline FROM human_replies WHERE run_id = 'human'`,
    );
    expect(beside).toEqual({ n: log.ids.length, with_baseline: log.ids.length });

    // The gate: baseline quality is GPT-4's judged answers only, baseline calls are the live ones,
    // the cost has no human row, and the human replies are shown apart.
    const gate = await runCli(['gate', '--run', 'human', '--db', join(dir, 'results.duckdb'), '--results', join(dir, 'results'), '--plan', 'suites/rollout.yaml']);
    expect([0, 1, 3], gate.stderr).toContain(gate.code);
    expect(gate.stdout).toMatch(new RegExp(`Human agent replies from the log \\(role human, beside the models; never the baseline, not in any check or cost\\): ${log.ids.length}, ${external.length} scored`));
    // The sensitive query's missing judgment is named, not hidden.
    expect(gate.stdout).toMatch(/unjudged_simple: 12 judged of 13 served on simple \(1 unjudged: 1 judge withheld \(sensitive query/);
    const report = JSON.parse(readFileSync(join(dir, 'results', 'human', 'report.json'), 'utf8'));
    const [baselineScores] = await rows<{ n: number; mean: number }>(`SELECT count(score) AS n, avg(score) AS mean FROM current_judgments WHERE run_id = 'human' AND role = 'baseline'`);
    const [humanScores] = await rows<{ n: number; mean: number }>(`SELECT count(score) AS n, avg(score) AS mean FROM current_judgments WHERE run_id = 'human' AND role = 'human'`);
    const simple = report.metrics.byTier.find((tier: { tier: string }) => tier.tier === 'simple');
    expect(simple.baseline.n).toBe(Number(baselineScores!.n));
    expect(simple.baseline.mean).toBeCloseTo(baselineScores!.mean, 10);
    // The sim scores the agent's holding reply below GPT-4's: were it in the baseline, the mean would move.
    expect(humanScores!.mean).toBeLessThan(baselineScores!.mean);
    expect(report.metrics.baselineCalls).toEqual({ total: log.ids.length, failed: 0 });
    expect(report.metrics.humanReplies).toMatchObject({ replies: log.ids.length, scored: Number(humanScores!.n) });
    expect(report.metrics.humanReplies.meanScore).toBeCloseTo(humanScores!.mean, 10);
    expect(report.metrics.latency.map((row: { role: string }) => row.role)).not.toContain('human');
    // Today's all-GPT-4 bill is priced from the live GPT-4 calls (a human reply has no token price).
    expect(report.costModel.allBaseline.monthlyUsd).toBeGreaterThan(0);
    const costCells = await rows<{ endpoint: string; role: string }>(`SELECT DISTINCT endpoint, role FROM cost_by_tier WHERE run_id = 'human' ORDER BY ALL`);
    expect(costCells).toEqual([
      { endpoint: 'gpt4', role: 'baseline' },
      { endpoint: 'llama', role: 'candidate' },
    ]);
    expect(readFileSync(join(dir, 'results', 'human', 'report.md'), 'utf8')).toContain('Human agent replies from the log');

    // The viewer's query page shows the human reply as its own card, after the model baseline's.
    const viewer = startCli(['view', '--db', join(dir, 'results.duckdb'), '--port', '0']);
    try {
      const address = await new Promise<string>((resolve, reject) => {
        let text = '';
        viewer.child.stdout!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes('\n')) resolve(text.split('\n')[0]!);
        });
        viewer.child.once('exit', () => reject(new Error(`view exited: ${text}`)));
      });
      const target = new URL(address);
      const page = await fetch(`${target.origin}/query?run=human&id=${log.ids[0]}&token=${target.searchParams.get('token')}`);
      expect(page.status).toBe(200);
      const body = await page.text();
      const cards = [...body.matchAll(/<section class="answer" data-role="(\w+)"><h3>\w+: ([^<]+) </g)].map((match) => [match[1], match[2]]);
      expect(cards).toEqual([
        ['candidate', 'llama'],
        ['baseline', 'gpt4'],
        ['human', 'human agent'],
      ]);
      expect(body.slice(body.indexOf('data-role="human"'))).toContain(AGENT(log.ids[0]!));
    } finally {
      viewer.child.kill('SIGTERM');
      await viewer.done;
    }
  });

  it('by default (answer_source omitted) the logged answer is the baseline and GPT-4 is not called for it', async () => {
    const config = writeConfig(dir, proxy.url, log.path, undefined);
    const sent = await replay(['-c', config, '--run-id', 'default']);
    expect(sent.answers.filter((body) => body.model === 'gpt-4')).toEqual([]);
    const responses = await rows<{ role: string; source: string; output: string }>(`SELECT role, source, output FROM responses WHERE run_id = 'default' ORDER BY query_id, role`);
    expect(responses.filter((row) => row.role === 'human')).toEqual([]);
    const baseline = responses.filter((row) => row.role === 'baseline');
    expect(baseline).toHaveLength(log.ids.length);
    expect(baseline.every((row) => row.source === 'log' && row.output.includes('this is Dana'))).toBe(true);
    // Stored config and fingerprint say which source the run used.
    const [run] = await rows<{ answer_source: string }>(`SELECT config_json->>'$.dataset.answer_source' AS answer_source FROM runs WHERE run_id = 'default'`);
    expect(run!.answer_source).toBe('baseline');
  });

  it('--answer-source human overrides the config, for a chat log whose logged response is the agent', async () => {
    const chat = join(dir, 'chat.jsonl');
    writeFileSync(
      chat,
      ['c-1', 'c-2', 'c-3']
        .map((id) =>
          JSON.stringify({
            model: 'agent-console',
            messages: [{ role: 'user', content: `what are your store hours on sunday (${id})` }],
            response: { choices: [{ index: 0, message: { role: 'assistant', content: AGENT(id) }, finish_reason: 'stop' }] },
            metadata: { query_id: id },
          }),
        )
        .join('\n') + '\n',
    );
    const config = writeConfig(dir, proxy.url, chat, 'baseline');
    const sent = await replay(['-c', config, '--field', 'answer=', '--answer-source', 'human', '--run-id', 'chat-human']);
    const toGpt4 = sent.answers.filter((body) => body.model === 'gpt-4').map((body) => body.messages.at(-1)!.content);
    expect(toGpt4.sort()).toEqual(['c-1', 'c-2', 'c-3'].map((id) => `what are your store hours on sunday (${id})`));
    const responses = await rows<{ query_id: string; role: string; source: string; output: string }>(
      `SELECT query_id, role, source, output FROM responses WHERE run_id = 'chat-human' AND role IN ('baseline', 'human') ORDER BY query_id, role`,
    );
    expect(responses.map((row) => [row.query_id, row.role, row.source, row.output.includes('this is Dana')])).toEqual([
      ['c-1', 'baseline', 'endpoint', false],
      ['c-1', 'human', 'log', true],
      ['c-2', 'baseline', 'endpoint', false],
      ['c-2', 'human', 'log', true],
      ['c-3', 'baseline', 'endpoint', false],
      ['c-3', 'human', 'log', true],
    ]);
    // A re-judge of the stored run grades the human replies too, under their own role.
    const rejudged = await runCli(['judge', '--run', 'chat-human', '--db', join(dir, 'results.duckdb'), '--json']);
    expect(rejudged.code, rejudged.stderr).toBe(0);
    const summary = JSON.parse(rejudged.stdout);
    expect(summary.items).toBe(9);
    expect(Object.keys(summary.lengthBiasByRole).sort()).toEqual(['baseline', 'candidate', 'human']);
    const [stored] = await rows<{ answer_source: string }>(`SELECT config_json->>'$.dataset.answer_source' AS answer_source FROM runs WHERE run_id = 'chat-human'`);
    expect(stored!.answer_source).toBe('human');
    // A resume under the other source is a different run, and says so.
    const resumed = await runCli(['replay', '-c', config, '--field', 'answer=', '--run-id', 'chat-human', '--resume']);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain('baseline (was gpt4, called live (logged answers are human replies), now gpt4)');
  });

  it('rejects an unknown answer source in the config and on the command line', async () => {
    const config = writeConfig(dir, proxy.url, log.path, 'agent');
    const fromConfig = await runCli(['replay', '-c', config]);
    expect(fromConfig.code).toBe(2);
    expect(fromConfig.stderr).toMatch(/dataset\.answer_source/);
    const fromFlag = await runCli(['replay', '-c', writeConfig(dir, proxy.url, log.path, undefined), '--answer-source', 'agent']);
    expect(fromFlag.code).toBe(2);
    expect(fromFlag.stderr).toContain("argument 'agent' is invalid. Allowed choices are baseline, human.");
  });
});
