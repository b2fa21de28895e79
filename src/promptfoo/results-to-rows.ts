import type { Config } from '../config/schema.ts';
import { InputError } from '../core/errors.ts';
import type { JudgmentRecord } from '../core/judgment.ts';
import type { Query } from '../core/query.ts';
import type { ResponseRecord, Role } from '../core/response.ts';
import type { RouteRecord } from '../core/route.ts';
import { isTier, TIERS, type Tier } from '../core/tier.ts';
import type { CallRecord } from './answer.ts';
import type { ProviderGroup, ProviderResult, Sides } from './import-sides.ts';
import { JUDGE_METADATA_KEY, judgeMetadataSchema, type JudgeMetadata } from './metadata.ts';
import { fieldPath, type PromptfooResultsFile } from './results-file.ts';

export interface ImportRows {
  queries: Query[];
  routes: RouteRecord[];
  responses: ResponseRecord[];
  judgments: JudgmentRecord[];
  /** The candidate's routing policy ('oracle', 'fixed', ...); several joined with '+'. */
  policy: string;
  judgeNames: string[];
  /** Some answer or grade came from the in-process sim. */
  simulated: boolean;
  fallbacks: number;
  failedCalls: number;
}

interface Context {
  file: PromptfooResultsFile;
  path: string;
  runId: string;
  config: Config;
  startedAt: Date;
}

/**
 * Maps a promptfoo eval onto hybrid-eval's rows, as a replay would have written them: one query
 * per test (and prompt, when the suite has several), the candidate's route and calls (candidate,
 * and fallback when on-prem failed), the baseline's call, and the hybrid-eval judge's verdicts.
 * Pure: checks everything and throws before anything is written.
 */
export function resultsToRows(file: PromptfooResultsFile, path: string, runId: string, sides: Sides, config: Config): ImportRows {
  const context: Context = { file, path, runId, config, startedAt: new Date(file.results.timestamp) };
  if (Number.isNaN(context.startedAt.getTime())) throw new InputError(`not a timestamp: "${file.results.timestamp}"`, { file: path, field: 'results.timestamp' });
  const promptOrder = [...new Set(sides.candidate.results.map((entry) => entry.result.promptId))];
  const candidates = byTest(sides.candidate, path);
  const baselines = sides.baseline === undefined ? new Map<string, ProviderResult>() : byTest(sides.baseline, path);
  for (const [test, entry] of baselines) {
    if (!candidates.has(test)) throw new InputError(`test has a baseline result but no result from the candidate "${sides.candidate.key}"`, at(context, entry.index));
  }

  const rows: ImportRows = { queries: [], routes: [], responses: [], judgments: [], policy: '', judgeNames: [], simulated: false, fallbacks: 0, failedCalls: 0 };
  const policies = new Set<string>();
  const judgeNames = new Set<string>();
  const queryIds = new Map<string, number>();
  for (const [test, candidate] of [...candidates].sort(([, a], [, b]) => a.result.testIdx - b.result.testIdx || a.index - b.index)) {
    const query = toQuery(candidate, promptOrder, context);
    const earlier = queryIds.get(query.queryId);
    if (earlier !== undefined) {
      throw new InputError(`query id "${query.queryId}" is used by two tests (results.results[${earlier}] too): give each test a distinct vars.query_id`, at(context, candidate.index, 'vars.query_id'));
    }
    queryIds.set(query.queryId, candidate.index);
    rows.queries.push(query);

    const calls = candidateCalls(candidate, sides.candidate, context);
    const served = calls.at(-1)!;
    rows.responses.push(...calls.map((call) => toResponse(call, query.queryId, context)));
    const route = toRoute(candidate, calls[0]!, query, context);
    policies.add(route.policy);
    rows.routes.push(route);
    rows.judgments.push(...judgments(candidate, query.queryId, served.role, context, rows));
    if (calls.some((call) => call.role === 'fallback')) rows.fallbacks += 1;
    rows.failedCalls += calls.filter((call) => call.status === 'failed').length;
    rows.simulated ||= candidate.hybridEval?.sim !== undefined;

    const baseline = baselines.get(test);
    if (baseline !== undefined) {
      const call = baselineCall(baseline, sides.baseline!, context);
      rows.responses.push(toResponse({ ...call, role: 'baseline' }, query.queryId, context));
      rows.judgments.push(...judgments(baseline, query.queryId, 'baseline', context, rows));
      rows.failedCalls += call.status === 'failed' ? 1 : 0;
      rows.simulated ||= baseline.hybridEval?.sim !== undefined;
    }
  }
  for (const judgment of rows.judgments) judgeNames.add(judgment.judge.name);
  rows.policy = [...policies].join('+');
  rows.judgeNames = [...judgeNames];
  return rows;
}

