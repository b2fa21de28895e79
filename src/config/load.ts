import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { UsageError } from '../core/errors.ts';
import { configSchema, type Config } from './schema.ts';
import { expandEnv } from './expand-env.ts';

/** One line per problem: the key path, what was wrong, and the YAML line when we can find it. */
export function formatIssues(file: string, issues: z.core.$ZodIssue[], lineOf: (path: PropertyKey[]) => number | undefined): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.') || '(root)';
      const line = lineOf(issue.path);
      const message =
        issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message;
      return `${file}${line === undefined ? '' : `:${line}`}: ${path}: ${message}`;
    })
    .join('\n');
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
}

export function loadConfig(file: string, options: LoadOptions = {}): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`config not found or unreadable: ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return parseConfig(text, file, options);
}

export function parseConfig(text: string, file: string, options: LoadOptions = {}): Config {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const line = first.linePos?.[0]?.line;
    throw new UsageError(`${file}${line === undefined ? '' : `:${line}`}: invalid YAML: ${first.message.split('\n')[0]}`);
  }
  const lineOf = (path: PropertyKey[]): number | undefined => {
    // Walk to the deepest node that exists; report where it starts.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = document.getIn(path.slice(0, depth) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      const offset = node?.range?.[0];
      if (offset !== undefined) return text.slice(0, offset).split('\n').length;
    }
    return undefined;
  };
  const raw = expandEnv(document.toJS(), options.env ?? process.env, file, [], lineOf);
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new UsageError(formatIssues(file, parsed.error.issues, lineOf));
  return withSystemPromptFile(parsed.data, file, lineOf(['system_prompt_file']));
}

/** The prompt file's text goes into the config, so a stored run records exactly what was sent. */
function withSystemPromptFile(config: Config, file: string, line: number | undefined): Config {
  const promptFile = config.system_prompt_file;
  if (promptFile === undefined) return config;
  try {
    return { ...config, system_prompt: readFileSync(promptFile, 'utf8'), system_prompt_file: undefined };
  } catch (error) {
    throw new UsageError(
      `${file}${line === undefined ? '' : `:${line}`}: system_prompt_file: cannot read ${promptFile} (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
}
