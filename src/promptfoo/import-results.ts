import { resolve } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { configForStorage, configSecrets } from '../config/secrets.ts';
import { UsageError } from '../core/errors.ts';
import { checkRunId } from '../core/run-id.ts';
import { openStore } from '../store/store.ts';
import { chooseSides, groupByProvider, type ProviderGroup, type SideSelection } from './import-sides.ts';
import { JUDGE_METADATA_KEY, judgeMetadataSchema } from './metadata.ts';
import { readResultsFile, type PromptfooResultsFile } from './results-file.ts';
import { resultsToRows } from './results-to-rows.ts';

export interface ImportOptions extends SideSelection {
  /** `promptfoo eval -o FILE.json` output. */
  file: string;
  /** Default: derived from promptfoo's eval id, so importing the same file twice finds the run and stops. */
  runId?: string | undefined;
  /** Default: the config's database. */
  db?: string | undefined;
  /** hybrid-eval config for prices, volume and the database. Default: the one the provider used. */
  config?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export interface ImportSummary {
  runId: string;
  database: string;
  queries: number;
  responses: number;
  judgments: number;
  fallbacks: number;
  failedCalls: number;
  candidate: string;
  baseline: string | undefined;
  skipped: string[];
  evalId: string | undefined;
  promptfoo: { successes: number; failures: number; errors: number | undefined };
}

/**
 * Loads a promptfoo eval into the results database as a run, so gates, reports and the analyst
 * views treat it like a replay. Everything is checked before the first write. An existing run id
 * is an error (nothing is written): imports are not merged or replaced.
 */
export async function importPromptfooResults(options: ImportOptions): Promise<ImportSummary> {
  const env = options.env ?? process.env;
  const file = readResultsFile(options.file);
  const sides = chooseSides(groupByProvider(file, options.file), options, options.file);
  const configFile = options.config ?? configUsed(file, [sides.candidate, sides.baseline]);
  if (configFile === undefined) {
    throw new UsageError(`${options.file}: no hybrid-eval provider or judge recorded a config: pass -c CONFIG (prices, volume and database come from it)`);
  }
  const config = loadConfig(configFile, { env });
  const runId = checkRunId(options.runId ?? defaultRunId(file), options.runId === undefined ? "the run id made from promptfoo's eval id" : '--run-id');
  const rows = resultsToRows(file, options.file, runId, sides, config);
  if (rows.queries.length === 0) throw new UsageError(`${options.file}: no test results to import`);

  const store = await openStore(options.db ?? config.database);
  try {
    if ((await store.getRun(runId)) !== undefined) {
      throw new UsageError(`run ${runId} already exists in ${store.path}: nothing was written (already imported? pass --run-id for another run)`);
    }
    const { stats } = file.results;
    await store.createRun({
      runId,
      mode: 'promptfoo',
      dataset: options.file,
      policy: rows.policy,
      // As a replay stores it: the validated config, which names key variables, never keys, and URLs without credentials.
      config: configForStorage(config, configSecrets(config, env)),
      notes: [
        `promptfoo eval ${file.evalId ?? '(no id)'}${file.config?.description ? ` "${file.config.description}"` : ''}: ${stats.successes} passed, ${stats.failures} failed, ${stats.errors ?? '?'} errors`,
        `candidate ${sides.candidate.key}, baseline ${sides.baseline?.key ?? 'none'}`,
        ...(rows.simulated ? ['simulated endpoints (sim): scores are a simulation'] : []),
      ].join('; '),
      ...(rows.judgeNames.length === 1 ? { defaultJudge: rows.judgeNames[0] } : {}),
    });
    try {
      await store.writeBatch(runId, { queries: rows.queries, routes: rows.routes, responses: rows.responses, judgments: rows.judgments });
    } catch (error) {
      await store.setRunStatus(runId, 'failed');
      throw error;
    }
    await store.setRunStatus(runId, 'complete', { queryCount: rows.queries.length, rejectCount: 0 });
    return {
      runId,
      database: store.path,
      queries: rows.queries.length,
      responses: rows.responses.length,
      judgments: rows.judgments.length,
      fallbacks: rows.fallbacks,
      failedCalls: rows.failedCalls,
      candidate: sides.candidate.key,
      baseline: sides.baseline?.key,
      skipped: sides.skipped.map((group) => group.key),
      evalId: file.evalId ?? undefined,
      promptfoo: { successes: stats.successes, failures: stats.failures, errors: stats.errors },
    };
  } finally {
    await store.close();
  }
}

/** `pf-` + promptfoo's eval id, made safe for a folder name (the gate writes results/<run>/). */
export function defaultRunId(file: PromptfooResultsFile): string {
  const evalId = file.evalId ?? file.results.timestamp;
  return `pf-${evalId.replace(/^eval-/, '').replace(/[^A-Za-z0-9._-]+/g, '-')}`;
}

/** The config the provider (or, for other providers, the judge) answered with. */
function configUsed(file: PromptfooResultsFile, groups: Array<ProviderGroup | undefined>): string | undefined {
  const files = new Set<string>();
  for (const group of groups) for (const entry of group?.results ?? []) if (entry.hybridEval !== undefined) files.add(entry.hybridEval.configFile);
  if (files.size === 0) {
    for (const result of file.results.results) {
      for (const component of result.gradingResult?.componentResults ?? []) {
        const parsed = judgeMetadataSchema.safeParse(component.metadata?.[JUDGE_METADATA_KEY]);
        if (parsed.success) files.add(parsed.data.configFile);
      }
    }
  }
  if (files.size > 1) throw new UsageError(`the eval used several hybrid-eval configs (${[...files].join(', ')}): pass -c CONFIG`);
  const [only] = files;
  return only === undefined ? undefined : resolve(only);
}
