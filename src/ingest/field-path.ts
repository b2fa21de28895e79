import { UsageError } from '../core/errors.ts';

/**
 * A field mapping's column may be a path into nested JSON: dotted keys and array indexes,
 * `input.messages[-1].content`, `messages.3.content`, `metadata.tier` (a negative index counts
 * from the end). A key that itself holds a dot is still found: the record's own key is tried
 * before the path is split.
 */
export type PathSegment = string | number;

const cache = new Map<string, PathSegment[]>();

/** Splits a path; throws a UsageError naming it when it cannot be split (an unclosed bracket, an empty key). */
export function parsePath(path: string): PathSegment[] {
  const cached = cache.get(path);
  if (cached !== undefined) return cached;
  const segments: PathSegment[] = [];
  const bad = (why: string): never => {
    throw new UsageError(`bad field path '${path}': ${why} (write keys with dots and indexes as [N] or .N, e.g. input.messages[-1].content)`);
  };
  let index = 0;
  while (index < path.length) {
    if (path[index] === '[') {
      const end = path.indexOf(']', index);
      if (end === -1) bad('an unclosed [');
      const inside = path.slice(index + 1, end).trim();
      const quoted = /^(["'])(.*)\1$/.exec(inside);
      if (quoted) segments.push(quoted[2]!);
      else if (/^-?\d+$/.test(inside)) segments.push(Number(inside));
      else bad(`[${inside}] is not an index`);
      index = end + 1;
      if (index < path.length && path[index] !== '.' && path[index] !== '[') bad(`'${path[index]}' after ]`);
    } else {
      if (path[index] === '.') {
        if (index === 0) bad('a leading dot');
        index++;
      }
      let end = index;
      while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
      const key = path.slice(index, end);
      if (key === '') {
        if (path[end] === '[' && index > 0) {
          index = end;
          continue;
        }
        bad('an empty key');
      }
      segments.push(/^-?\d+$/.test(key) ? Number(key) : key);
      index = end;
    }
  }
  if (segments.length === 0) bad('no key');
  cache.set(path, segments);
  return segments;
}

export function isPath(column: string): boolean {
  return column.includes('.') || column.includes('[');
}

/** The column or top-level key a path starts at (what must exist in a CSV header or table schema). */
export function rootOf(column: string): string {
  if (!isPath(column)) return column;
  const first = parsePath(column)[0]!;
  return String(first);
}

/** A path that led nowhere: `why` names the segment that failed, for the reject. */
export class PathMiss {
  readonly why: string;
  /** true when a value of the wrong kind stood in the way (not merely an absent key). */
  readonly wrongType: boolean;
  constructor(why: string, wrongType: boolean) {
    this.why = why;
    this.wrongType = wrongType;
  }
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function shown(segments: readonly PathSegment[], upTo: number): string {
  let text = '';
  for (const segment of segments.slice(0, upTo)) text += typeof segment === 'number' ? `[${segment}]` : text === '' ? segment : `.${segment}`;
  return text;
}

/**
 * Reads `column` from a parsed JSON record: the record's own key first, then the path.
 * Returns undefined for an absent top-level key, a PathMiss when the path breaks further in.
 */
export function readPath(record: Record<string, unknown>, column: string): unknown {
  if (Object.hasOwn(record, column)) return record[column];
  if (!isPath(column)) return undefined;
  const segments = parsePath(column);
  let current: unknown = record;
  for (let position = 0; position < segments.length; position++) {
    const segment = segments[position]!;
    if (Array.isArray(current)) {
      if (typeof segment !== 'number') return new PathMiss(`${shown(segments, position)} is an array, not an object with '${segment}'`, true);
      const at = segment < 0 ? current.length + segment : segment;
      if (at < 0 || at >= current.length) {
        return new PathMiss(`${shown(segments, position + 1)} is past the end (${shown(segments, position) || 'the record'} has ${current.length} items)`, false);
      }
      current = current[at];
    } else if (typeof current === 'object' && current !== null) {
      const key = String(segment);
      if (!Object.hasOwn(current, key)) {
        return position === 0 ? undefined : new PathMiss(`${shown(segments, position + 1)} is missing`, false);
      }
      current = (current as Record<string, unknown>)[key];
    } else {
      if (current === undefined || current === null) return new PathMiss(`${shown(segments, position)} is null`, false);
      return new PathMiss(`${shown(segments, position)} is ${kind(current)}, not ${typeof segment === 'number' ? 'an array' : 'an object'}`, true);
    }
  }
  return current;
}
