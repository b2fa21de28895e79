import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RUN_ID_PATTERN } from '../core/run-id.ts';
import type { GateOutcome } from '../gate/run-gate.ts';
import type { ReportData } from './collect.ts';
import { renderHtml } from './html.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

export interface WrittenReport {
  dir: string;
  markdown: string;
  json: string;
  html: string;
  junit: string;
}

/**
 * results/<run>/report.{md,json,html} and junit.xml; each written to a temp name and renamed so a
 * reader never sees half a file. `junitFile` writes the JUnit XML there as well (for CI).
 */
export async function writeReport(resultsDir: string, outcome: GateOutcome, data: ReportData, options: { junitFile?: string } = {}): Promise<WrittenReport> {
  const dir = join(resultsDir, safeName(outcome.runId));
  mkdirSync(dir, { recursive: true });
  const written = { dir, markdown: join(dir, 'report.md'), json: join(dir, 'report.json'), html: join(dir, 'report.html'), junit: join(dir, 'junit.xml') };
  atomicWrite(written.markdown, renderMarkdown(outcome, data));
  atomicWrite(written.json, `${JSON.stringify({ ...outcome, details: data }, null, 2)}\n`);
  atomicWrite(written.html, await renderHtml(outcome, data));
  const junit = renderJunit(outcome);
  atomicWrite(written.junit, junit);
  if (options.junitFile !== undefined) {
    mkdirSync(dirname(options.junitFile), { recursive: true });
    atomicWrite(options.junitFile, junit);
  }
  return written;
}

function atomicWrite(path: string, text: string): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/**
 * Run ids become folder names. A valid id (core/run-id.ts) is its own folder name; an older id from
 * before the rule, outside the alphabet, gets its characters replaced and a hash of the whole id, so
 * two ids never share a folder ("a/b" and "a_b") and none is empty or a path ("", "..").
 */
export function safeName(runId: string): string {
  if (RUN_ID_PATTERN.test(runId)) return runId;
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 8);
  return `_${runId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 48)}-${hash}`;
}
