import { UsageError } from '../core/errors.ts';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** The YAML line a key path starts on, when known. */
export type LineOf = (path: string[]) => number | undefined;

/**
 * Expands ${VAR} and ${VAR:-default} in every string of a parsed YAML tree.
 * Done after parsing, not on the raw text, so a value cannot inject YAML structure.
 */
export function expandEnv(value: unknown, env: NodeJS.ProcessEnv, file: string, path: string[] = [], lineOf: LineOf = () => undefined): unknown {
  const fail = (at: string[], message: string): never => {
    const line = lineOf(at);
    throw new UsageError(`${file}${line === undefined ? '' : `:${line}`}: ${at.join('.') || '(root)'}: ${message}`);
  };
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== '') return found;
      if (fallback !== undefined) return fallback;
      return fail(path, `environment variable ${name} is not set (write \${${name}:-default} for a default)`);
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => expandEnv(item, env, file, [...path, String(index)], lineOf));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => {
        // Parsers downstream assign keys to plain objects, where this one would replace the
        // prototype and vanish (an endpoint named so would be dropped without a word).
        if (key === '__proto__') fail([...path, key], '"__proto__" is not allowed as a key');
        return [key, expandEnv(item, env, file, [...path, key], lineOf)];
      }),
    );
  }
  return value;
}
