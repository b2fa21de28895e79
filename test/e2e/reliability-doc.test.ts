import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rows } from '../fixtures/reliability/harness.ts';
import { ROOT, runCli, tempDir } from './cli.ts';

/*
 * RELIABILITY.md is a list of promises, each naming the test that holds it. This keeps the file true
 * (issue 16 #8: it listed as known gaps two things the code had fixed, and had lost its --sim-faults
 * example): every test it names exists under that name, a "known gap" is an `it.fails` and nothing
 * else is, and its --sim-faults example runs as written.
 */

const DOC = readFileSync(join(ROOT, 'RELIABILITY.md'), 'utf8');

interface Reference {
  file: string;
  title: string | undefined;
  knownGap: boolean;
  row: string;
}

/** `file` › title; › title (same file); `file` alone. Titles may hold "…" where the test interpolates. */
function references(): Reference[] {
  const found: Reference[] = [];
  // A row that starts with "› title" names a test in the file the rows above it last named.
  let file: string | undefined;
  for (const row of DOC.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| ---') && !line.startsWith('| promise'))) {
    const cells = row.split(/(?<!\\)\|/).map((cell) => cell.trim());
    const promise = cells[1] ?? '';
    const tests = cells.slice(2, -1).join('|');
    for (const part of tests.split(/;\s*|,\s*(?=`)/)) {
      const named = /`([^`]+\.(?:test\.ts|ts))`/.exec(part);
      if (named !== null) file = named[1]!;
      const title = /›\s*(.+?)\s*$/.exec(part)?.[1];
      if (file === undefined) continue;
      found.push({ file, title, knownGap: promise.includes('**known gap**'), row });
    }
  }
  return found;
}

/** The titles of a test file's `it.fails(...)` cases. */
function failingTitles(source: string): string[] {
  return [...source.matchAll(/it\.fails\(\s*(['"`])((?:\\.|(?!\1).)*)\1/g)].map((match) => match[2]!);
}

function titleIn(source: string, title: string): boolean {
  // Pieces between "…" appear in order; quotes in a title may be escaped in the source.
  const unescaped = source.replaceAll("\\'", "'").replaceAll('\\"', '"');
  let from = 0;
  for (const piece of title.split('…').map((text) => text.trim()).filter((text) => text !== '')) {
    const at = unescaped.indexOf(piece, from);
    if (at < 0) return false;
    from = at + piece.length;
  }
  return true;
}

describe('RELIABILITY.md', () => {
  it('names only tests that exist, under the names it gives', () => {
    const missing: string[] = [];
    const all = references();
    expect(all.length).toBeGreaterThan(50);
    for (const reference of all) {
      const path = join(ROOT, reference.file);
      if (!existsSync(path)) {
        // A folder-less name such as `src/store/kill.test.ts` must exist too.
        missing.push(`${reference.file}: no such file`);
        continue;
      }
      if (reference.title !== undefined && !titleIn(readFileSync(path, 'utf8'), reference.title)) missing.push(`${reference.file} › ${reference.title}`);
    }
    expect(missing).toEqual([]);
  });

  it('calls a promise a known gap exactly when its test is it.fails', () => {
    const all = references();
    const files = [...new Set(all.map((reference) => reference.file))].filter((file) => existsSync(join(ROOT, file)));
    const gaps = new Set(all.filter((reference) => reference.knownGap && reference.title !== undefined).map((reference) => reference.title!));
    const failing = files.flatMap((file) => failingTitles(readFileSync(join(ROOT, file), 'utf8')));
    expect(failing.sort()).toEqual([...gaps].sort());
  });

  it('has a --sim-faults example that runs as written, faults and all', async () => {
    const block = /```sh\n([\s\S]*?)```/.exec(DOC.slice(DOC.indexOf('## Faults')))?.[1];
    expect(block).toBeDefined();
    const commands = block!
      .trim()
      .split('\n')
      .map((line) => line.replace(/\s+#.*$/, '').trim().split(/\s+/));
    const replay = commands.find((words) => words.includes('--sim-faults'));
    const gate = commands.find((words) => words[2] === 'gate');
    expect(replay?.slice(0, 3)).toEqual(['npx', 'hybrid-eval', 'replay']);
    expect(gate).toBeDefined();
    // As written, with the database and reports in a temp folder instead of the project's.
    const dir = tempDir('hybrid-eval-reliability-doc-');
    const db = join(dir, 'faults.duckdb');
    const replayed = await runCli([...replay!.slice(2), '--db', db]);
    expect(replayed.code, replayed.stderr).toBe(0);
    const runId = replay![replay!.indexOf('--run-id') + 1]!;
    const calls = await rows<{ status: string; n: number }>(db, 'SELECT status, count(*)::INTEGER AS n FROM responses WHERE run_id = ? GROUP BY status', [runId]);
    expect(calls.find((row) => row.status === 'ok_after_retry')?.n ?? 0).toBeGreaterThan(0);
    const gated = await runCli([...gate!.slice(2), '--db', db, '--results', join(dir, 'results')]);
    expect([0, 1, 3], gated.stderr).toContain(gated.code);
    expect(JSON.parse(gated.stdout)).toMatchObject({ run_id: runId });
  }, 300_000);
});
