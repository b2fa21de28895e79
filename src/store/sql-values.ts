import { DuckDBTimestampTZValue, type DuckDBValue } from '@duckdb/node-api';

export function timestampTZ(date: Date): DuckDBTimestampTZValue {
  const millis = date.getTime();
  if (!Number.isFinite(millis)) throw new TypeError('invalid Date');
  return new DuckDBTimestampTZValue(BigInt(millis) * 1000n);
}

/** Plain JS parameters -> DuckDB values: undefined is NULL, a Date is a TIMESTAMPTZ. */
export function toDuckDBParams(params: readonly unknown[]): DuckDBValue[] {
  return params.map((value, index) => {
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
      return value;
    }
    if (value instanceof Date) return timestampTZ(value);
    throw new TypeError(`parameter $${index + 1}: unsupported type ${Object.prototype.toString.call(value)}`);
  });
}

/** For statements that take no parameters (COPY ... TO, ATTACH). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function jsonText(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

export function parseJson(text: unknown): unknown {
  return typeof text === 'string' ? JSON.parse(text) : undefined;
}
