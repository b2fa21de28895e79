// Public surface of the privacy stage, for code outside src/privacy.
export { redact, createRedactor, countFindings } from './redact.ts';
export type { Redactor } from './redact.ts';
export { PII_TYPES, SENSITIVITY_DETECTORS } from './types.ts';
export type { PiiFinding, PiiType, RedactOptions, RedactResult, SensitivityDetector } from './types.ts';
export { classifySensitivity, DEFAULT_SENSITIVITY_POLICY } from './sensitivity.ts';
export type { Sensitivity, SensitivityInput, SensitivityPolicy } from './sensitivity.ts';
export { planPrivacy, sensitiveEndpointFor } from './plan.ts';
export type { EndpointPlacement, PlanInput, PrivacyPlan, PrivacySettings, Send, Withheld } from './plan.ts';
export { outboundJudgeInput, outboundText } from './outbound.ts';
export { privacyRecord } from './record.ts';
export type { PrivacyRecord } from './record.ts';
export {
  privacyConfigIssues, privacyConfigSchema, privacySettingsFromConfig, redactOptionsFromConfig, sensitivityPolicyFromConfig,
} from './config-schema.ts';
export type { PrivacyConfig } from './config-schema.ts';
export { isLuhnValid } from './luhn.ts';
