import type { Send } from './plan.ts';
import type { Redactor } from './redact.ts';
import type { PiiFinding } from './types.ts';

/**
 * The text as it may leave for `target`: redacted for an external endpoint, untouched on-prem.
 * Findings are collected into `findings` so the query's privacy row can count them.
 */
export function outboundText(text: string, target: Send, redactor: Redactor, findings?: PiiFinding[]): string {
  if (!target.redact) return text;
  const result = redactor.redact(text);
  findings?.push(...result.findings);
  return result.text;
}

export interface JudgeTexts {
  query: string;
  answer: string;
  reference: string | undefined;
  /** The conversation around a multi-turn query. */
  context?: string;
}

/** The judge sees the query, the answer and the reference: all three are redacted for an external judge. */
export function outboundJudgeInput<T extends JudgeTexts>(input: T, target: Send, redactor: Redactor, findings?: PiiFinding[]): T {
  if (!target.redact) return input;
  return {
    ...input,
    query: outboundText(input.query, target, redactor, findings),
    answer: outboundText(input.answer, target, redactor, findings),
    reference: input.reference === undefined ? undefined : outboundText(input.reference, target, redactor, findings),
    ...(input.context === undefined ? {} : { context: outboundText(input.context, target, redactor, findings) }),
  };
}
