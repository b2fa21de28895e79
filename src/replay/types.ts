import type { JudgmentRecord } from '../core/judgment.ts';
import type { Query, Reject } from '../core/query.ts';
import type { ResponseRecord } from '../core/response.ts';
import type { RouteRecord } from '../core/route.ts';
import type { PrivacyRecord } from '../privacy/record.ts';
import type { ValidationRecord } from '../cascade/validation-record.ts';
import type { PairwiseJudgmentRecord } from '../store/judge-tables.ts';

/** Everything one query produced; written to the store in one transaction. */
export interface QueryRows {
  query: Query;
  route: RouteRecord;
  responses: ResponseRecord[];
  judgments: JudgmentRecord[];
  privacy: PrivacyRecord;
  /** The cascade validator's verdict on the candidate answer, when its tier has a cascade. */
  validations?: ValidationRecord[];
  /** The served answer against the baseline, both orders (judge.pairwise_rubric), when there is one to compare. */
  pairwise?: PairwiseJudgmentRecord[];
}

export interface RowBatch {
  queries: Query[];
  routes: RouteRecord[];
  responses: ResponseRecord[];
  judgments: JudgmentRecord[];
  privacy: PrivacyRecord[];
  rejects: Reject[];
  validations?: ValidationRecord[];
  pairwise?: PairwiseJudgmentRecord[];
}

export interface ReplaySummary {
  runId: string;
  status: 'complete' | 'interrupted';
  /** Queries written by this invocation. */
  processed: number;
  /** Queries skipped because an earlier (resumed) invocation stored them. */
  skipped: number;
  rejects: number;
  /** Total stored for the run, all invocations together. */
  storedQueries: number;
  failedCalls: number;
  fallbacks: number;
  elapsedMs: number;
}
