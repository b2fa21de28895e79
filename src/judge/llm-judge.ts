import type { JudgeSpec, Verdict } from '../core/judgment.ts';
import type { ChatMessage, EndpointClient } from '../endpoints/types.ts';
import { section } from './neutralise.ts';
import { VERDICT_JSON_SCHEMA, type Rubric } from './rubric.ts';
import { parseVerdict } from './verdict.ts';

export interface JudgeInput {
  query: string;
  answer: string;
  /** Known facts, or the baseline's answer when grading the candidate against it. */
  reference: string | undefined;
}

export interface JudgeResult {
  verdict: Verdict;
  latencyMs: number | undefined;
}

export interface Judge {
  spec: JudgeSpec;
  grade(input: JudgeInput, signal?: AbortSignal): Promise<JudgeResult>;
}

export function judgeMessages(rubric: Rubric, input: JudgeInput): ChatMessage[] {
  const parts = [section('query', input.query)];
  if (input.reference !== undefined) parts.push(section('reference', input.reference));
  parts.push(section('answer', input.answer));
  return [
    { role: 'system', content: rubric.system },
    { role: 'user', content: `${parts.join('\n\n')}\n\nGrade the answer. JSON only.` },
  ];
}

/** A judge backed by an LLM endpoint; one repair request when the verdict does not parse. */
export function llmJudge(options: { rubric: Rubric; client: EndpointClient }): Judge {
  const { rubric, client } = options;
  const spec: JudgeSpec = {
    name: rubric.name,
    rubric: rubric.name,
    rubricVersion: rubric.version,
    promptHash: rubric.promptHash,
    model: client.settings.model,
    settings: { ...rubric.settings },
  };
  const callOptions = {
    responseFormat: { type: 'json_schema' as const, json_schema: { name: 'judge_verdict', schema: VERDICT_JSON_SCHEMA, strict: true } },
    temperature: rubric.settings.temperature,
    maxTokens: rubric.settings.max_tokens,
  };
  return {
    spec,
    async grade(input, signal) {
      const messages = judgeMessages(rubric, input);
      const first = await client.chat(messages, { ...callOptions, signal });
      if (first.status === 'failed' || first.status === 'interrupted') {
        return { verdict: { status: 'error', reason: first.error ?? first.status }, latencyMs: first.latencyMs };
      }
      const verdict = parseVerdict(first.output);
      if (verdict.status === 'scored') return { verdict, latencyMs: first.latencyMs };
      const repaired = await client.chat(
        [
          ...messages,
          { role: 'assistant', content: first.output ?? '' },
          { role: 'user', content: 'That reply was not valid. Reply with JSON only: {"score": <integer 1-5>, "reasoning": "<text>"}.' },
        ],
        { ...callOptions, signal },
      );
      const latencyMs = first.latencyMs === undefined || repaired.latencyMs === undefined ? undefined : first.latencyMs + repaired.latencyMs;
      if (repaired.status === 'failed' || repaired.status === 'interrupted') {
        return { verdict: { status: 'error', reason: repaired.error ?? repaired.status }, latencyMs };
      }
      const second = parseVerdict(repaired.output);
      if (second.status === 'scored') return { verdict: second, latencyMs };
      return { verdict: { status: 'unscored', reason: `after one repair: ${second.reason}` }, latencyMs };
    },
  };
}
