import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Query, Reject } from '../core/query.ts';
import type { LogReader } from './log-reader.ts';

/** A fresh temp folder per test file; call the returned cleanup in afterAll. */
export function makeTempDir(prefix: string): { dir: string; path(name: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `hybrid-eval-${prefix}-`));
  return { dir, path: (name) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function collect(reader: LogReader): Promise<{ queries: Query[]; rejects: Reject[] }> {
  const queries: Query[] = [];
  const rejects: Reject[] = [];
  try {
    for await (const item of reader.items()) {
      if (item.kind === 'query') queries.push(item.query);
      else rejects.push(item.reject);
    }
  } finally {
    await reader.close();
  }
  return { queries, rejects };
}
