import { createRedactor } from './redact.ts';
import type { RedactOptions } from './types.ts';
import { DATA_REQUEST_TERMS, HEALTH_TERMS, LEGAL_TERMS, keywordPattern, termPattern } from './sensitive-terms.ts';
import { SENSITIVITY_DETECTORS } from './types.ts';
import type { SensitivityDetector } from './types.ts';

export interface SensitivityPolicy {
  detect: readonly SensitivityDetector[];
  /** Extra words or phrases that make a query sensitive (whole words, any case). */
  keywords: readonly string[];
  /** Queries logged on these channels are sensitive (tagging by configuration). */
  channels: readonly string[];
  /**
   * How numbers are told apart, as redaction tells them (the company's order formats, phone
   * countries): a number redaction calls an order is not a card here either. Default: redaction's.
   */
  detection?: Pick<RedactOptions, 'phoneCountries' | 'orderPatterns' | 'extraNames'>;
}

export const DEFAULT_SENSITIVITY_POLICY: SensitivityPolicy = { detect: SENSITIVITY_DETECTORS, keywords: [], channels: [] };

/** What the classifier reads: a Query satisfies it. `sensitive` is the log's own tag, when mapped. */
export interface SensitivityInput {
  text: string;
  /**
   * The customer's messages one by one, when `text` joins several (a logged conversation): numbers
   * are looked for message by message, so one message's digits never run into the next's, and
   * each message's detection is the one its redaction for an external endpoint reuses.
   */
  messages?: readonly string[];
  channel?: string;
  sensitive?: boolean;
}

export interface Sensitivity {
  sensitive: boolean;
  /** Every rule that fired, in a fixed order, e.g. 'tagged: channel "legal"', 'detected: card number'. */
  reasons: string[];
}

const TOPICS: Record<'health' | 'legal' | 'data_request', { pattern: RegExp; label: string }> = {
  health: { pattern: termPattern(HEALTH_TERMS), label: 'health term' },
  legal: { pattern: termPattern(LEGAL_TERMS), label: 'legal term' },
  data_request: { pattern: termPattern(DATA_REQUEST_TERMS), label: 'data-rights request' },
};

// The redaction pipeline decides what a number is (an IBAN's digits are not also a card), so the
// classifier reads its findings. A bare long digit run is not enough: it is more often a tracking
// or reference number than bank data.
const ACCOUNT_RULES = new Set(['cue:account', 'card-shaped-luhn-invalid', 'iban-shaped', 'ssn-shaped']);

function numbersIn(texts: readonly string[], detection: SensitivityPolicy['detection']): Record<'card' | 'iban' | 'account', boolean> {
  // One redactor for all the messages: its detection key is worked out once, not per message.
  const redactor = createRedactor({ ...detection, types: ['CARD', 'IBAN', 'ACCOUNT'] });
  const findings = texts.flatMap((text) => redactor.redact(text).findings);
  return {
    card: findings.some((finding) => finding.type === 'CARD'),
    iban: findings.some((finding) => finding.type === 'IBAN'),
    account: findings.some((finding) => finding.type === 'ACCOUNT' && ACCOUNT_RULES.has(finding.rule)),
  };
}

const NUMBER_LABELS = { card: 'card number', iban: 'IBAN', account: 'account number' } as const;

export function classifySensitivity(query: SensitivityInput, policy: SensitivityPolicy = DEFAULT_SENSITIVITY_POLICY): Sensitivity {
  const reasons: string[] = [];
  if (query.sensitive === true) reasons.push('tagged: sensitive in the log');
  if (query.channel !== undefined && policy.channels.some((channel) => channel.toLowerCase() === query.channel!.toLowerCase())) {
    reasons.push(`tagged: channel "${query.channel}"`);
  }
  let numbers: Record<'card' | 'iban' | 'account', boolean> | undefined;
  for (const detector of SENSITIVITY_DETECTORS) {
    if (!policy.detect.includes(detector)) continue;
    if (detector === 'card' || detector === 'iban' || detector === 'account') {
      numbers ??= numbersIn(query.messages ?? [query.text], policy.detection);
      // The reason names the kind of number, never the number.
      if (numbers[detector]) reasons.push(`detected: ${NUMBER_LABELS[detector]}`);
      continue;
    }
    const topic = TOPICS[detector];
    const match = topic.pattern.exec(query.text);
    if (match) reasons.push(`detected: ${topic.label} "${match[0].toLowerCase()}"`);
  }
  for (const keyword of policy.keywords) {
    if (keyword.trim() !== '' && keywordPattern(keyword).test(query.text)) reasons.push(`keyword: "${keyword}"`);
  }
  return { sensitive: reasons.length > 0, reasons };
}
