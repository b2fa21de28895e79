import type { JudgeSpec, JudgmentRecord } from '../../src/core/judgment.ts';
import type { Query } from '../../src/core/query.ts';
import type { ResponseRecord, Role } from '../../src/core/response.ts';
import type { RouteRecord } from '../../src/core/route.ts';
import type { Tier } from '../../src/core/tier.ts';
import type { PrivacyRecord } from '../../src/privacy/record.ts';
import type { RowBatch } from '../../src/replay/types.ts';

const JUDGE: JudgeSpec = {
  name: 'support-single',
  rubric: 'support-single',
  rubricVersion: '1.0',
  promptHash: 'sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
  model: 'gpt-4',
  settings: { temperature: 0, max_tokens: 300 },
};

const QUERY = 'hello? my package is stuck in the same hub since 2/8 order NW-924154, can you check what is going on';
const REFERENCE =
  'Tracking can pause for up to 2 business days while parcels move between carrier hubs. If there is no update for 5 business days, we open a trace with the carrier. If the parcel is confirmed lost, we send a replacement or a full refund.';
const OUTPUT =
  'Sorry about the wait! Tracking can pause for up to 2 business days while parcels move between carrier hubs. If there is still no update after 5 business days, we open a trace with the carrier for you. If the parcel turns out to be lost, we send a replacement or a full refund. Is there anything else I can help with?';
const TIERS: Tier[] = ['simple', 'simple', 'simple', 'simple', 'simple', 'simple', 'simple', 'medium', 'medium', 'complex'];

/**
 * `count` queries' rows as a replay writes them (route, candidate + baseline answers, two
 * judgments, a privacy row), with texts of realistic length; ids from `start`.
 */
export function syntheticBatch(runId: string, start: number, count: number): RowBatch {
  const batch: RowBatch = { queries: [], routes: [], responses: [], judgments: [], privacy: [], rejects: [] };
  const startedAt = new Date('2026-01-05T10:00:00Z');
  for (let index = start; index < start + count; index++) {
    const queryId = `q-${String(index).padStart(7, '0')}`;
    const tier = TIERS[index % TIERS.length]!;
    const endpoint = tier === 'simple' ? 'llama' : tier === 'medium' ? 'gpt35' : 'gpt4';
    const query: Query = { queryId, text: `${QUERY} #${index}`, timestamp: '2026-01-05T10:00:00Z', conversationId: `conv-${index}`, channel: 'chat', label: tier, reference: REFERENCE, source: { file: 'bench.jsonl', line: index + 1 } };
    batch.queries.push(query);
    const route: RouteRecord = { runId, queryId, policy: 'oracle', tier, endpoint, label: tier, probabilities: undefined, latencyUs: undefined, routerVersion: undefined };
    batch.routes.push(route);
    const response = (role: Role, at: string, model: string, cost: number | undefined): ResponseRecord => ({
      runId, queryId, role, endpoint: at, model, source: 'endpoint', status: 'ok', attempts: 1, error: undefined, output: OUTPUT,
      promptTokens: 2050, completionTokens: 80, ttftMs: 120 + (index % 50), latencyMs: 600 + (index % 400), costUsd: cost, startedAt,
    });
    batch.responses.push(response('candidate', endpoint, endpoint === 'llama' ? 'meta-llama/Meta-Llama-3-70B-Instruct' : endpoint, endpoint === 'llama' ? 0.0004 : 0.0011), response('baseline', 'gpt4', 'gpt-4', 0.066));
    const judgment = (role: Role, score: number): JudgmentRecord => ({
      runId, queryId, role, kind: 'single', judge: JUDGE, verdict: { status: 'scored', score, reasoning: `Covers ${score - 2} of 3 reference facts.` }, latencyMs: 5, createdAt: startedAt,
    });
    batch.judgments.push(judgment('candidate', 3 + (index % 3)), judgment('baseline', 4 + (index % 2)));
    const privacy: PrivacyRecord = { runId, queryId, sensitive: false, reasons: [], routedEndpoint: endpoint, candidateEndpoint: endpoint, rerouteReason: undefined, baselineWithheld: false, judgeWithheld: false, piiFound: { ORDER: 1 } };
    batch.privacy.push(privacy);
  }
  return batch;
}

/** Rows per query in syntheticBatch: query, route, 2 responses, 2 judgments, privacy. */
export const ROWS_PER_QUERY = 7;
