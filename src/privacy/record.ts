import type { PrivacyPlan } from './plan.ts';
import { countFindings } from './redact.ts';
import type { PiiFinding, PiiType } from './types.ts';

/** One row of `privacy_decisions` (migration 8): what privacy decided for one query, and why. */
export interface PrivacyRecord {
  runId: string;
  queryId: string;
  sensitive: boolean;
  reasons: string[];
  /** The routing policy's endpoint. */
  routedEndpoint: string;
  /** Where the candidate call went; undefined when it was withheld. */
  candidateEndpoint: string | undefined;
  rerouteReason: string | undefined;
  baselineWithheld: boolean;
  judgeWithheld: boolean;
  /** PII found in the query text, by type (counts only, never values): what every external call had redacted. */
  piiFound: Partial<Record<PiiType, number>>;
}

/** `queryFindings`: redact(query.text).findings (or the per-query redactor's result for the query text). */
export function privacyRecord(runId: string, queryId: string, plan: PrivacyPlan, queryFindings: readonly PiiFinding[]): PrivacyRecord {
  return {
    runId,
    queryId,
    sensitive: plan.sensitive,
    reasons: plan.reasons,
    routedEndpoint: plan.routed,
    candidateEndpoint: plan.candidate.withheld ? undefined : plan.candidate.endpoint,
    rerouteReason: plan.rerouteReason,
    baselineWithheld: plan.baseline?.withheld === true,
    judgeWithheld: plan.judge.withheld,
    piiFound: countFindings(queryFindings),
  };
}
