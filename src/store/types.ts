import type { PrivacyRecord } from '../privacy/record.ts';
import type { ValidationRecord } from '../cascade/validation-record.ts';
import type { PairwiseJudgmentRecord } from './judge-tables.ts';
import type { JudgmentRecord } from '../core/judgment.ts';
import type { Query, Reject } from '../core/query.ts';
import type { ResponseRecord } from '../core/response.ts';
import type { RouteRecord } from '../core/route.ts';

export const RUN_STATUSES = ['running', 'complete', 'interrupted', 'failed'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const GATE_DECISIONS = ['go', 'no-go', 'hold'] as const;
export type GateDecision = (typeof GATE_DECISIONS)[number];

export const EXPORT_FORMATS = ['parquet', 'csv', 'arrow'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface OpenStoreOptions {
  readOnly?: boolean;
  /** Refuse to create a new database: for commands that only read an existing one. */
  mustExist?: boolean;
  /** Injected clock for created_at / finished_at / decided_at; defaults to the wall clock. */
  now?: () => Date;
}

export interface NewRun {
  runId: string;
  mode: string;
  dataset: string;
  policy: string;
  config: unknown;
  notes?: string;
  /** Judge whose verdicts the analyst views show; undefined: the most recent judgment of any judge. */
  defaultJudge?: string;
}

/** A `runs` row with the table's own column names. Timestamps are ISO strings; NULL is undefined. */
export interface RunRow {
  run_id: string;
  created_at: string;
  finished_at: string | undefined;
  status: RunStatus;
  mode: string;
  dataset: string;
  policy: string;
  /** The run's config as JSON text ('null' when none was given). */
  config_json: string;
  notes: string | undefined;
  query_count: number | undefined;
  reject_count: number | undefined;
  default_judge: string | undefined;
}

/** Everything one replay step produced; written all-or-nothing. Omitted lists are empty. */
export interface StoreBatch {
  queries?: readonly Query[];
  routes?: readonly RouteRecord[];
  responses?: readonly ResponseRecord[];
  judgments?: readonly JudgmentRecord[];
  privacy?: readonly PrivacyRecord[];
  rejects?: readonly Reject[];
  /** The cascade validator's verdicts on this batch's candidate answers (migration 14). */
  validations?: readonly ValidationRecord[];
  /** The replay's pairwise comparisons of this batch's queries (table pairwise_judgments, migration 3). */
  pairwise?: readonly PairwiseJudgmentRecord[];
}

export interface GateDecisionInput {
  runId: string;
  plan: string;
  step: string;
  decision: GateDecision;
  reasons: unknown;
  metrics: unknown;
  /** Defaults to the store's clock. */
  decidedAt?: Date;
}

export interface GateDecisionRow {
  runId: string;
  plan: string;
  step: string;
  decision: GateDecision;
  reasons: unknown;
  metrics: unknown;
  decidedAt: string;
}

export interface Store {
  readonly path: string;
  readonly readOnly: boolean;
  /** Schema version of the open file (the highest applied migration). */
  readonly schemaVersion: number;

  createRun(run: NewRun): Promise<void>;
  getRun(runId: string): Promise<RunRow | undefined>;
  latestRun(options?: { status?: RunStatus }): Promise<RunRow | undefined>;
  setRunStatus(runId: string, status: RunStatus, counts?: { queryCount?: number; rejectCount?: number }): Promise<void>;
  setDefaultJudge(runId: string, judgeName: string | undefined): Promise<void>;

  /** Query ids with a row in `queries`: written in the same transaction as their responses and judgments. */
  completedQueryIds(runId: string): Promise<Set<string>>;
  /**
   * One transaction around every appender: all rows of the batch, or none. Duplicate keys throw.
   * A batch that does not fit the memory limit (setMemoryLimit) throws an error that says so.
   */
  writeBatch(runId: string, batch: StoreBatch): Promise<void>;
  /**
   * Caps DuckDB's memory for this database (its block cache grows with the tables otherwise).
   * `size` as in the config: a number and KB/MB/GB (powers of 1000) or KiB/MiB/GiB.
   */
  setMemoryLimit(size: string): Promise<void>;
  /** DuckDB's checkpoint_threshold (write-ahead log size that triggers a checkpoint), `size` as for setMemoryLimit. */
  setCheckpointThreshold(size: string): Promise<void>;
  /** The size last given to this store's setMemoryLimit, as given ('128MB'); undefined: never set through it (DuckDB's default is 80% of RAM). */
  readonly memoryLimitSize: string | undefined;
  /** Re-judging: replaces rows with the same (run, query, role, judge, kind) key, in one transaction. */
  writeJudgments(judgments: readonly JudgmentRecord[]): Promise<void>;
  writeGateDecision(row: GateDecisionInput): Promise<void>;

  readQueries(runId: string): Promise<Query[]>;
  readRoutes(runId: string): Promise<RouteRecord[]>;
  readResponses(runId: string): Promise<ResponseRecord[]>;
  readJudgments(runId: string): Promise<JudgmentRecord[]>;
  readRejects(runId: string): Promise<Reject[]>;
  readGateDecisions(runId: string): Promise<GateDecisionRow[]>;

  /** Rows as plain objects: NULL -> null, BIGINT/HUGEINT/DECIMAL -> number, timestamps -> ISO string, DATE -> 'YYYY-MM-DD'. */
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** The same values as `all`, column by column ({ name: values[] }): for results of many rows. */
  columns<T extends Record<string, unknown[]>>(sql: string, params?: readonly unknown[]): Promise<T>;
  /** The same values as `columns`, streamed a chunk (about 2,048 rows) at a time: for results too large to hold at once. */
  eachChunk<T extends Record<string, unknown[]>>(sql: string, params: readonly unknown[], onChunk: (columns: T, rows: number) => void): Promise<void>;
  /**
   * One file per table and view, filtered to the run; returns the paths written. With `redact`,
   * every free-text column (export-run.ts FREE_TEXT_COLUMNS) goes through it on the way out.
   */
  exportRun(runId: string, format: ExportFormat, outDir: string, redact?: (text: string) => string): Promise<string[]>;
  /** A consistent copy of the whole database at `toPath`, which other processes can open while this one writes. */
  snapshot(toPath: string): Promise<void>;
  close(): Promise<void>;
}
