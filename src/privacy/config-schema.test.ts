import { describe, expect, it } from 'vitest';
import { privacyConfigIssues, privacyConfigSchema, privacySettingsFromConfig, redactOptionsFromConfig, sensitivityPolicyFromConfig } from './config-schema.ts';
import { redact } from './redact.ts';
import { classifySensitivity } from './sensitivity.ts';

const stack = {
  endpoints: { llama: { on_prem: true }, gpt4: { on_prem: false } },
  routing: { tiers: { simple: 'llama', medium: 'gpt4', complex: 'gpt4' } },
  judge: { endpoint: 'gpt4' },
};

describe('privacy config', () => {
  it('defaults to redacting external calls and keeping sensitive queries on-prem', () => {
    const privacy = privacyConfigSchema.parse(undefined);
    expect(privacy).toEqual({
      redact_external: true,
      redact_types: ['EMAIL', 'PHONE', 'CARD', 'IBAN', 'ORDER', 'ACCOUNT', 'ADDRESS', 'NAME'],
      allow: [],
      phone_countries: ['US'],
      order_patterns: ['NW[- ]?\\d{6}'],
      sensitive: { route: 'on_prem_only', agreement_sample: 0.2, detect: ['card', 'iban', 'account', 'health', 'legal', 'data_request'], keywords: [], channels: [] },
    });
    expect(privacySettingsFromConfig(privacy)).toEqual({ redactExternal: true, sensitiveRoute: 'on_prem_only', sensitiveEndpoint: undefined, sensitiveJudge: undefined });
    expect(sensitivityPolicyFromConfig(privacy).detect).toHaveLength(6);
    expect(privacyConfigIssues(privacy, stack)).toEqual([]);
  });

  it('rejects unknown keys, bad detectors and bad patterns', () => {
    expect(privacyConfigSchema.safeParse({ redact: true }).success).toBe(false);
    expect(privacyConfigSchema.safeParse({ sensitive: { detect: ['religion'] } }).success).toBe(false);
    expect(privacyConfigSchema.safeParse({ order_patterns: ['NW-(\\d{6}'] }).success).toBe(false);
    expect(privacyConfigSchema.safeParse({ phone_countries: ['usa'] }).success).toBe(false);
  });

  it('turns the config into redaction options that use the order patterns and allow list', () => {
    const privacy = privacyConfigSchema.parse({ order_patterns: ['AB\\d{5}'], allow: ['1-800-555-0199'] });
    expect(redact('order AB12345, call 1-800-555-0199 or 503-555-0123', redactOptionsFromConfig(privacy)).text).toBe('order [ORDER_1], call 1-800-555-0199 or [PHONE_1]');
  });

  it('checks that sensitive queries have an on-prem endpoint to go to', () => {
    const named = privacyConfigSchema.parse({ sensitive: { endpoint: 'gpt4', judge: 'nope' } });
    expect(privacyConfigIssues(named, stack)).toEqual([
      { path: ['privacy', 'sensitive', 'endpoint'], message: '"gpt4" is not on_prem: sensitive queries may only go to on-prem endpoints' },
      { path: ['privacy', 'sensitive', 'judge'], message: 'unknown endpoint "nope" (defined: llama, gpt4)' },
    ]);
    const cloudOnly = { ...stack, endpoints: { gpt4: { on_prem: false } } };
    expect(privacyConfigIssues(privacyConfigSchema.parse({}), cloudOnly)[0]?.message).toContain('no endpoint has on_prem: true');
    expect(privacyConfigIssues(privacyConfigSchema.parse({ sensitive: { detect: [] } }), cloudOnly)).toEqual([]);
  });

  it('tells numbers apart for sensitivity as redaction does: a company order format is not a card', () => {
    // 4111111111111111 passes Luhn: a card, unless the company's own order numbers look like that.
    const text = 'where is my order 4111111111111111?';
    const plain = privacyConfigSchema.parse(undefined);
    expect(classifySensitivity({ text }, sensitivityPolicyFromConfig(plain)).reasons).toEqual([]);
    const bare = 'where is 4111111111111111?';
    expect(classifySensitivity({ text: bare }, sensitivityPolicyFromConfig(plain)).reasons).toEqual(['detected: card number']);
    const orders = privacyConfigSchema.parse({ order_patterns: ['4111\\d{12}'] });
    expect(redact(bare, redactOptionsFromConfig(orders)).text).toBe('where is [ORDER_1]?');
    expect(classifySensitivity({ text: bare }, sensitivityPolicyFromConfig(orders)).sensitive).toBe(false);
  });
});
