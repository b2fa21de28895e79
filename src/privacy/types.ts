/** What redaction looks for. The placeholder is `[TYPE]` (or `[TYPE_n]` with numbering). */
export const PII_TYPES = ['EMAIL', 'PHONE', 'CARD', 'IBAN', 'ORDER', 'ACCOUNT', 'ADDRESS', 'NAME'] as const;
export type PiiType = (typeof PII_TYPES)[number];

/**
 * What can make a query sensitive. card, iban, account: the text carries payment or bank data (a
 * Luhn-valid card; a mod-97-valid IBAN; an account number after "account/member/routing number",
 * a card-shaped number failing Luhn, an IBAN-shaped one failing mod-97). health, legal,
 * data_request: the topic (short term lists in sensitive-terms.ts).
 */
export const SENSITIVITY_DETECTORS = ['card', 'iban', 'account', 'health', 'legal', 'data_request'] as const;
export type SensitivityDetector = (typeof SENSITIVITY_DETECTORS)[number];

/**
 * One redacted span, by position in the original text. It deliberately carries no copy of the value,
 * so findings can be counted, logged or stored without leaking what they point at.
 */
export interface PiiFinding {
  type: PiiType;
  start: number;
  end: number;
  /** Which rule found it (e.g. 'luhn', 'cue:my name is'), for explaining a redaction. */
  rule: string;
  /** The placeholder that replaced it. */
  placeholder: string;
}

/** A span a detector proposes; redact() keeps it unless an earlier detector claimed an overlapping one. */
export interface Candidate {
  type: PiiType;
  start: number;
  end: number;
  rule: string;
}

export interface RedactOptions {
  /** Types to redact (default: all). */
  types?: readonly PiiType[];
  /** Countries whose national phone formats (no +country code) are recognised. Default ['US']. */
  phoneCountries?: readonly string[];
  /** The company's order-number formats; default Northwind's `NW-123456`. Must be global (g) regexes. */
  orderPatterns?: readonly RegExp[];
  /**
   * Values that are never redacted: the company's own public phone numbers and addresses. An entry
   * starting with '@' allows every email address at that domain.
   */
  allow?: readonly string[];
  /** Extra first names to recognise (the built-in list covers common given names). */
  extraNames?: readonly string[];
  /** `[EMAIL_1]`, `[EMAIL_2]` instead of `[EMAIL]`: the same value gets the same number. */
  numbered?: boolean;
}

export interface RedactResult {
  text: string;
  findings: PiiFinding[];
}
