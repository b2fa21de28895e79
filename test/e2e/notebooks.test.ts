import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './cli.ts';

const PYTHON = '/usr/bin/python3';
const HAVE_NBFORMAT = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import nbformat'], { stdio: 'ignore' }).status === 0;
const HAVE_NBCONVERT = spawnSync('jupyter', ['nbconvert', '--version'], { stdio: 'ignore' }).status === 0;
if (!HAVE_NBFORMAT) console.warn(`skipping the nbformat schema check: ${PYTHON} cannot import nbformat (apt-get install python3-nbformat)`);
if (!HAVE_NBCONVERT) console.warn('skipping the nbconvert check: jupyter nbconvert is missing (apt-get install jupyter-nbconvert)');

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
interface Notebook {
  nbformat: number;
  metadata: { kernelspec: { name: string }; hybrid_eval: { run_id: string } };
  cells: Array<{ cell_type: string; id: string; source: string[]; metadata: { tags?: string[] }; outputs?: Output[]; execution_count: number | null }>;
}

const text = (value: unknown) => (Array.isArray(value) ? value.join('') : String(value));

/** A query cell's table as rows of column -> text, read from its text/plain output. */
function tableOf(notebook: Notebook, id: string): Array<Record<string, string>> {
  const cell = notebook.cells.find((candidate) => candidate.id === id);
  const table = cell?.outputs?.find((output) => output.output_type === 'execute_result');
  if (table === undefined) throw new Error(`cell ${id} has no table`);
  const [head, , ...rows] = text(table.data!['text/plain']).split('\n');
  const columns = head!.split(' | ').map((column) => column.trim());
  return rows.filter((row) => !row.startsWith('(')).map((row) => Object.fromEntries(row.split(' | ').map((value, index) => [columns[index]!, value.trim()])));
}

const NEW_TABLES = ['conversations.ipynb', 'cascade.ipynb', 'capacity.ipynb'];

