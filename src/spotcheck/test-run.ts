// A small judged run for the spot-check tests: real records through the real store.
import type { JudgmentRecord, Verdict } from '../core/judgment.ts';
import type { Query } from '../core/query.ts';
import type { ResponseRecord } from '../core/response.ts';
import type { RouteRecord } from '../core/route.ts';
import { openStore } from '../store/store.ts';
import { judgment, query, response, route, scored } from '../store/test-records.ts';

export interface TestQuery {
  id: string;
  candidate: Verdict;
  baseline: Verdict;
  /** The fallback served, with this verdict. */
  fallback?: Verdict;
}

export async function writeTestRun(path: string, runId: string, queries: readonly TestQuery[]): Promise<void> {
  const store = await openStore(path);
  try {
    await store.createRun({ runId, mode: 'shadow', dataset: 'logs.jsonl', policy: 'oracle', config: {} });
    const batch = { queries: [] as Query[], routes: [] as RouteRecord[], responses: [] as ResponseRecord[], judgments: [] as JudgmentRecord[] };
    queries.forEach((entry, index) => {
      batch.queries.push(query(entry.id, { source: { file: 'logs.jsonl', line: index + 1 } }));
      batch.routes.push(route(runId, entry.id, (['simple', 'medium', 'complex'] as const)[index % 3]!));
      batch.responses.push(response(runId, entry.id, 'candidate'), response(runId, entry.id, 'baseline'));
      batch.judgments.push(judgment(runId, entry.id, 'candidate', entry.candidate), judgment(runId, entry.id, 'baseline', entry.baseline));
      if (entry.fallback) {
        batch.responses.push(response(runId, entry.id, 'fallback', { output: `fallback answer to ${entry.id}` }));
        batch.judgments.push(judgment(runId, entry.id, 'fallback', entry.fallback));
      }
    });
    await store.writeBatch(runId, batch);
  } finally {
    await store.close();
  }
}

export { scored };