/** One result per test and prompt; promptfoo's --repeat would give several, which a run cannot hold. */
function byTest(group: ProviderGroup, path: string): Map<string, ProviderResult> {
  const tests = new Map<string, ProviderResult>();
  for (const entry of group.results) {
    const test = `${entry.result.testIdx}\u0000${entry.result.promptId}`;
    const earlier = tests.get(test);
    if (earlier !== undefined) {
      throw new InputError(
        `provider "${group.key}" answered test ${entry.result.testIdx} twice (also results.results[${earlier.index}]): import an eval run without --repeat`,
        { file: path, field: `results.results[${entry.index}].testIdx` },
      );
    }
    tests.set(test, entry);
  }
  return tests;
}

function at(context: Context, index: number, field?: string): { file: string; field: string } {
  return { file: context.path, field: `results.results[${index}]${field === undefined ? '' : `.${field}`}` };
}

function toQuery(entry: ProviderResult, promptOrder: string[], context: Context): Query {
  const { result } = entry;
  const vars = result.vars ?? {};
  const text = typeof vars.query === 'string' && vars.query !== '' ? vars.query : result.prompt.raw;
  if (text === '') throw new InputError('empty query: neither vars.query nor the rendered prompt has text', at(context, entry.index, 'vars.query'));
  const explicitId = [vars.query_id, vars.id].find((value) => (typeof value === 'string' && value !== '') || typeof value === 'number');
  const baseId = explicitId === undefined ? `test-${String(result.testIdx + 1).padStart(4, '0')}` : String(explicitId);
  // Several prompts in one suite: each (test, prompt) is a query of its own.
  const queryId = promptOrder.length > 1 ? `${baseId}#p${promptOrder.indexOf(result.promptId) + 1}` : baseId;
  if (vars.tier !== undefined && !isTier(vars.tier)) {
    throw new InputError(`vars.tier must be one of ${TIERS.join(', ')}, got ${JSON.stringify(vars.tier)}`, at(context, entry.index, 'vars.tier'));
  }
  const stringVar = (name: string): string | undefined => (typeof vars[name] === 'string' && vars[name] !== '' ? (vars[name] as string) : undefined);
  const [reference, timestamp, conversationId, channel] = ['reference', 'timestamp', 'conversation_id', 'channel'].map(stringVar);
  return {
    queryId,
    text,
    ...(isTier(vars.tier) ? { label: vars.tier } : {}),
    ...(reference === undefined ? {} : { reference }),
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(conversationId === undefined ? {} : { conversationId }),
    ...(channel === undefined ? {} : { channel }),
    // The test's position in the suite stands in for a log line.
    source: { file: context.path, line: result.testIdx + 1 },
  };
}

/** hybrid-eval's provider recorded its calls; any other provider is one call made from what promptfoo kept. */
function candidateCalls(entry: ProviderResult, group: ProviderGroup, context: Context): CallRecord[] {
  return entry.hybridEval?.calls ?? [foreignCall(entry, group, context)];
}

function baselineCall(entry: ProviderResult, group: ProviderGroup, context: Context): CallRecord {
  return entry.hybridEval === undefined ? foreignCall(entry, group, context) : entry.hybridEval.calls.at(-1)!;
}