describe('analyst notebooks, executed against the demo run with a load test and a capacity plan', () => {
  const dir = tempDir();
  const db = join(dir, 'nb.duckdb');
  const out = join(dir, 'out');
  const notebooks = readdirSync('notebooks').filter((name) => name.endsWith('.ipynb'));
  let runId: string;
  let planId: string;

  beforeAll(async () => {
    // The demo (multi-turn conversations, judged, with its cascade), a load test of the on-prem
    // endpoint and a capacity plan from both, into one database as a team keeps it. Outputs go to
    // the temp folder; the SLO is loose so that the load test's levels meet it on a busy machine.
    const config = join(dir, 'sim.yaml');
    writeFileSync(
      config,
      `${readFileSync(join(ROOT, 'examples/sim.yaml'), 'utf8')
        .replace('slo: { ttft_p95_ms: 1000, itl_p95_ms: 80 }', 'slo: { ttft_p95_ms: 5000, itl_p95_ms: 1000 }')
        .replace(/\b(prompts|datasets|judges|suites)\//g, `${ROOT}/$1/`)
        .replace('models/router', `${ROOT}/models/router`)}\nresults_dir: ${join(dir, 'results')}\n`,
    );
    const demo = await runCli(['demo', '-c', config, '--dataset', join(ROOT, 'datasets/conversations-sample.jsonl'), '--sim-time-scale', '0', '--db', db]);
    expect(demo.code, demo.stderr).toBe(0);
    const loadtest = await runCli(['loadtest', '-c', config, '--endpoint', 'llama', '--sim', '--sim-time-scale', '0.2', '--concurrency', '1,4', '--duration', '10', '--db', db, '--json']);
    expect(loadtest.code, loadtest.stderr).toBe(0);
    const runs = await runCli(['sql', 'SELECT run_id FROM runs', '--db', db, '--format', 'json']);
    runId = (JSON.parse(runs.stdout) as Array<{ run_id: string }>)[0]!.run_id;
    const capacity = await runCli(['capacity', '-c', config, '--run', runId, '--db', db, '--json']);
    expect(capacity.code, capacity.stderr).toBe(0);
    planId = (JSON.parse(capacity.stdout) as { plan_id: string }).plan_id;
    const result = await runCli(['notebooks', '--run', runId, '--db', db, '--out', out]);
    expect(result.stdout).not.toContain('ERROR');
    expect(result.code, result.stderr).toBe(0);
  }, 600_000);

  it('writes every notebook as an executed .ipynb with tables and charts, and HTML', () => {
    expect(notebooks.length).toBeGreaterThanOrEqual(7);
    for (const name of NEW_TABLES) expect(notebooks).toContain(name);
    let charts = 0;
    for (const name of notebooks) {
      const executed = JSON.parse(readFileSync(join(out, name), 'utf8')) as Notebook;
      expect(executed.nbformat).toBe(4);
      expect(executed.metadata.kernelspec.name).toBe('python3');
      expect(executed.metadata.hybrid_eval.run_id).toBe(runId);
      // Every SQL cell is a %%sql cell the kernel can run, and the run is explicit in each query.
      const sqlCells = executed.cells.filter((cell) => cell.cell_type === 'code' && !cell.metadata.tags?.includes('setup'));
      for (const cell of sqlCells) {
        expect(text(cell.source).startsWith('%%sql\n'), `${name} ${cell.id}`).toBe(true);
        const sql = text(cell.source);
        if (!/^%%sql\nSET VARIABLE/.test(sql)) expect(sql, `${name} ${cell.id}`).toContain('selected_run()');
      }
      // The cell after `parameters` selects the run given on the command line.
      const parameters = executed.cells.findIndex((cell) => cell.metadata.tags?.includes('parameters'));
      expect(text(executed.cells[parameters + 1]!.source)).toBe(`%%sql\nSET VARIABLE run_id = '${runId}';`);
      // Every query cell has a table with rows (a notebook that returns nothing has rotted), and the run cell states the run.
      const queries = sqlCells.filter((cell) => !/^%%sql\nSET/.test(text(cell.source)));
      expect(queries.length, name).toBeGreaterThan(1);
      for (const cell of queries) {
        const table = cell.outputs!.find((output) => output.output_type === 'execute_result');
        expect(table, `${name} ${cell.id}`).toBeDefined();
        expect(text(table!.data!['text/html'])).toContain('<table class="dataframe">');
        expect(text(table!.data!['text/plain']).split('\n').length, `${name} ${cell.id}`).toBeGreaterThan(2);
      }
      expect(text(queries[0]!.outputs![0]!.data!['text/plain'])).toMatch(new RegExp(`^run_id .*\n${runId} `, 's'));
      for (const cell of queries) {
        const chart = cell.outputs!.find((output) => output.output_type === 'display_data');
        if (chart === undefined) continue;
        charts += 1;
        const spec = chart.data!['application/vnd.vegalite.v5+json'] as { $schema: string; data: { values: unknown[] } };
        expect(spec.$schema).toContain('vega-lite/v5');
        expect(spec.data.values.length).toBeGreaterThan(0);
        // The fallback for renderers without Vega is a PNG (nbconvert 6.5 would prefer an SVG and strip it).
        expect(chart.data!['image/svg+xml']).toBeUndefined();
        expect(Buffer.from(String(chart.data!['image/png']), 'base64').subarray(1, 4).toString()).toBe('PNG');
      }
      expect(readFileSync(join(out, name.replace(/\.ipynb$/, '.html')), 'utf8')).toContain('<table class="dataframe">');
    }
    expect(charts).toBeGreaterThanOrEqual(9);
    // In a kernel JupySQL renders each cell with Jinja first: the committed cells must carry no template syntax.
    for (const name of notebooks) {
      const source = JSON.parse(readFileSync(join('notebooks', name), 'utf8')) as Notebook;
      for (const cell of source.cells) if (cell.cell_type === 'code') expect(text(cell.source), `${name} ${cell.id}`).not.toMatch(/\{\{|\{%|\{#/);
    }
  });

  it('shows the figures of the conversation, cascade and capacity tables for the run', async () => {
    const read = (name: string) => JSON.parse(readFileSync(join(out, name), 'utf8')) as Notebook;
    const sql = async (query: string) => {
      const result = await runCli(['sql', query, '--db', db, '--run', runId, '--format', 'json']);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    };
    const conversations = read('conversations.ipynb');
    // The sample's 300 conversations, each replayed at one turn; the tool-call figures are the view's.
    const [overview] = tableOf(conversations, 'overview');
    const [expected] = await sql('SELECT count(*) AS n, sum(tool_call_turns) AS tool_turns FROM conversations WHERE run_id = selected_run()');
    expect(Number(overview!.conversations)).toBe(300);
    expect(Number(overview!.tool_call_turns)).toBe(Number(expected!.tool_turns));
    expect(Number(overview!.tool_call_turns)).toBeGreaterThan(0);
    const perTurn = tableOf(conversations, 'per-turn');
    expect(new Set(perTurn.map((row) => row.side))).toEqual(new Set(['served', 'baseline']));
    expect(perTurn.filter((row) => row.side === 'served').reduce((sum, row) => sum + Number(row.turns), 0)).toBe(300);
    expect(tableOf(conversations, 'tools').map((row) => row.tool)).toContain('order_lookup');

    const cascade = read('cascade.ipynb');
    const [summary] = await sql("SELECT validator_name, round(auroc, 3) AS auroc FROM cascade_summaries WHERE run_id = selected_run()");
    expect(tableOf(cascade, 'validators')).toEqual([expect.objectContaining({ validator_name: summary!.validator_name, auroc: String(summary!.auroc) })]);
    expect(tableOf(cascade, 'curve')).toHaveLength(21);
    expect(tableOf(cascade, 'references').map((row) => row.kind).sort()).toEqual(['all_baseline', 'routing_only']);
    // Both validators the demo ran (the configured one and the planted bad one) are in the calls table.
    expect(tableOf(cascade, 'calls').map((row) => row.validator_name).sort()).toEqual(['planted-bad-validator', String(summary!.validator_name)].sort());

    const capacity = read('capacity.ipynb');
    expect(tableOf(capacity, 'plans').map((row) => row.plan_id)).toEqual([planId]);
    expect(tableOf(capacity, 'loadtest').map((row) => row.level)).toEqual(['1', '4']);
    expect(tableOf(capacity, 'check')).toEqual([expect.objectContaining({ hours: '168', hours_not_matching_recomputation: '0' })]);
    expect(tableOf(capacity, 'policies').map((row) => row.policy).sort()).toEqual(['always_on_peak', 'always_on_reserved', 'autoscale_hourly', 'scale_to_zero_night', 'spot_mix']);
  });

  it.skipIf(!HAVE_NBFORMAT)("validates against nbformat's schema, executed and committed", () => {
    const validate = 'import nbformat, sys\nfor path in sys.argv[1:]:\n    nbformat.validate(nbformat.read(path, as_version=nbformat.NO_CONVERT))\n    print("valid", path)';
    const files = notebooks.map((name) => join(out, name));
    expect(execFileSync(PYTHON, ['-c', validate, ...files], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(files.length);
    // The committed sources are valid notebooks too.
    execFileSync(PYTHON, ['-c', validate, ...notebooks.map((name) => join('notebooks', name))]);
  });

  it.skipIf(!HAVE_NBCONVERT)('converts with jupyter nbconvert --to html, tables and chart images present', () => {
    const html = join(dir, 'nbconvert');
    execFileSync('jupyter', ['nbconvert', '--to', 'html', '--output-dir', html, ...notebooks.map((name) => join(out, name))], { stdio: 'pipe' });
    let charted = 0;
    for (const name of notebooks) {
      const executed = JSON.parse(readFileSync(join(out, name), 'utf8')) as Notebook;
      const pngs = executed.cells.flatMap((cell) => (cell.outputs ?? []).filter((output) => output.output_type === 'display_data').map((output) => String(output.data!['image/png'])));
      const page = readFileSync(join(html, name.replace(/\.ipynb$/, '.html')), 'utf8');
      expect(page, name).toContain('<table class="dataframe">');
      // nbconvert 6.5 (Debian 12) strips inline SVG; each chart must come through as its PNG.
      const images = [...page.matchAll(/<img src="data:image\/png;base64,([A-Za-z0-9+/=\s]+)"/g)].map((match) => match[1]!.replace(/\s/g, ''));
      expect(images, name).toEqual(pngs);
      charted += images.length;
    }
    expect(charted).toBeGreaterThanOrEqual(9);
  });
});

describe('analyst notebooks, refusals and escaping', () => {
  it('escapes hostile text from the database in the notebook outputs', async () => {
    const dir = tempDir();
    const db = join(dir, 'nb-hostile.duckdb');
    const log = join(dir, 'hostile.jsonl');
    writeFileSync(log, `${JSON.stringify({ query_id: 'h1', query: '<script>alert(1)</script><img src=x onerror=alert(2)> where is my order?', tier: 'simple' })}\n`);
    expect((await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--dataset', log, '--db', db, '--run-id', 'h'])).code).toBe(0);
    const notebook = join(dir, 'hostile.ipynb');
    writeFileSync(
      notebook,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ cell_type: 'code', id: 'q', metadata: {}, execution_count: null, outputs: [], source: ['%%sql\n', 'SELECT query_text FROM pairs WHERE run_id = selected_run();'] }],
      }),
    );
    const result = await runCli(['notebooks', notebook, '--run', 'h', '--db', db, '--out', join(dir, 'o')]);
    expect(result.code).toBe(0);
    const executed = JSON.parse(readFileSync(join(dir, 'o', 'hostile.ipynb'), 'utf8')) as Notebook;
    const html = text(executed.cells.at(-1)!.outputs![0]!.data!['text/html']);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).not.toMatch(/<script|<img/);
    expect(readFileSync(join(dir, 'o', 'hostile.html'), 'utf8')).not.toMatch(/<script|<img src=x/);
  });

  it('exits 1 and names the place of a failing cell, in Markdown and in .ipynb notebooks', async () => {
    const dir = tempDir();
    const db = join(dir, 'nb2.duckdb');
    await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', '5', '--db', db, '--run-id', 'nb2']);
    const broken = join(dir, 'broken.md');
    writeFileSync(broken, '# Broken\n\ntext\n\n```sql\nSELECT * FROM no_such_view;\n```\n');
    const result = await runCli(['notebooks', broken, '--run', 'nb2', '--db', db, '--out', join(dir, 'o')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${broken}:6: Catalog Error`);
    // The Markdown notebook also comes out as an .ipynb, with the error as the cell's output.
    const executed = JSON.parse(readFileSync(join(dir, 'o', 'broken.ipynb'), 'utf8')) as Notebook;
    const failed = executed.cells.find((cell) => cell.outputs?.some((output) => output.output_type === 'error'));
    expect(failed!.outputs![0]).toMatchObject({ output_type: 'error', ename: 'Catalog Error' });

    const brokenNb = join(dir, 'broken.ipynb');
    writeFileSync(brokenNb, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', id: 'x', metadata: {}, execution_count: null, outputs: [], source: 'print(1)' }] }));
    const refused = await runCli(['notebooks', brokenNb, '--run', 'nb2', '--db', db, '--out', join(dir, 'o2')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${brokenNb} cell 1: a code cell must start with %%sql`);
  });

  it('a cell pasted into a DuckDB session without a run is an error that says how to set it', async () => {
    const dir = tempDir();
    const db = join(dir, 'nb3.duckdb');
    await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', '5', '--db', db, '--run-id', 'nb3']);
    const notebook = JSON.parse(readFileSync('notebooks/quality-by-tier.ipynb', 'utf8')) as Notebook;
    const cell = notebook.cells.find((candidate) => candidate.cell_type === 'code' && text(candidate.source).includes('FROM quality_by_tier'))!;
    const sql = text(cell.source).replace(/^%%sql\n/, '');
    const unset = await runCli(['sql', sql, '--db', db]);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain("no run selected: run SET VARIABLE run_id = '<run id>';");
    const set = await runCli(['sql', sql, '--db', db, '--run', 'latest', '--format', 'json']);
    expect(set.code).toBe(0);
    expect(set.stderr).toContain('run nb3 (the latest complete run)');
    expect((JSON.parse(set.stdout) as unknown[]).length).toBeGreaterThan(0);
  });
});
