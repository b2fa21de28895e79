import { TIERS, type Tier } from '../core/tier.ts';
import type { QueryFacts } from './metrics.ts';

/**
 * A column of few distinct strings (statuses, endpoint names, sources): one small code per query,
 * 0 for unknown, and each distinct string once.
 */
export class CodedColumn {
  codes: Uint16Array;
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();

  constructor(capacity: number) {
    this.codes = new Uint16Array(capacity);
  }

  set(row: number, value: string | null | undefined): void {
    if (value === null || value === undefined) {
      this.codes[row] = 0;
      return;
    }
    let code = this.index.get(value);
    if (code === undefined) {
      this.names.push(value);
      code = this.names.length;
      if (code > 0xffff) throw new Error(`more than ${0xffff} distinct values in one column of the gate's facts`);
      this.index.set(value, code);
    }
    this.codes[row] = code;
  }

  get(row: number): string | undefined {
    const code = this.codes[row]!;
    return code === 0 ? undefined : this.names[code - 1];
  }

  /** The code of `value` (-1 when the column never holds it): compare codes instead of strings in a loop. */
  codeOf(value: string): number {
    return this.index.get(value) ?? -1;
  }

  grow(capacity: number): void {
    const codes = new Uint16Array(capacity);
    codes.set(this.codes.subarray(0, Math.min(capacity, this.codes.length)));
    this.codes = codes;
  }
}

/** The tier and label columns' code for unknown. */
export const NO_TIER = -1;
const ANSWERED_UNKNOWN = 2;

const growFloat = (values: Float64Array, capacity: number): Float64Array => {
  const grown = new Float64Array(capacity).fill(Number.NaN);
  grown.set(values.subarray(0, Math.min(capacity, values.length)));
  return grown;
};
const growBytes = <A extends Int8Array | Uint8Array>(values: A, capacity: number, make: (n: number) => A): A => {
  const grown = make(capacity);
  grown.set(values.subarray(0, Math.min(capacity, values.length)));
  return grown;
};
const numberOrNaN = (value: number | undefined): number => (value === undefined ? Number.NaN : value);
const known = (value: number): number | undefined => (Number.isNaN(value) ? undefined : value);

/**
 * A run's facts, one entry per query in query-id order, column by column: typed arrays for
 * numbers (NaN = unknown) and flags, codes for strings. A million queries as objects took about
 * 1 GB of the gate's heap; as columns they take under 100 MB. Iterating yields one QueryFacts per
 * query, made on the fly, for code that reads a few fields of each (the report's worst answers).
 */
export class FactTable implements Iterable<QueryFacts> {
  length = 0;
  queryId: string[] = [];
  /** Index into TIERS, -1 unknown. */
  tier: Int8Array;
  label: Int8Array;
  candidateEndpoint: CodedColumn;
  candidateStatus: CodedColumn;
  servedStatus: CodedColumn;
  baselineSource: CodedColumn;
  baselineStatus: CodedColumn;
  baselineJudgeStatus: CodedColumn;
  servedScore: Float64Array;
  baselineScore: Float64Array;
  servedLatencyMs: Float64Array;
  routerLatencyUs: Float64Array;
  fallbackUsed: Uint8Array;
  /** 0 no, 1 yes, 2 unknown. */
  servedAnswered: Uint8Array;
  judgeWithheld: Uint8Array;
  sensitive: Uint8Array;

  constructor(capacity = 1024) {
    this.tier = new Int8Array(capacity);
    this.label = new Int8Array(capacity);
    this.candidateEndpoint = new CodedColumn(capacity);
    this.candidateStatus = new CodedColumn(capacity);
    this.servedStatus = new CodedColumn(capacity);
    this.baselineSource = new CodedColumn(capacity);
    this.baselineStatus = new CodedColumn(capacity);
    this.baselineJudgeStatus = new CodedColumn(capacity);
    this.servedScore = new Float64Array(capacity);
    this.baselineScore = new Float64Array(capacity);
    this.servedLatencyMs = new Float64Array(capacity);
    this.routerLatencyUs = new Float64Array(capacity);
    this.fallbackUsed = new Uint8Array(capacity);
    this.servedAnswered = new Uint8Array(capacity);
    this.judgeWithheld = new Uint8Array(capacity);
    this.sensitive = new Uint8Array(capacity);
  }

  /** Room for `rows` more queries. */
  reserve(rows: number): void {
    const needed = this.length + rows;
    if (needed <= this.tier.length) return;
    const capacity = Math.max(needed, this.tier.length * 2);
    this.tier = growBytes(this.tier, capacity, (n) => new Int8Array(n));
    this.label = growBytes(this.label, capacity, (n) => new Int8Array(n));
    for (const column of [this.candidateEndpoint, this.candidateStatus, this.servedStatus, this.baselineSource, this.baselineStatus, this.baselineJudgeStatus]) column.grow(capacity);
    this.servedScore = growFloat(this.servedScore, capacity);
    this.baselineScore = growFloat(this.baselineScore, capacity);
    this.servedLatencyMs = growFloat(this.servedLatencyMs, capacity);
    this.routerLatencyUs = growFloat(this.routerLatencyUs, capacity);
    this.fallbackUsed = growBytes(this.fallbackUsed, capacity, (n) => new Uint8Array(n));
    this.servedAnswered = growBytes(this.servedAnswered, capacity, (n) => new Uint8Array(n));
    this.judgeWithheld = growBytes(this.judgeWithheld, capacity, (n) => new Uint8Array(n));
    this.sensitive = growBytes(this.sensitive, capacity, (n) => new Uint8Array(n));
  }