function foreignCall(entry: ProviderResult, group: ProviderGroup, context: Context): CallRecord {
  const { result } = entry;
  const response = result.response ?? undefined;
  const rawOutput = response?.output;
  const output = rawOutput === undefined || rawOutput === null ? undefined : typeof rawOutput === 'string' ? rawOutput : JSON.stringify(rawOutput);
  const error = response?.error ?? (response === undefined ? (result.error ?? 'no response') : undefined);
  const usage = response?.tokenUsage ?? undefined;
  return {
    role: 'candidate',
    endpoint: group.key,
    model: group.id,
    status: error !== undefined && output === undefined ? 'failed' : 'ok',
    // promptfoo does not say how many attempts its provider made.
    attempts: 1,
    error: error ?? undefined,
    output,
    promptTokens: usage?.prompt,
    completionTokens: usage?.completion,
    ttftMs: undefined,
    latencyMs: response?.latencyMs ?? result.latencyMs ?? undefined,
    costUsd: response?.cost ?? undefined,
    startedAt: context.startedAt.toISOString(),
  };
}

function toResponse(call: Omit<CallRecord, 'role'> & { role: Role }, queryId: string, context: Context): ResponseRecord {
  return {
    runId: context.runId,
    queryId,
    role: call.role,
    endpoint: call.endpoint,
    model: call.model,
    source: 'endpoint',
    status: call.status,
    attempts: call.attempts,
    error: call.error,
    output: call.output,
    promptTokens: call.promptTokens,
    completionTokens: call.completionTokens,
    ttftMs: call.ttftMs,
    latencyMs: call.latencyMs,
    costUsd: call.costUsd,
    startedAt: new Date(call.startedAt),
  };
}

function toRoute(entry: ProviderResult, first: CallRecord, query: Query, context: Context): RouteRecord {
  const route = entry.hybridEval?.route;
  if (route !== undefined) {
    return {
      runId: context.runId,
      queryId: query.queryId,
      policy: route.policy,
      tier: route.tier,
      endpoint: route.endpoint,
      label: query.label,
      probabilities: route.probabilities,
      latencyUs: route.latencyUs,
      routerVersion: route.routerVersion,
    };
  }
  // One endpoint answered everything: a fixed route. Its tier is the label, else the tier the
  // config gives that endpoint, so per-tier views still group the queries sensibly.
  return {
    runId: context.runId,
    queryId: query.queryId,
    policy: 'fixed',
    tier: query.label ?? tierOf(context.config, first.endpoint) ?? context.config.routing.unlabeled_tier,
    endpoint: first.endpoint,
    label: query.label,
    probabilities: undefined,
    latencyUs: undefined,
    routerVersion: undefined,
  };
}

function tierOf(config: Config, endpoint: string): Tier | undefined {
  return TIERS.find((tier) => config.routing.tiers[tier] === endpoint);
}

function judgments(entry: ProviderResult, queryId: string, role: Role, context: Context, rows: { simulated: boolean }): JudgmentRecord[] {
  const components = entry.result.gradingResult?.componentResults ?? [];
  const found: JudgmentRecord[] = [];
  components.forEach((component, componentIndex) => {
    const raw = component.metadata?.[JUDGE_METADATA_KEY];
    if (raw === undefined) return;
    const parsed = judgeMetadataSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new InputError(`${issue.message} (written by another hybrid-eval version?)`, {
        file: context.path,
        field: fieldPath(['results', 'results', entry.index, 'gradingResult', 'componentResults', componentIndex, 'metadata', JUDGE_METADATA_KEY, ...issue.path]),
      });
    }
    const judge: JudgeMetadata = parsed.data;
    rows.simulated ||= judge.sim !== undefined;
    if (found.some((judgment) => judgment.judge.name === judge.spec.name)) {
      throw new InputError(`two verdicts of judge "${judge.spec.name}" for one answer: keep one hybrid-eval judge assertion per rubric`, at(context, entry.index, 'gradingResult'));
    }
    found.push({
      runId: context.runId,
      queryId,
      role,
      kind: 'single',
      judge: judge.spec,
      verdict: judge.verdict,
      latencyMs: judge.latencyMs,
      createdAt: context.startedAt,
    });
  });
  return found;
}
