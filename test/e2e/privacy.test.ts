import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim } from '../../src/sim/server.ts';
import type { SimServer } from '../../src/sim/server.ts';
import { openStore } from '../../src/store/store.ts';
import { runCli, tempDir } from './cli.ts';
import { startRecordingProxy } from './recording-proxy.ts';
import type { RecordingProxy } from './recording-proxy.ts';

// Replays a small log with planted PII and sensitive queries against a sim started here (not
// --sim), so the test can read what reached each model: the sim's own request log (model and the
// start of the customer text) and a recording proxy in front of it (every prompt in full).

/** The privacy section exists once the lead has wired src/privacy into the config and the replay. */

const PLANTED = {
  emails: ['maria.garcia@example.com', 'kenji_1988@inbox.example', 'liam.okafor@example.net'],
  phones: ['(503) 555-0142', '720-555-0199', '+1 512 555 0107', '3125550171'],
  cards: ['4111 1111 1111 1111', '5500-0000-0000-0004'],
};

// Each sensitive query carries a code word, so its requests can be told apart in the logs.
const SENSITIVE = [
  { id: 's-gdpr', tier: 'complex', channel: 'email', query: 'Marigold. Under GDPR I demand that you delete all my personal data and close my account (maria.garcia@example.com).' },
  { id: 's-card', tier: 'medium', channel: 'chat', query: 'Juniper: payment declined with my visa, my card number is 4111 1111 1111 1111. why?' },
  { id: 's-legal', tier: 'complex', channel: 'chat', query: "Saffron here. The lamp caught fire, I'm considering legal action. Order NW-553201." },
  { id: 's-tagged', tier: 'complex', channel: 'legal', query: 'Tamarind: what is your returns policy for a sofa?' },
] as const;
const CODE_WORDS = ['Marigold', 'Juniper', 'Saffron', 'Tamarind'];

const PII_QUERIES = [
  { id: 'p-email', tier: 'medium', channel: 'chat', query: `paid but no confirmation came. my email is ${PLANTED.emails[1]}` },
  { id: 'p-phone', tier: 'complex', channel: 'chat', query: `My sofa arrived damaged. Call me back on ${PLANTED.phones[0]} or ${PLANTED.phones[1]}.` },
  { id: 'p-both', tier: 'medium', channel: 'email', query: `Hello,\n\nwhere is order NW-712334? reach me at ${PLANTED.emails[2]} or ${PLANTED.phones[2]}.\n\nThanks,\nLiam` },
  { id: 'p-intl', tier: 'complex', channel: 'chat', query: `I want a manager. Nobody called me on ${PLANTED.phones[3]} and my card ${PLANTED.cards[1]} was charged twice?` },
];

