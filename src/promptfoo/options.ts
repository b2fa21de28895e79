import { resolve } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/errors.ts';

/** The config a suite gets when it names none and HYBRID_EVAL_CONFIG is not set. */
export const DEFAULT_CONFIG_FILE = 'examples/sim.yaml';

/** Which hybrid-eval stack answers: a config file, and the in-process sim (or none: real endpoints). */
export interface StackKey {
  /** Absolute path. */
  configFile: string;
  sim: SimSettings | undefined;
}

export interface SimSettings {
  timeScale: number;
  /** A --sim-faults spec, e.g. "down=llama-3-70b". */
  faults: string | undefined;
}

const stackFields = {
  config: z.string().min(1).optional().describe('hybrid-eval config file (relative to the directory promptfoo runs in)'),
  sim: z.boolean().optional().describe('answer from the in-process simulator (default: true unless HYBRID_EVAL_CONFIG is set)'),
  sim_time_scale: z.number().nonnegative().optional().describe('sim latency multiplier (default 0: no delay)'),
  sim_faults: z.string().optional().describe('sim fault spec, e.g. "down=llama-3-70b"'),
};

export const providerConfigSchema = z.strictObject({
  ...stackFields,
  endpoint: z.string().min(1).optional().describe('call this one configured endpoint instead of routing through the stack'),
  role: z.enum(['candidate', 'baseline']).optional().describe('side of the pair on `hybrid-eval promptfoo import`'),
  // promptfoo adds the suite's directory to every provider's config.
  basePath: z.string().optional(),
});
export type ProviderConfig = z.infer<typeof providerConfigSchema>;

export const judgeConfigSchema = z.strictObject({
  ...stackFields,
  threshold: z.number().min(1).max(5).default(4).describe('lowest 1-5 judge score that passes'),
  rubric: z.string().min(1).optional().describe("rubric file (default: the config's judge.rubric)"),
  reference: z.string().optional().describe('known facts (default: vars.reference)'),
});
export type JudgeConfig = z.infer<typeof judgeConfigSchema>;

/** Validates a provider's or assertion's `config:` block; an error names the key. */
export function parseOptions<T>(schema: z.ZodType<T>, raw: unknown, where: string): T {
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = issue.path.map(String).join('.');
  const message =
    issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((name) => `"${name}"`).join(', ')}` : issue.message;
  throw new UsageError(`${where}${key ? `.${key}` : ''}: ${message}`);
}

type StackFields = { config?: string | undefined; sim?: boolean | undefined; sim_time_scale?: number | undefined; sim_faults?: string | undefined };

/**
 * Environment > the suite's options > what the provider used (for the judge) > defaults. The
 * environment wins so one suite runs against the sim on a laptop and the real stack in the nightly
 * job (HYBRID_EVAL_CONFIG=examples/production.yaml). An API key in the environment alone never
 * switches to real endpoints: that would spend money by surprise.
 */
export function resolveStackKey(options: StackFields, env: NodeJS.ProcessEnv, inherited?: StackKey, cwd = process.cwd()): StackKey {
  const configFromEnv = nonEmpty(env.HYBRID_EVAL_CONFIG);
  const configFile = resolve(cwd, configFromEnv ?? options.config ?? inherited?.configFile ?? DEFAULT_CONFIG_FILE);
  const useSim = booleanFromEnv(env.HYBRID_EVAL_SIM) ?? options.sim ?? (inherited === undefined ? undefined : inherited.sim !== undefined) ?? configFromEnv === undefined;
  if (!useSim) return { configFile, sim: undefined };
  return {
    configFile,
    sim: {
      timeScale: numberFromEnv(env.HYBRID_EVAL_SIM_TIME_SCALE) ?? options.sim_time_scale ?? inherited?.sim?.timeScale ?? 0,
      faults: nonEmpty(env.HYBRID_EVAL_SIM_FAULTS) ?? options.sim_faults ?? inherited?.sim?.faults,
    },
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function booleanFromEnv(value: string | undefined): boolean | undefined {
  if (nonEmpty(value) === undefined) return undefined;
  if (['1', 'true', 'yes'].includes(value!.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(value!.toLowerCase())) return false;
  throw new UsageError(`HYBRID_EVAL_SIM must be 1 or 0, got "${value}"`);
}

function numberFromEnv(value: string | undefined): number | undefined {
  if (nonEmpty(value) === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new UsageError(`HYBRID_EVAL_SIM_TIME_SCALE must be a number >= 0, got "${value}"`);
  return parsed;
}
