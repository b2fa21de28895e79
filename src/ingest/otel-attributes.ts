import { describeValue, FieldProblem } from './field-problem.ts';

/**
 * OTLP JSON attribute values (`{key, value: {stringValue | intValue | doubleValue | boolValue |
 * arrayValue | kvlistValue | bytesValue}}`) decoded to plain values. OTLP JSON writes 64-bit
 * integers as strings (`"intValue": "42"`); they are read as numbers.
 */
export type Attributes = Map<string, unknown>;

export function decodeAnyValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return undefined;
  const any = value as Record<string, unknown>;
  if ('stringValue' in any) return any['stringValue'];
  if ('boolValue' in any) return any['boolValue'];
  if ('intValue' in any) {
    const int = any['intValue'];
    return typeof int === 'string' ? Number(int) : int;
  }
  if ('doubleValue' in any) {
    const double = any['doubleValue'];
    return typeof double === 'string' ? Number(double) : double;
  }
  if ('arrayValue' in any) {
    const values = (any['arrayValue'] as { values?: unknown[] } | null)?.values ?? [];
    return values.map(decodeAnyValue);
  }
  if ('kvlistValue' in any) {
    const values = (any['kvlistValue'] as { values?: unknown[] } | null)?.values ?? [];
    return Object.fromEntries(decodeAttributes(values, 'kvlistValue'));
  }
  if ('bytesValue' in any) return any['bytesValue'];
  return undefined;
}

export function decodeAttributes(list: unknown, field = 'attributes'): Attributes {
  const attributes: Attributes = new Map();
  if (list === undefined || list === null) return attributes;
  if (!Array.isArray(list)) throw new FieldProblem(`${field}: expected an array of {key, value}, got ${describeValue(list)}`);
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) continue;
    const key = (entry as Record<string, unknown>)['key'];
    if (typeof key === 'string') attributes.set(key, decodeAnyValue((entry as Record<string, unknown>)['value']));
  }
  return attributes;
}

/** An attribute holding JSON text (gen_ai.input.messages and friends); some exporters store it already structured. */
export function jsonAttribute(attributes: Attributes, key: string): unknown {
  const value = attributes.get(key);
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new FieldProblem(`${key}: invalid JSON: ${(error as Error).message}`);
  }
}

/** Nanoseconds since the epoch (a string in OTLP JSON) -> milliseconds, or undefined. */
export function nanosToMillis(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value / 1e6);
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(BigInt(value) / 1_000_000n);
  return undefined;
}