  push(fact: QueryFacts): void {
    this.reserve(1);
    this.set(this.length++, fact);
  }

  /** Sets row `row` to the values of `fact`. */
  set(row: number, fact: QueryFacts): void {
    this.queryId[row] = fact.queryId;
    this.tier[row] = fact.tier === undefined ? NO_TIER : TIERS.indexOf(fact.tier);
    this.label[row] = fact.label === undefined ? NO_TIER : TIERS.indexOf(fact.label);
    this.candidateEndpoint.set(row, fact.candidateEndpoint);
    this.candidateStatus.set(row, fact.candidateStatus);
    this.servedStatus.set(row, fact.servedStatus);
    this.baselineSource.set(row, fact.baselineSource);
    this.baselineStatus.set(row, fact.baselineStatus);
    this.baselineJudgeStatus.set(row, fact.baselineJudgeStatus);
    this.servedScore[row] = numberOrNaN(fact.servedScore);
    this.baselineScore[row] = numberOrNaN(fact.baselineScore);
    this.servedLatencyMs[row] = numberOrNaN(fact.servedLatencyMs);
    this.routerLatencyUs[row] = numberOrNaN(fact.routerLatencyUs);
    this.fallbackUsed[row] = fact.fallbackUsed ? 1 : 0;
    this.servedAnswered[row] = fact.servedAnswered === undefined ? ANSWERED_UNKNOWN : fact.servedAnswered ? 1 : 0;
    this.judgeWithheld[row] = fact.judgeWithheld ? 1 : 0;
    this.sensitive[row] = fact.sensitive ? 1 : 0;
  }

  tierAt(row: number): Tier | undefined {
    const index = this.tier[row]!;
    return index === NO_TIER ? undefined : TIERS[index];
  }

  at(row: number): QueryFacts {
    const label = this.label[row]!;
    const answered = this.servedAnswered[row]!;
    return {
      queryId: this.queryId[row]!,
      tier: this.tierAt(row),
      label: label === NO_TIER ? undefined : TIERS[label],
      candidateEndpoint: this.candidateEndpoint.get(row),
      candidateStatus: this.candidateStatus.get(row),
      servedStatus: this.servedStatus.get(row),
      servedScore: known(this.servedScore[row]!),
      baselineSource: this.baselineSource.get(row),
      baselineStatus: this.baselineStatus.get(row),
      baselineJudgeStatus: this.baselineJudgeStatus.get(row),
      baselineScore: known(this.baselineScore[row]!),
      fallbackUsed: this.fallbackUsed[row] === 1,
      servedLatencyMs: known(this.servedLatencyMs[row]!),
      routerLatencyUs: known(this.routerLatencyUs[row]!),
      ...(answered === ANSWERED_UNKNOWN ? {} : { servedAnswered: answered === 1 }),
      judgeWithheld: this.judgeWithheld[row] === 1,
      sensitive: this.sensitive[row] === 1,
    };
  }

  /**
   * Puts the queries in query-id order as DuckDB's ORDER BY would (byte order of the UTF-8 text):
   * the bootstrap of a small sample draws by position, so the order is part of a seeded interval.
   */
  sortByQueryId(): void {
    const ids = this.queryId;
    const order = new Uint32Array(this.length);
    for (let row = 0; row < this.length; row++) order[row] = row;
    order.sort((a, b) => compareUtf8(ids[a]!, ids[b]!));
    if (order.every((row, index) => row === index)) return;
    this.queryId = Array.from(order, (row) => ids[row]!);
    // In place, cycle by cycle: a copy of every column would double the table at its largest.
    const placed = new Uint8Array(this.length);
    const columns: Array<Float64Array | Int8Array | Uint8Array | Uint16Array> = [
      this.tier, this.label,
      ...[this.candidateEndpoint, this.candidateStatus, this.servedStatus, this.baselineSource, this.baselineStatus, this.baselineJudgeStatus].map((column) => column.codes),
      this.servedScore, this.baselineScore, this.servedLatencyMs, this.routerLatencyUs,
      this.fallbackUsed, this.servedAnswered, this.judgeWithheld, this.sensitive,
    ];
    for (const values of columns) {
      placed.fill(0);
      for (let start = 0; start < this.length; start++) {
        if (placed[start] === 1) continue;
        // Position i takes the value at order[i]: follow the cycle from start.
        const first = values[start]!;
        let at = start;
        for (;;) {
          placed[at] = 1;
          const from = order[at]!;
          if (from === start) {
            values[at] = first;
            break;
          }
          values[at] = values[from]!;
          at = from;
        }
      }
    }
  }

  *[Symbol.iterator](): Iterator<QueryFacts> {
    for (let row = 0; row < this.length; row++) yield this.at(row);
  }
}

/**
 * Strings in the byte order of their UTF-8 (DuckDB's VARCHAR order), which is code point order.
 * UTF-16 code units order the same except a surrogate (a code point above U+FFFF) against U+E000
 * to U+FFFF: there the surrogate's code point is the larger.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate && (x >= 0xe000 || y >= 0xe000)) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** A table of the given facts (tests, and callers that build facts by hand). */
export function factTable(facts: Iterable<QueryFacts>): FactTable {
  const table = new FactTable();
  for (const fact of facts) table.push(fact);
  return table;
}
