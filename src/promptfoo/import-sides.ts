import { InputError, UsageError } from '../core/errors.ts';
import { PROVIDER_METADATA_KEY, providerMetadataSchema, type ProviderMetadata } from './metadata.ts';
import { fieldPath, type PromptfooResult, type PromptfooResultsFile } from './results-file.ts';

export interface ProviderResult {
  /** Position in results.results, for error messages. */
  index: number;
  result: PromptfooResult;
  /** undefined for a provider that is not hybrid-eval's. */
  hybridEval: ProviderMetadata | undefined;
}

/** All results of one provider of the suite, keyed by its label (or id when it has none). */
export interface ProviderGroup {
  key: string;
  id: string;
  label: string | undefined;
  results: ProviderResult[];
  /** The side hybrid-eval's provider chose for itself; undefined for other providers. */
  suggestedRole: 'candidate' | 'baseline' | undefined;
}

export interface Sides {
  candidate: ProviderGroup;
  baseline: ProviderGroup | undefined;
  /** Providers that are neither: not imported. */
  skipped: ProviderGroup[];
}

export interface SideSelection {
  /** Provider label or id. */
  candidate?: string | undefined;
  baseline?: string | undefined;
}

export function groupByProvider(file: PromptfooResultsFile, path: string): ProviderGroup[] {
  const groups = new Map<string, ProviderGroup>();
  file.results.results.forEach((result, index) => {
    const key = result.provider.label ?? result.provider.id;
    let group = groups.get(key);
    if (group === undefined) {
      group = { key, id: result.provider.id, label: result.provider.label ?? undefined, results: [], suggestedRole: undefined };
      groups.set(key, group);
    }
    const hybridEval = readProviderMetadata(result, index, path);
    group.suggestedRole ??= hybridEval?.role;
    group.results.push({ index, result, hybridEval });
  });
  return [...groups.values()];
}

function readProviderMetadata(result: PromptfooResult, index: number, path: string): ProviderMetadata | undefined {
  const raw = result.response?.metadata?.[PROVIDER_METADATA_KEY];
  if (raw === undefined) return undefined;
  const parsed = providerMetadataSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new InputError(`${issue.message} (written by another hybrid-eval version?)`, {
    file: path,
    field: fieldPath(['results', 'results', index, 'response', 'metadata', PROVIDER_METADATA_KEY, ...issue.path]),
  });
}

/**
 * Which provider is the candidate and which the baseline. --candidate / --baseline (label or id)
 * decide; otherwise hybrid-eval's providers say: the stack provider is the candidate, a
 * single-endpoint provider is the baseline when its endpoint is the config's `baseline` (GPT-4),
 * else a candidate; a provider's `role:` option overrides. Other providers are imported only when named.
 */
export function chooseSides(groups: ProviderGroup[], selection: SideSelection, path: string): Sides {
  const names = groups.map((group) => group.key).join(', ');
  const named = (flag: string, value: string): ProviderGroup => {
    const found = groups.find((group) => group.key === value) ?? groups.find((group) => group.id === value);
    if (found === undefined) throw new UsageError(`${flag} ${value}: no such provider in ${path} (providers: ${names})`);
    return found;
  };
  const flaggedCandidate = selection.candidate === undefined ? undefined : named('--candidate', selection.candidate);
  const flaggedBaseline = selection.baseline === undefined ? undefined : named('--baseline', selection.baseline);
  if (flaggedCandidate !== undefined && flaggedCandidate === flaggedBaseline) {
    throw new UsageError(`--candidate and --baseline both name provider "${flaggedCandidate.key}"`);
  }
  const claimed = (role: 'candidate' | 'baseline', other: ProviderGroup | undefined): ProviderGroup | undefined => {
    const claims = groups.filter((group) => group.suggestedRole === role && group !== other);
    if (claims.length > 1) {
      throw new UsageError(`several providers in ${path} would be the ${role} (${claims.map((group) => group.key).join(', ')}): choose one with --${role} LABEL`);
    }
    return claims[0];
  };
  const candidate = flaggedCandidate ?? claimed('candidate', flaggedBaseline);
  if (candidate === undefined) {
    throw new UsageError(`no candidate provider in ${path} (providers: ${names}): name one with --candidate LABEL`);
  }
  const baseline = flaggedBaseline ?? claimed('baseline', candidate);
  return { candidate, baseline, skipped: groups.filter((group) => group !== candidate && group !== baseline) };
}
