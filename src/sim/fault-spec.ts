import { UsageError } from '../core/errors.ts';
import { resolveModel } from './models.ts';
import type { SimModel } from './models.ts';

/** Per-request faults, in the order a single random draw is matched against their rates. */
export const FAULT_KINDS = ['500', '503', '429', 'timeout', 'cut', 'bad_json'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A model that is down: every request fails with a reset connection (default) or a 503. */
export interface DownModel {
  model: SimModel;
  mode: 'reset' | '503';
}

export interface FaultSpec {
  rates: Partial<Record<FaultKind, number>>;
  down: DownModel[];
}

export const NO_FAULTS: FaultSpec = { rates: {}, down: [] };

function isFaultKind(value: string): value is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(value);
}

/**
 * Parses a CLI fault string such as `500=0.05,429=0.03,timeout=0.02,cut=0.01,bad_json=0.02,down=llama-3-70b`.
 * `down=MODEL` may repeat and may end in `:503` (answer 503) or `:reset` (drop the connection, the default).
 * A bad spec is a UsageError naming the part: the CLI prints one line and exits 2.
 */
export function parseFaultSpec(spec: string): FaultSpec {
  const result: FaultSpec = { rates: {}, down: [] };
  for (const rawPart of spec.split(',')) {
    const part = rawPart.trim();
    if (part.length === 0) continue;
    const equals = part.indexOf('=');
    if (equals <= 0) throw new UsageError(`fault spec part "${part}": expected NAME=VALUE`);
    const name = part.slice(0, equals).trim();
    const value = part.slice(equals + 1).trim();
    if (name === 'down') {
      const [modelName = '', mode = 'reset'] = value.split(':');
      const model = resolveModel(modelName);
      if (!model) throw new UsageError(`fault spec part "${part}": unknown model "${modelName}"`);
      if (mode !== 'reset' && mode !== '503') throw new UsageError(`fault spec part "${part}": mode must be reset or 503`);
      result.down.push({ model, mode });
      continue;
    }
    if (!isFaultKind(name)) throw new UsageError(`fault spec part "${part}": unknown fault "${name}" (expected one of ${FAULT_KINDS.join(', ')}, down)`);
    if (!/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(value) || Number(value) > 1) throw new UsageError(`fault spec part "${part}": rate must be a number from 0 to 1`);
    if (result.rates[name] !== undefined) throw new UsageError(`fault spec part "${part}": ${name} is given twice`);
    result.rates[name] = Number(value);
  }
  const total = Object.values(result.rates).reduce((sum, rate) => sum + rate, 0);
  if (total > 1 + 1e-9) throw new UsageError(`fault spec "${spec}": rates add up to ${total}, more than 1`);
  return result;
}

/** The fault for one request, from one uniform draw in [0, 1). bad_json applies to judge calls only. */
export function drawFault(spec: FaultSpec, roll: number, request: { judge: boolean }): FaultKind | undefined {
  let threshold = 0;
  for (const kind of FAULT_KINDS) {
    threshold += spec.rates[kind] ?? 0;
    if (roll < threshold) return kind === 'bad_json' && !request.judge ? undefined : kind;
  }
  return undefined;
}

export function downMode(spec: FaultSpec, model: SimModel): DownModel['mode'] | undefined {
  return spec.down.find((entry) => entry.model === model)?.mode;
}
