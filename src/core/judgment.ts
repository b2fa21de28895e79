import type { Role } from './response.ts';

/** A judge's verdict. Unscored and errored are never a number: gates count them apart. */
export type Verdict =
  | { status: 'scored'; score: number; reasoning: string }
  | { status: 'unscored'; reason: string }
  | { status: 'error'; reason: string };

/** What identifies a judge, stored with every judgment so scores stay comparable. */
export interface JudgeSpec {
  name: string;
  rubric: string;
  rubricVersion: string;
  promptHash: string;
  model: string;
  settings: Record<string, unknown>;
}

export interface JudgmentRecord {
  runId: string;
  queryId: string;
  role: Role;
  kind: 'single';
  judge: JudgeSpec;
  verdict: Verdict;
  latencyMs: number | undefined;
  createdAt: Date;
}
