import { z } from 'zod';
import type { PrivacySettings } from './plan.ts';
import type { SensitivityPolicy } from './sensitivity.ts';
import { PII_TYPES, SENSITIVITY_DETECTORS } from './types.ts';
import type { RedactOptions } from './types.ts';

// The `privacy:` section of the config, for src/config/schema.ts (`privacy: privacyConfigSchema`).
// zod only, so the config module can import it without pulling in the redaction code.

const regexSource = z.string().refine(
  (source) => {
    try {
      new RegExp(source, 'gi');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'a valid regular expression' },
);

export const sensitiveConfigSchema = z.strictObject({
  route: z.enum(['on_prem_only']).default('on_prem_only').describe('Where sensitive queries may go: only to endpoints with on_prem: true'),
  endpoint: z.string().optional().describe('On-prem endpoint that answers sensitive queries (default: the first on_prem endpoint in routing.tiers)'),
  judge: z
    .string()
    .optional()
    .describe('On-prem endpoint that judges sensitive queries (default: the judge, if on_prem; otherwise their judgments are withheld)'),
  agreement_sample: z
    .number()
    .min(0)
    .max(1)
    .default(0.2)
    .describe(
      "Share of non-sensitive queries whose answers the on-prem judge (judge above) also grades after the replay, to measure its agreement with the main judge (weighted kappa, mean bias). Only the on-prem judge's calls are extra: the main judge's verdicts are already stored. 0 turns the measurement off",
    ),
  detect: z
    .array(z.enum(SENSITIVITY_DETECTORS))
    .default([...SENSITIVITY_DETECTORS])
    .describe('Built-in detectors: card, iban, account (numbers in the text); health, legal, data_request (topic terms)'),
  keywords: z.array(z.string().min(1)).default([]).describe('Extra words or phrases that make a query sensitive (whole words, any case)'),
  channels: z.array(z.string().min(1)).default([]).describe('Queries logged on these channels are sensitive'),
});

export const privacyConfigSchema = z
  .strictObject({
    redact_external: z
      .boolean()
      .default(true)
      .describe('Redact PII from everything sent to an endpoint that is not on_prem: candidate, baseline, fallback and judge'),
    redact_types: z.array(z.enum(PII_TYPES)).default([...PII_TYPES]).describe('PII types to redact'),
    allow: z
      .array(z.string().min(1))
      .default([])
      .describe("Never redacted: the company's own public phone numbers and addresses; '@domain' allows every address at it"),
    phone_countries: z
      .array(z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 country code such as US'))
      .default(['US'])
      .describe('Countries whose national phone formats (without +country code) are recognised'),
    order_patterns: z
      .array(regexSource)
      .default(['NW[- ]?\\d{6}'])
      .describe("The company's order-number formats, as regular expressions (matched as whole words, any case)"),
    sensitive: sensitiveConfigSchema.prefault({}),
  })
  .prefault({});

export type PrivacyConfig = z.infer<typeof privacyConfigSchema>;

/** Anything with endpoints that say whether they are on-prem: the validated Config fits. */
export interface EndpointsView {
  endpoints: Readonly<Record<string, { on_prem: boolean }>>;
  routing: { tiers: Readonly<Record<string, string>> };
  judge: { endpoint: string };
}

/** Cross-field checks for the config's superRefine: names exist and are on-prem, and sensitive queries have somewhere to go. */
export function privacyConfigIssues(privacy: PrivacyConfig, config: EndpointsView): Array<{ path: (string | number)[]; message: string }> {
  const issues: Array<{ path: (string | number)[]; message: string }> = [];
  const names = Object.keys(config.endpoints);
  for (const key of ['endpoint', 'judge'] as const) {
    const name = privacy.sensitive[key];
    if (name === undefined) continue;
    const endpoint = config.endpoints[name];
    if (endpoint === undefined) issues.push({ path: ['privacy', 'sensitive', key], message: `unknown endpoint "${name}" (defined: ${names.join(', ') || 'none'})` });
    else if (!endpoint.on_prem) issues.push({ path: ['privacy', 'sensitive', key], message: `"${name}" is not on_prem: sensitive queries may only go to on-prem endpoints` });
  }
  const detects = privacy.sensitive.detect.length + privacy.sensitive.keywords.length + privacy.sensitive.channels.length > 0;
  if (detects && privacy.sensitive.endpoint === undefined && !names.some((name) => config.endpoints[name]?.on_prem)) {
    issues.push({ path: ['privacy', 'sensitive'], message: 'no endpoint has on_prem: true, so sensitive queries could not be answered; add one or set detect: [], keywords: [], channels: []' });
  }
  return issues;
}

export function redactOptionsFromConfig(privacy: PrivacyConfig): RedactOptions {
  return {
    types: privacy.redact_types,
    allow: privacy.allow,
    phoneCountries: privacy.phone_countries,
    orderPatterns: privacy.order_patterns.map((source) => new RegExp(`(?<![A-Za-z0-9])(?:${source})(?![A-Za-z0-9])`, 'gi')),
    numbered: true,
  };
}

export function sensitivityPolicyFromConfig(privacy: PrivacyConfig): SensitivityPolicy {
  const { phoneCountries, orderPatterns } = redactOptionsFromConfig(privacy);
  return {
    detect: privacy.sensitive.detect,
    keywords: privacy.sensitive.keywords,
    channels: privacy.sensitive.channels,
    detection: { ...(phoneCountries === undefined ? {} : { phoneCountries }), ...(orderPatterns === undefined ? {} : { orderPatterns }) },
  };
}

export function privacySettingsFromConfig(privacy: PrivacyConfig): PrivacySettings {
  return {
    redactExternal: privacy.redact_external,
    sensitiveRoute: privacy.sensitive.route,
    sensitiveEndpoint: privacy.sensitive.endpoint,
    sensitiveJudge: privacy.sensitive.judge,
  };
}
