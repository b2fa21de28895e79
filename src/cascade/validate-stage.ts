import type { Query } from '../core/query.ts';
import type { ResponseRecord } from '../core/response.ts';
import type { Tier } from '../core/tier.ts';
import { answerText, judgeContext } from '../judge/judge-context.ts';
import { createRedactor, type Redactor } from '../privacy/redact.ts';
import { redactMessages } from '../privacy/redact-messages.ts';
import type { SensitivityPolicy } from '../privacy/sensitivity.ts';
import { querySensitivity } from '../privacy/customer-text.ts';
import type { RedactOptions } from '../privacy/types.ts';
import type { Validator, ValidatorInput, ValidatorResult } from './llm-validator.ts';
import type { ValidationRecord } from './validation-record.ts';

/** One tier's validator, as the replay (or `validate --run`) built it from config.cascade. */
export interface TierValidator {
  validator: Validator;
  /** The configured endpoint name that validates. */
  endpoint: string;
  escalateTo: string;
  /** Not on-prem: sensitive queries never go there, everything else goes redacted (redact_external). */
  external: boolean;
}

export interface CascadeStage {
  tiers: Partial<Record<Tier, TierValidator>>;
  redact: RedactOptions;
  redactExternal: boolean;
  policy: SensitivityPolicy;
  /** The conversation budget the validator sees, in tokens: the judge's (judge.context_tokens). */
  contextTokens: number;
}

export interface ValidateContext {
  runId: string;
  now: () => Date;
  signal?: AbortSignal;
}

const ANSWERED = new Set(['ok', 'ok_after_retry']);

/**
 * The cascade's per-query stage: the tier's validator checks the candidate's answer, seeing only
 * the request and the answer (never the reference or the baseline).
 */
export async function validateCandidate(
  stage: CascadeStage | undefined,
  query: Query,
  tier: Tier,
  responses: readonly ResponseRecord[],
  context: ValidateContext,
): Promise<ValidationRecord[]> {
  const item = validationInput(stage, query, tier, responses);
  if (item === undefined) return [];
  const result = await item.entry.validator.validate(item.input, context.signal);
  return [validationRecord(context, query.queryId, item.entry, result)];
}

/**
 * What the tier's validator is shown for this query, or undefined when there is nothing to
 * validate: the tier has no cascade, the candidate did not answer (the fallback serves it, no
 * validator in the way), or the query is sensitive and the validator external (the privacy rule the
 * judge follows). An external validator sees the request and the answer redacted.
 */
export function validationInput(
  stage: CascadeStage | undefined,
  query: Query,
  tier: Tier,
  responses: readonly ResponseRecord[],
): { entry: TierValidator; input: ValidatorInput } | undefined {
  const entry = stage?.tiers[tier];
  if (stage === undefined || entry === undefined) return undefined;
  const candidate = responses.find((response) => response.role === 'candidate');
  if (candidate === undefined || !ANSWERED.has(candidate.status) || candidate.output === undefined) return undefined;
  if (entry.external && querySensitivity(query, stage.policy).sensitive) return undefined;
  // One redactor for the request and the answer, so they share placeholder numbers.
  const redactor: Redactor | undefined = entry.external && stage.redactExternal ? createRedactor(stage.redact) : undefined;
  const text = (value: string): string => (redactor === undefined ? value : redactor.redact(value).text);
  const messages = query.request === undefined ? undefined : redactor === undefined ? query.request.messages : redactMessages(query.request.messages, redactor);
  const shown = judgeContext(messages, stage.contextTokens).text;
  const answer = text(answerText(candidate.output, candidate.toolCalls));
  return { entry, input: { query: text(query.text), answer, ...(shown === undefined ? {} : { context: shown }) } };
}

export function validationRecord(context: Pick<ValidateContext, 'runId' | 'now'>, queryId: string, entry: TierValidator, result: ValidatorResult): ValidationRecord {
  return {
    runId: context.runId,
    queryId,
    role: 'candidate',
    validator: entry.validator.spec,
    endpoint: entry.endpoint,
    escalateTo: entry.escalateTo,
    verdict: result.verdict,
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
    costUsd: result.costUsd,
    latencyMs: result.latencyMs,
    calls: result.calls,
    cached: result.cached,
    createdAt: context.now(),
  };
}
