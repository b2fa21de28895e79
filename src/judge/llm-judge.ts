import type { JudgeSpec, Verdict } from '../core/judgment.ts';
import { UsageError } from '../core/errors.ts';
import type { EndpointClient, TextMessage } from '../endpoints/types.ts';
import { judgeCacheKey, type JudgeCache } from './judge-cache.ts';
import { section } from './neutralise.ts';
import { PROMPT_TEMPLATES, responseFormatFor, type Rubric } from './rubric.ts';
import { callWithRepair } from './structured-call.ts';
import { parseScoreReply, type ScoreVerdict } from './verdict.ts';

export interface JudgeInput {
  query: string;
  answer: string;
  /** Known facts, or the baseline's answer when grading the candidate against it. */
  reference: string | undefined;
  /** The conversation around the graded turn (judge-context.ts), for a multi-turn request. */
  context?: string;
}

export interface JudgeResult {
  verdict: Verdict;
  latencyMs: number | undefined;
  /** The verdict came from the judge cache: no request was sent. */
  cached?: boolean;
  /** Requests sent for this verdict (0 on a cache hit, 2 with a repair). */
  calls?: number;
}

export interface Judge {
  spec: JudgeSpec;
  grade(input: JudgeInput, signal?: AbortSignal): Promise<JudgeResult>;
}

export function judgeMessages(rubric: Rubric, input: JudgeInput): TextMessage[] {
  const parts = input.context === undefined ? [] : [section('conversation', input.context)];
  parts.push(section('query', input.query));
  if (input.reference !== undefined) parts.push(section('reference', input.reference));
  parts.push(section('answer', input.answer));
  return [
    { role: 'system', content: rubric.system },
    { role: 'user', content: `${parts.join('\n\n')}\n\n${PROMPT_TEMPLATES.single.instruction}` },
  ];
}

/** What identifies a judge: stored with every judgment. `name` defaults to the rubric's name. */
export function judgeSpec(rubric: Rubric, model: string, name: string = rubric.name): JudgeSpec {
  return {
    name,
    rubric: rubric.name,
    rubricVersion: rubric.version,
    promptHash: rubric.promptHash,
    model,
    settings: { ...rubric.settings },
  };
}

export function singleCallOptions(rubric: Rubric): { responseFormat: ReturnType<typeof responseFormatFor>; temperature: number; maxTokens: number } {
  return { responseFormat: responseFormatFor('single'), temperature: rubric.settings.temperature, maxTokens: rubric.settings.max_tokens };
}

export function scoreVerdict(value: ScoreVerdict): Verdict {
  return { status: 'scored', score: value.score, reasoning: value.reasoning };
}

/**
 * A judge backed by an LLM endpoint; one repair request when the verdict does not parse. With a
 * cache, a request whose spec and inputs were judged before is answered from it without a call.
 */
export function llmJudge(options: { rubric: Rubric; client: EndpointClient; cache?: JudgeCache; name?: string }): Judge {
  const { rubric, client, cache } = options;
  if (rubric.kind !== 'single') throw new UsageError(`${rubric.file}: a ${rubric.kind} rubric cannot grade single answers`);
  const spec = judgeSpec(rubric, client.settings.model, options.name);
  const callOptions = singleCallOptions(rubric);
  return {
    spec,
    async grade(input, signal) {
      const key = cache === undefined ? undefined : judgeCacheKey(spec, { kind: 'single', ...input });
      if (cache !== undefined && key !== undefined) {
        const hit = await cache.get(key);
        if (hit !== undefined) {
          const verdict: Verdict =
            hit.outcome.status === 'scored' ? scoreVerdict(hit.outcome.value as ScoreVerdict) : { status: 'unscored', reason: hit.outcome.reason };
          return { verdict, latencyMs: hit.latencyMs, cached: true, calls: 0 };
        }
      }
      const result = await callWithRepair(
        client,
        judgeMessages(rubric, input),
        { ...callOptions, ...(signal ? { signal } : {}) },
        parseScoreReply,
        PROMPT_TEMPLATES.single.repair,
      );
      const { outcome } = result;
      if (cache !== undefined && key !== undefined && outcome.status !== 'error') {
        cache.put(key, { kind: 'single', judgeModel: spec.model, promptHash: spec.promptHash, outcome, latencyMs: result.latencyMs });
      }
      const verdict: Verdict = outcome.status === 'scored' ? scoreVerdict(outcome.value) : outcome;
      return { verdict, latencyMs: result.latencyMs, cached: false, calls: result.calls };
    },
  };
}