function writeDataset(dir: string): string {
  const sample = readFileSync('datasets/sample.jsonl', 'utf8').split('\n').filter(Boolean).slice(0, 24);
  const lines = [...sample, ...[...SENSITIVE, ...PII_QUERIES].map((row) => JSON.stringify({ query_id: row.id, query: row.query, tier: row.tier, channel: row.channel }))];
  const path = join(dir, 'log.jsonl');
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function writeConfig(dir: string, baseUrl: string, dataset: string, privacy: string): string {
  const path = join(dir, 'config.yaml');
  writeFileSync(
    path,
    `version: 1
endpoints:
  llama: { base_url: '${baseUrl}', model: llama-3-70b, on_prem: true, pricing: { fixed_monthly_usd: 11000, per_query_usd: 0.0004 }, retries: 0 }
  gpt35: { base_url: '${baseUrl}', model: gpt-3.5-turbo, pricing: { input_per_million: 0.5, output_per_million: 1.5 }, retries: 0 }
  gpt4: { base_url: '${baseUrl}', model: gpt-4, pricing: { input_per_million: 30, output_per_million: 60 }, retries: 0 }
routing: { policy: oracle, tiers: { simple: llama, medium: gpt35, complex: gpt4 }, fallback: gpt4 }
baseline: gpt4
judge: { endpoint: gpt4, rubric: judges/support-single.yaml }
dataset: { path: '${dataset}' }
database: '${join(dir, 'results.duckdb')}'
results_dir: '${join(dir, 'results')}'
plan: suites/rollout.yaml
volume: { monthly_queries: 1000000 }
${privacy}`,
  );
  return path;
}

const isExternal = (model: string | undefined): boolean => model !== undefined && model.startsWith('gpt-');

/** Planted values (and any Luhn-valid card) found in a text that left for an external model. */
function plantedIn(text: string): string[] {
  const digits = (value: string): string => value.replace(/\D/g, '');
  const compact = text.replace(/[^0-9]/g, '');
  return [
    ...PLANTED.emails.filter((email) => text.toLowerCase().includes(email)),
    ...[...PLANTED.phones, ...PLANTED.cards].filter((value) => text.includes(value) || compact.includes(digits(value))),
    ...(text.match(/[\w.+-]+@(?!northwindhome\.example)[\w-]+(?:\.[\w-]+)+/g) ?? []),
  ];
}

interface Replayed {
  dir: string;
  code: number | null;
  stderr: string;
  /** [model, full last user message] for every chat request from this replay. */
  externalTexts: Array<[string, string]>;
  simEntries: SimServer['requestLog'];
}

describe('privacy: what reaches an external model', () => {
  let sim: SimServer;
  let proxy: RecordingProxy;
  beforeAll(async () => {
    sim = await startSim({ port: 0, timeScale: 0 });
    proxy = await startRecordingProxy(sim.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await sim?.close();
  });

  async function replay(privacy: string, runId: string): Promise<Replayed> {
    const dir = tempDir('hybrid-eval-privacy-');
    const config = writeConfig(dir, proxy.url, writeDataset(dir), privacy);
    const simStart = sim.requestLog.length;
    const proxyStart = proxy.requests.length;
    const result = await runCli(['replay', '-c', config, '--run-id', runId]);
    const externalTexts = proxy.requests
      .slice(proxyStart)
      .filter((request) => request.path.endsWith('/chat/completions'))
      .map((request): [string, string] => {
        const body = JSON.parse(request.body) as { model: string; messages: Array<{ role: string; content: string }> };
        return [body.model, body.messages.filter((message) => message.role === 'user').map((message) => message.content).join('\n')];
      });
    return { dir, code: result.code, stderr: result.stderr, externalTexts, simEntries: sim.requestLog.slice(simStart) };
  }

  it('without privacy, planted PII and sensitive queries do reach external models (the check can see a leak)', async () => {
    const off = 'privacy: { redact_external: false, sensitive: { detect: [], keywords: [], channels: [] } }';
    const run = await replay(off, 'unprotected');
    expect(run.code, run.stderr).toBe(0);
    const chats = run.simEntries.filter((entry) => entry.path.endsWith('/chat/completions'));
    expect(chats.length).toBeGreaterThan(60);
    const leakedBySim = chats.filter((entry) => isExternal(entry.model)).flatMap((entry) => plantedIn(entry.userText ?? ''));
    expect(leakedBySim).toEqual(expect.arrayContaining([PLANTED.emails[1], PLANTED.phones[0], PLANTED.cards[0]]));
    const sensitiveOut = chats.filter((entry) => isExternal(entry.model) && CODE_WORDS.some((word) => entry.userText?.includes(word)));
    expect(sensitiveOut.length).toBeGreaterThan(0);
  });

  describe('with privacy on', () => {
    let run: Replayed;
    beforeAll(async () => {
      run = await replay(`privacy:\n  allow: ['1-800-555-0199', '@northwindhome.example']\n  sensitive: { channels: [legal] }`, 'protected');
    });

    it('completes', () => {
      expect(run.code, run.stderr).toBe(0);
    });

    it('sends no unredacted email, phone or card to an external model (sim log and full prompts)', () => {
      const chats = run.simEntries.filter((entry) => entry.path.endsWith('/chat/completions'));
      expect(chats.filter((entry) => isExternal(entry.model)).flatMap((entry) => plantedIn(entry.userText ?? ''))).toEqual([]);
      const external = run.externalTexts.filter(([model]) => isExternal(model));
      expect(external.length).toBeGreaterThan(40);
      expect(external.flatMap(([model, text]) => plantedIn(text).map((value) => `${model}: ${value}`))).toEqual([]);
      // The PII queries were still answered and judged externally, with placeholders in place of the values.
      expect(external.some(([, text]) => /\[EMAIL(?:_\d+)?\]/.test(text))).toBe(true);
      expect(external.some(([, text]) => /\[PHONE(?:_\d+)?\]/.test(text))).toBe(true);
    });

    it('sends no sensitive query to an external model, only to on-prem Llama', () => {
      const chats = run.simEntries.filter((entry) => entry.path.endsWith('/chat/completions'));
      const external = chats.filter((entry) => isExternal(entry.model) && CODE_WORDS.some((word) => entry.userText?.includes(word)));
      expect(external).toEqual([]);
      expect(run.externalTexts.filter(([model, text]) => isExternal(model) && CODE_WORDS.some((word) => text.includes(word)))).toEqual([]);
      for (const word of CODE_WORDS) {
        expect(chats.some((entry) => entry.model === 'llama-3-70b' && entry.userText?.includes(word)), word).toBe(true);
      }
    });

    it('records why: candidate moved on-prem, baseline withheld, a privacy row per query', async () => {
      const store = await openStore(join(run.dir, 'results.duckdb'), { readOnly: true });
      try {
        const responses = await store.all<{ query_id: string; role: string; endpoint: string; status: string; error: string | null }>(
          `SELECT query_id, role, endpoint, status, error FROM responses WHERE run_id = 'protected' AND query_id LIKE 's-%' ORDER BY query_id, role`,
        );
        for (const { id } of SENSITIVE) {
          expect(responses.find((row) => row.query_id === id && row.role === 'candidate')).toMatchObject({ endpoint: 'llama' });
          const baseline = responses.find((row) => row.query_id === id && row.role === 'baseline');
          expect(baseline).toMatchObject({ status: 'withheld' });
          expect(baseline!.error).toMatch(/^withheld: sensitive query/);
        }
        const decisions = await store.all<{ query_id: string; sensitive: boolean; reasons_json: string; reroute_reason: string | null }>(
          `SELECT query_id, sensitive, reasons_json, reroute_reason FROM privacy_decisions WHERE run_id = 'protected' ORDER BY query_id`,
        );
        expect(decisions).toHaveLength(24 + SENSITIVE.length + PII_QUERIES.length);
        const byId = new Map(decisions.map((row) => [row.query_id, row]));
        expect(byId.get('s-tagged')!.reasons_json).toContain('tagged: channel');
        expect(byId.get('s-card')!.reasons_json).toContain('detected: card number');
        expect(byId.get('s-gdpr')!.reroute_reason).toMatch(/gpt4 is external, sent to on-prem llama/);
        expect(byId.get('p-email')!.sensitive).toBe(false);
        const [summary] = await store.all<{ n_sensitive: number }>(`SELECT n_sensitive FROM privacy_by_run WHERE run_id = 'protected'`);
        expect(Number(summary!.n_sensitive)).toBeGreaterThanOrEqual(SENSITIVE.length);
      } finally {
        await store.close();
      }
    });

    it('export writes redacted query text, answers and reasons; --unredacted writes them as stored', async () => {
      const db = join(run.dir, 'results.duckdb');
      const exported = await runCli(['export', '--run', 'protected', '--format', 'csv', '--out', join(run.dir, 'export'), '--db', db]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(exported.stderr).toContain('PII redacted in queries.text');
      const files = exported.stdout.trim().split('\n');
      const text = files.map((file) => readFileSync(file, 'utf8')).join('\n');
      expect(files.flatMap((file) => plantedIn(readFileSync(file, 'utf8')).map((value) => `${file}: ${value}`))).toEqual([]);
      // Redacted, not dropped: the rows are there with placeholders where the values were.
      const queries = parse(readFileSync(join(run.dir, 'export', 'queries.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
      expect(queries).toHaveLength(24 + SENSITIVE.length + PII_QUERIES.length);
      expect(queries.find((row) => row.query_id === 'p-email')!.text).toBe('paid but no confirmation came. my email is [EMAIL]');
      expect(text).toMatch(/\[EMAIL\]/);
      expect(text).toMatch(/\[PHONE\]/);
      expect(text).toMatch(/\[CARD\]/);

      const raw = await runCli(['export', '--run', 'protected', '--format', 'csv', '--out', join(run.dir, 'raw'), '--db', db, '--unredacted']);
      expect(raw.code, raw.stderr).toBe(0);
      expect(raw.stderr).toContain('--unredacted');
      const rawText = raw.stdout.trim().split('\n').map((file) => readFileSync(file, 'utf8')).join('\n');
      expect(plantedIn(rawText)).toEqual(expect.arrayContaining([PLANTED.emails[1], PLANTED.phones[0], PLANTED.cards[0]]));
    });

    it('the spot-check sample a rater works from shows no planted PII', async () => {
      const db = join(run.dir, 'results.duckdb');
      const sampled = await runCli(['spotcheck', 'sample', '--run', 'protected', '--n', String(24 + SENSITIVE.length + PII_QUERIES.length), '--db', db]);
      expect(sampled.code, sampled.stderr).toBe(0);
      const out = join(run.dir, 'raters.csv');
      const exported = await runCli(['spotcheck', 'export', '--run', 'protected', '--out', out, '--db', db]);
      expect(exported.code, exported.stderr).toBe(0);
      const csv = readFileSync(out, 'utf8');
      expect(csv).toContain('p-phone');
      expect(plantedIn(csv)).toEqual([]);
      expect(csv).toMatch(/\[PHONE\]/);
    });
  });

});
