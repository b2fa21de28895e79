import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GateStore } from '../gate/metrics.ts';
import { compareToReference, LOW_CONFIDENCE_BELOW, readDomainReference, type DomainShift } from '../router/domain-shift.ts';

/**
 * Does the run's log look like its router's training data? The low-confidence share of the run's
 * router decisions against the reference stored with the router (training-log.json), the router
 * folder taken from the run's config. undefined when no query was routed by a router.
 */
export async function collectDomainShift(store: GateStore, runId: string): Promise<DomainShift | undefined> {
  const [row] = await store.all<{ n: number | bigint; low: number | bigint | null; mean_top: number | null; config_json: string | null }>(
    `SELECT count(*) AS n,
            count(*) FILTER (WHERE greatest(prob_simple, prob_medium, prob_complex) < ${LOW_CONFIDENCE_BELOW}) AS low,
            avg(greatest(prob_simple, prob_medium, prob_complex)) AS mean_top,
            (SELECT config_json FROM runs WHERE run_id = $1) AS config_json
     FROM routes WHERE run_id = $1 AND prob_simple IS NOT NULL`,
    [runId],
  );
  const n = Number(row?.n ?? 0);
  if (row === undefined || n === 0) return undefined;
  const profile = { n, low_confidence_share: Number(row.low ?? 0) / n, mean_top_probability: Number(row.mean_top ?? 0), low_confidence_below: LOW_CONFIDENCE_BELOW };
  return compareToReference(profile, readDomainReference(trainingLogOf(row.config_json)));
}

function trainingLogOf(configJson: string | null): unknown {
  try {
    const config = JSON.parse(configJson ?? 'null') as { routing?: { router?: { model?: unknown } } } | null;
    const model = config?.routing?.router?.model;
    if (typeof model !== 'string') return undefined;
    return JSON.parse(readFileSync(join(model, 'training-log.json'), 'utf8'));
  } catch {
    // A moved or foreign router folder: the comparison is simply not available.
    return undefined;
  }
}

/** One sentence for the report; undefined when there is nothing to compare against. */
export function domainShiftLine(shift: DomainShift | undefined): string | undefined {
  if (shift === undefined || shift.reference === undefined || shift.shifted === undefined) return undefined;
  if (shift.message !== undefined) return shift.message;
  const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
  return `Router confidence: ${pct(shift.profile.low_confidence_share)} of routes are low-confidence (top probability < ${LOW_CONFIDENCE_BELOW}), ${pct(shift.reference.low_confidence_share)} on its training data: the log looks like what the router learned from.`;
}
