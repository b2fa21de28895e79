import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './cli.ts';

describe('analyst notebooks', () => {
  it('execute headlessly against a replayed run, every cell without error', async () => {
    const dir = tempDir();
    const db = join(dir, 'nb.duckdb');
    const replay = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', '200', '--db', db, '--run-id', 'nb']);
    expect(replay.code).toBe(0);
    const out = join(dir, 'html');
    const result = await runCli(['notebooks', '--run', 'nb', '--db', db, '--out', out]);
    expect(result.stdout).not.toContain('ERROR');
    expect(result.code).toBe(0);
    const notebooks = readdirSync('notebooks').filter((name) => name.endsWith('.md') && name !== 'README.md');
    expect(notebooks.length).toBeGreaterThanOrEqual(4);
    for (const name of notebooks) {
      const html = readFileSync(join(out, name.replace(/\.md$/, '.html')), 'utf8');
      // Every SQL cell produced a table with rows (a notebook that returns nothing has rotted).
      const cells = html.split('<pre class="sql">').length - 1;
      expect(cells, name).toBeGreaterThan(0);
      expect(html.split('<table>').length - 1, name).toBe(cells);
    }
  });

  it('exits 1 and names the line of a failing cell', async () => {
    const dir = tempDir();
    const db = join(dir, 'nb2.duckdb');
    await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', '5', '--db', db, '--run-id', 'nb2']);
    const broken = join(dir, 'broken.md');
    writeFileSync(broken, '# Broken\n\ntext\n\n```sql\nSELECT * FROM no_such_view;\n```\n');
    const result = await runCli(['notebooks', broken, '--run', 'nb2', '--db', db, '--out', join(dir, 'o')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${broken}:6: Catalog Error`);
  });
});
