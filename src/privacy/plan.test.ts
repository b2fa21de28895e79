import { describe, expect, it } from 'vitest';
import { outboundJudgeInput, outboundText } from './outbound.ts';
import { planPrivacy } from './plan.ts';
import type { PlanInput, PrivacySettings } from './plan.ts';
import { privacyRecord } from './record.ts';
import { createRedactor, redact } from './redact.ts';
import { classifySensitivity } from './sensitivity.ts';

// The shipped stack: llama on-prem, gpt35 and gpt4 at OpenAI; gpt4 is baseline, fallback and judge.
const endpoints = { llama: { onPrem: true }, gpt35: { onPrem: false }, gpt4: { onPrem: false } };
const settings: PrivacySettings = { redactExternal: true, sensitiveRoute: 'on_prem_only', sensitiveEndpoint: undefined, sensitiveJudge: undefined };

function input(text: string, routed: string, overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    sensitivity: classifySensitivity({ text }),
    routed,
    baseline: 'gpt4',
    fallback: 'gpt4',
    judge: 'gpt4',
    tierEndpoints: ['llama', 'gpt35', 'gpt4'],
    endpoints,
    ...overrides,
  };
}

describe('planPrivacy', () => {
  it('sends an ordinary query where routing sent it, redacted for every external endpoint', () => {
    const plan = planPrivacy(input('where is NW-123456?', 'gpt35'), settings);
    expect(plan.sensitive).toBe(false);
    expect(plan.candidate).toEqual({ withheld: false, endpoint: 'gpt35', redact: true });
    expect(plan.baseline).toEqual({ withheld: false, endpoint: 'gpt4', redact: true });
    expect(plan.judge).toEqual({ withheld: false, endpoint: 'gpt4', redact: true });
    expect(plan.rerouteReason).toBeUndefined();
    expect(planPrivacy(input('where is NW-123456?', 'llama'), settings).candidate).toEqual({ withheld: false, endpoint: 'llama', redact: false });
    expect(planPrivacy(input('hi', 'gpt35'), { ...settings, redactExternal: false }).candidate).toEqual({ withheld: false, endpoint: 'gpt35', redact: false });
  });

  it('moves a sensitive query to on-prem and withholds every external call, saying why', () => {
    const plan = planPrivacy(input('Under GDPR delete my data now', 'gpt4'), settings);
    expect(plan.sensitive).toBe(true);
    expect(plan.candidate).toEqual({ withheld: false, endpoint: 'llama', redact: false });
    expect(plan.rerouteReason).toBe('sensitive query (detected: data-rights request "gdpr"): gpt4 is external, sent to on-prem llama');
    expect(plan.baseline).toEqual({ withheld: true, reason: 'withheld: sensitive query (detected: data-rights request "gdpr"); gpt4 is external' });
    expect(plan.fallback).toMatchObject({ withheld: true });
    expect(plan.judge).toEqual({ withheld: true, reason: 'withheld: sensitive query (detected: data-rights request "gdpr"); judge gpt4 is external' });
  });

  it('keeps a sensitive query on its routed on-prem endpoint and uses an on-prem judge when there is one', () => {
    const plan = planPrivacy(input('my card 4111 1111 1111 1111 was declined', 'llama'), { ...settings, sensitiveJudge: 'llama' });
    expect(plan.candidate).toEqual({ withheld: false, endpoint: 'llama', redact: false });
    expect(plan.rerouteReason).toBeUndefined();
    expect(plan.judge).toEqual({ withheld: false, endpoint: 'llama', redact: false });
  });

  it('uses the configured on-prem endpoint, and withholds the candidate when there is none', () => {
    const withSecond = { ...endpoints, llama8b: { onPrem: true } };
    const text = 'I am calling my lawyer';
    expect(planPrivacy(input(text, 'gpt35', { endpoints: withSecond }), { ...settings, sensitiveEndpoint: 'llama8b' }).candidate).toMatchObject({ endpoint: 'llama8b' });
    const cloudOnly = { gpt35: { onPrem: false }, gpt4: { onPrem: false } };
    const plan = planPrivacy(input(text, 'gpt35', { endpoints: cloudOnly, tierEndpoints: ['gpt35', 'gpt4'] }), settings);
    expect(plan.candidate).toEqual({ withheld: true, reason: 'withheld: sensitive query (detected: legal term "lawyer"); no on-prem endpoint is configured' });
  });

  it('has nothing to send for a baseline taken from the log', () => {
    expect(planPrivacy(input('court order', 'gpt4', { baseline: undefined }), settings).baseline).toBeUndefined();
  });
});

describe('outbound text', () => {
  it('redacts for external targets only, with one numbering across query, answer and reference', () => {
    const external = { withheld: false as const, endpoint: 'gpt4', redact: true };
    const onPrem = { withheld: false as const, endpoint: 'llama', redact: false };
    const redactor = createRedactor({ numbered: true });
    expect(outboundText('mail maria@example.com', onPrem, redactor)).toBe('mail maria@example.com');
    const findings: never[] = [];
    const judged = outboundJudgeInput(
      { query: 'mail maria@example.com or bob@example.com', answer: 'We wrote to bob@example.com.', reference: undefined },
      external,
      redactor,
      findings,
    );
    expect(judged).toEqual({ query: 'mail [EMAIL_1] or [EMAIL_2]', answer: 'We wrote to [EMAIL_2].', reference: undefined });
    expect(findings).toHaveLength(3);
  });

  it('records the decision per query without any value', () => {
    const text = 'Under GDPR delete my data; my email is maria@example.com and card 4111 1111 1111 1111';
    const plan = planPrivacy(input(text, 'gpt35'), settings);
    const record = privacyRecord('run-1', 'q-1', plan, redact(text).findings);
    expect(record).toEqual({
      runId: 'run-1',
      queryId: 'q-1',
      sensitive: true,
      reasons: ['detected: card number', 'detected: data-rights request "gdpr"'],
      routedEndpoint: 'gpt35',
      candidateEndpoint: 'llama',
      rerouteReason: 'sensitive query (detected: card number; detected: data-rights request "gdpr"): gpt35 is external, sent to on-prem llama',
      baselineWithheld: true,
      judgeWithheld: true,
      piiFound: { EMAIL: 1, CARD: 1 },
    });
    expect(JSON.stringify(record)).not.toMatch(/maria|4111/);
  });
});
