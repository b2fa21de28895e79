import type { ChatMessage, EndpointClient } from '../endpoints/types.ts';
import { addKnown } from '../core/add-known.ts';
import { callCost } from '../endpoints/pricing.ts';
import type { BatchRequest, BatchResult } from '../judge/batch-judge.ts';
import { judgeCacheKey, type JudgeCache } from '../judge/judge-cache.ts';
import { section } from '../judge/neutralise.ts';
import { repairCall } from '../judge/structured-call.ts';
import type { ValidatorSpec, ValidatorVerdict } from './validation-record.ts';
import { parseValidatorReply, VALIDATOR_TEMPLATES, validatorResponseFormat, type AcceptableVerdict, type ValidatorRubric } from './validator-rubric.ts';

/** What a validator may see: what production has when the answer is ready. No reference, no baseline. */
export interface ValidatorInput {
  query: string;
  answer: string;
  /**
   * The earlier turns of a multi-turn request, as the judge reads them (judgeContext): without
   * them "when will it arrive?" cannot be checked, and a validator grading the last line alone
   * escalates at random on conversation traffic.
   */
  context?: string;
}

export interface ValidatorResult {
  verdict: ValidatorVerdict;
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  costUsd: number | undefined;
  latencyMs: number | undefined;
  calls: number;
  cached: boolean;
}

export interface Validator {
  spec: ValidatorSpec;
  validate(input: ValidatorInput, signal?: AbortSignal): Promise<ValidatorResult>;
  /** The same validation through the OpenAI Batch API (`validate --batch`). */
  batching: ValidatorBatching;
}

/** A validator's requests as Batch API lines, and their outcomes as the results validate() would give. */
export interface ValidatorBatching {
  /** The endpoint client: its settings reach the Batch API, and a reply that does not parse is repaired live through it. */
  client: EndpointClient;
  /** What the cache holds for this input, as validate() returns it; undefined on a miss or without a cache. */
  cached(input: ValidatorInput): Promise<ValidatorResult | undefined>;
  /** The request validate() would send first, as a batch line. */
  request(input: ValidatorInput, customId: string): BatchRequest;
  /** A batch line's outcome (after its live repair, if any) as a result; cached as validate() caches. */
  settle(input: ValidatorInput, result: BatchResult): ValidatorResult;
}

export function validatorMessages(rubric: ValidatorRubric, input: ValidatorInput): ChatMessage[] {
  const parts = input.context === undefined ? [] : [section('conversation', input.context)];
  parts.push(section('query', input.query), section('answer', input.answer));
  return [
    { role: 'system', content: rubric.system },
    { role: 'user', content: `${parts.join('\n\n')}\n\n${VALIDATOR_TEMPLATES.instruction}` },
  ];
}

export function validatorSpec(rubric: ValidatorRubric, model: string, name: string = rubric.name): ValidatorSpec {
  return { name, rubric: rubric.name, rubricVersion: rubric.version, promptHash: rubric.promptHash, model, settings: { ...rubric.settings } };
}

export function validatorCallOptions(rubric: ValidatorRubric) {
  return { responseFormat: validatorResponseFormat(), temperature: rubric.settings.temperature, maxTokens: rubric.settings.max_tokens };
}

/** A cached scored verdict keeps the usage of the call that produced it: the cascade pays for that call in production. */
interface CachedValue extends AcceptableVerdict {
  promptTokens: number | undefined;
  completionTokens: number | undefined;
}

/** What the calls behind one verdict cost and took; latency undefined when unknown (a batch's is queueing, not the validator's). */
interface CallTotals {
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  latencyMs: number | undefined;
  calls: number;
}

/**
 * A validator backed by an LLM endpoint, with the judge's rules: the client's retries, one repair
 * request when the reply does not parse (a second bad reply is unscored, a failed call an error:
 * never a number), and the judge cache (keyed on the spec and the inputs; errors never cached).
 * Unlike the judge it keeps the calls' tokens and cost: the cascade pays them on every query.
 * The same request can go through the OpenAI Batch API (`batching`), with the same cache and rules.
 */
