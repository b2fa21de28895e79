import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './cli.ts';

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

describe('analyst notebooks', () => {
  it('execute against a replayed run into valid .ipynb files with tables and charts, and HTML', async () => {
    const dir = tempDir();
    const db = join(dir, 'nb.duckdb');
    const replay = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', '200', '--db', db, '--run-id', 'nb']);
    expect(replay.code).toBe(0);
    const out = join(dir, 'out');
    const result = await runCli(['notebooks', '--run', 'nb', '--db', db, '--out', out]);
    expect(result.stdout).not.toContain('ERROR');
    expect(result.code).toBe(0);
    const notebooks = readdirSync('notebooks').filter((name) => name.endsWith('.ipynb'));
    expect(notebooks.length).toBeGreaterThanOrEqual(4);
    let charts = 0;
    const pngs: string[] = [];
    for (const name of notebooks) {
      const executed = JSON.parse(readFileSync(join(out, name), 'utf8')) as Notebook;
      expect(executed.nbformat).toBe(4);
      expect(executed.metadata.kernelspec.name).toBe('python3');
      expect(executed.metadata.hybrid_eval.run_id).toBe('nb');
      // Every SQL cell is a %%sql cell the kernel can run, and the run is explicit in each query.
      const sqlCells = executed.cells.filter((cell) => cell.cell_type === 'code' && !cell.metadata.tags?.includes('setup'));
      for (const cell of sqlCells) {
        expect(text(cell.source).startsWith('%%sql\n'), `${name} ${cell.id}`).toBe(true);
        const sql = text(cell.source);
        if (!/^%%sql\nSET VARIABLE/.test(sql)) expect(sql, `${name} ${cell.id}`).toContain('selected_run()');
      }
      // The cell after `parameters` selects the run given on the command line.
      const parameters = executed.cells.findIndex((cell) => cell.metadata.tags?.includes('parameters'));
      expect(text(executed.cells[parameters + 1]!.source)).toBe("%%sql\nSET VARIABLE run_id = 'nb';");
      // Every query cell has a table with rows (a notebook that returns nothing has rotted), and the run cell states the run.
      const queries = sqlCells.filter((cell) => !/^%%sql\nSET/.test(text(cell.source)));
      expect(queries.length, name).toBeGreaterThan(1);
      for (const cell of queries) {
        const table = cell.outputs!.find((output) => output.output_type === 'execute_result');
        expect(table, `${name} ${cell.id}`).toBeDefined();
        expect(text(table!.data!['text/html'])).toContain('<table class="dataframe">');
        expect(text(table!.data!['text/plain']).split('\n').length).toBeGreaterThan(2);
      }
      expect(text(queries[0]!.outputs![0]!.data!['text/plain'])).toMatch(/^run_id .*\nnb /s);
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
        pngs.push(String(chart.data!['image/png']));
      }
      expect(readFileSync(join(out, name.replace(/\.ipynb$/, '.html')), 'utf8')).toContain('<table class="dataframe">');
    }
    expect(charts).toBeGreaterThanOrEqual(3);

    if (HAVE_NBFORMAT) {
      const validate = 'import nbformat, sys\nfor path in sys.argv[1:]:\n    nbformat.validate(nbformat.read(path, as_version=nbformat.NO_CONVERT))\n    print("valid", path)';
      const files = notebooks.map((name) => join(out, name));
      expect(execFileSync(PYTHON, ['-c', validate, ...files], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(files.length);
      // The committed sources are valid notebooks too.
      execFileSync(PYTHON, ['-c', validate, ...notebooks.map((name) => join('notebooks', name))]);
    }
    if (HAVE_NBCONVERT) {
      const html = join(dir, 'nbconvert');
      const images: string[] = [];
      execFileSync('jupyter', ['nbconvert', '--to', 'html', '--output-dir', html, ...notebooks.map((name) => join(out, name))], { stdio: 'pipe' });
      for (const name of notebooks) {
        const page = readFileSync(join(html, name.replace(/\.ipynb$/, '.html')), 'utf8');
        expect(page, name).toContain('<table class="dataframe">');
        // nbconvert 6.5 (Debian 12) strips inline SVG; the PNG must be what it places.
        for (const match of page.matchAll(/<img src="data:image\/png;base64,([A-Za-z0-9+/=\s]+)"/g)) images.push(match[1]!.replace(/\s/g, ''));
      }
      expect(images.length).toBe(charts);
      expect(images.sort()).toEqual([...pngs].sort());
    }
  }, 300_000);

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
