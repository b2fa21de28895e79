/** What identifies a validator: stored with every validation so verdicts of different validators never mix. */
export interface ValidatorSpec {
  /** The rubric's name, or rubric@endpoint when another endpoint than the config's runs it. */
  name: string;
  rubric: string;
  rubricVersion: string;
  promptHash: string;
  model: string;
  settings: Record<string, unknown>;
}

/** The validator's verdict: P(acceptable) in [0, 1], or why there is none (never a number). */
export type ValidatorVerdict =
  | { status: 'scored'; pAcceptable: number; reasoning: string }
  | { status: 'unscored'; reason: string }
  | { status: 'error'; reason: string };

/** One validation of a candidate answer (table validations, migration 14). */
export interface ValidationRecord {
  runId: string;
  queryId: string;
  role: 'candidate';
  validator: ValidatorSpec;
  /** The configured endpoint that validated. */
  endpoint: string;
  /** Where a doubtful answer goes (the config's cascade.<tier>.escalate_to). */
  escalateTo: string;
  verdict: ValidatorVerdict;
  /** Summed over the validator's calls (a repair is a second call); undefined when any call did not report usage. */
  promptTokens: number | undefined;
  completionTokens: number | undefined;
  costUsd: number | undefined;
  latencyMs: number | undefined;
  calls: number;
  cached: boolean;
  createdAt: Date;
}