export function llmValidator(options: { rubric: ValidatorRubric; client: EndpointClient; cache?: JudgeCache; name?: string }): Validator {
  const { rubric, client, cache } = options;
  const spec = validatorSpec(rubric, client.settings.model, options.name);
  const callOptions = validatorCallOptions(rubric);
  const priced = (promptTokens: number | undefined, completionTokens: number | undefined, calls: number): number | undefined => {
    // A fixed-price (on-prem) endpoint costs per call: a repair is a second query.
    if (client.settings.pricing.kind === 'fixed') return client.settings.pricing.perQueryUsd * calls;
    return callCost(client.settings.pricing, { promptTokens, completionTokens });
  };
  const keyOf = (input: ValidatorInput): string | undefined =>
    cache === undefined ? undefined : judgeCacheKey(spec, { kind: 'single', query: input.query, answer: input.answer, reference: undefined, ...(input.context === undefined ? {} : { context: input.context }) });

  async function cached(input: ValidatorInput): Promise<ValidatorResult | undefined> {
    const key = keyOf(input);
    const hit = cache === undefined || key === undefined ? undefined : await cache.get(key);
    if (hit === undefined) return undefined;
    if (hit.outcome.status === 'scored') {
      const value = hit.outcome.value as CachedValue;
      return {
        verdict: { status: 'scored', pAcceptable: value.pAcceptable, reasoning: value.reasoning },
        promptTokens: value.promptTokens,
        completionTokens: value.completionTokens,
        costUsd: priced(value.promptTokens, value.completionTokens, 1),
        latencyMs: hit.latencyMs,
        calls: 0,
        cached: true,
      };
    }
    return { verdict: { status: 'unscored', reason: hit.outcome.reason }, promptTokens: undefined, completionTokens: undefined, costUsd: undefined, latencyMs: hit.latencyMs, calls: 0, cached: true };
  }

  /** The result of fresh calls, cached unless it is an error (a failed call may succeed next time). */
  function settle(input: ValidatorInput, verdict: ValidatorVerdict, totals: CallTotals): ValidatorResult {
    const key = keyOf(input);
    if (cache !== undefined && key !== undefined && verdict.status !== 'error') {
      const value: CachedValue | undefined = verdict.status === 'scored' ? { pAcceptable: verdict.pAcceptable, reasoning: verdict.reasoning, promptTokens: totals.promptTokens, completionTokens: totals.completionTokens } : undefined;
      cache.put(key, {
        kind: 'single',
        judgeModel: spec.model,
        promptHash: spec.promptHash,
        outcome: value === undefined ? { status: 'unscored', reason: (verdict as { reason: string }).reason } : { status: 'scored', value },
        latencyMs: totals.latencyMs,
      });
    }
    return {
      verdict,
      promptTokens: totals.promptTokens,
      completionTokens: totals.completionTokens,
      // A failed call's cost is unknown (the provider may bill partial work): undefined, not 0.
      costUsd: verdict.status === 'error' ? undefined : priced(totals.promptTokens, totals.completionTokens, totals.calls),
      latencyMs: totals.latencyMs,
      calls: totals.calls,
      cached: false,
    };
  }

  return {
    spec,
    async validate(input, signal) {
      const hit = await cached(input);
      if (hit !== undefined) return hit;
      const messages = validatorMessages(rubric, input);
      const options = { ...callOptions, ...(signal ? { signal } : {}) };
      const first = await client.chat(messages, options);
      const totals: CallTotals = { promptTokens: first.promptTokens, completionTokens: first.completionTokens, latencyMs: first.latencyMs, calls: 1 };
      if (first.status === 'failed' || first.status === 'interrupted') return settle(input, { status: 'error', reason: first.error ?? first.status }, totals);
      let parsed = parseValidatorReply(first.output);
      if (!parsed.ok) {
        const repaired = await repairCall(client, messages, first.output, VALIDATOR_TEMPLATES.repair, options);
        totals.calls = 2;
        totals.promptTokens = addKnown(totals.promptTokens, repaired.promptTokens);
        totals.completionTokens = addKnown(totals.completionTokens, repaired.completionTokens);
        totals.latencyMs = addKnown(totals.latencyMs, repaired.latencyMs);
        if (repaired.status === 'failed' || repaired.status === 'interrupted') return settle(input, { status: 'error', reason: repaired.error ?? repaired.status }, totals);
        const second = parseValidatorReply(repaired.output);
        parsed = second.ok ? second : { ok: false, reason: `after one repair: ${second.reason}` };
      }
      return settle(input, parsed.ok ? { status: 'scored', ...parsed.value } : { status: 'unscored', reason: parsed.reason }, totals);
    },
    batching: {
      client,
      cached,
      request: (input, customId) => ({
        customId,
        messages: validatorMessages(rubric, input),
        options: callOptions,
        parse: parseValidatorReply,
        repairInstruction: VALIDATOR_TEMPLATES.repair,
      }),
      settle(input, result) {
        const { outcome } = result;
        const verdict: ValidatorVerdict = outcome.status === 'scored' ? { status: 'scored', ...(outcome.value as AcceptableVerdict) } : outcome;
        return settle(input, verdict, { promptTokens: result.promptTokens, completionTokens: result.completionTokens, latencyMs: result.latencyMs, calls: result.calls });
      },
    },
  };
}
