import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GateOutcome } from '../gate/run-gate.ts';
import { renderMarkdown } from './markdown.ts';

export interface WrittenReport {
  dir: string;
  markdown: string;
  json: string;
}

/** results/<run>/report.{md,json}; written to a temp name and renamed so a reader never sees half a file. */
export function writeReport(resultsDir: string, outcome: GateOutcome): WrittenReport {
  const dir = join(resultsDir, safeName(outcome.runId));
  mkdirSync(dir, { recursive: true });
  const markdown = join(dir, 'report.md');
  const json = join(dir, 'report.json');
  atomicWrite(markdown, renderMarkdown(outcome));
  atomicWrite(json, `${JSON.stringify(outcome, null, 2)}\n`);
  return { dir, markdown, json };
}

function atomicWrite(path: string, text: string): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** Run ids become folder names: keep them to a safe alphabet. */
export function safeName(runId: string): string {
  return runId.replace(/[^A-Za-z0-9._-]/g, '_');
}
