import { basename } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { CostInputs } from './cost.ts';

/**
 * A what-if for the cost projection (issue 15): another config's prices and/or another monthly
 * volume, instead of the run's stored config. Quality, routing and every other figure stay the
 * run's own; only the bill changes, and the output says where its numbers came from.
 */
export interface WhatIf {
  /** Prices from this config (its file name is shown); endpoints it does not define keep the stored price. */
  prices?: { file: string; config: Config };
  /** Monthly queries, overriding both the config's volume.monthly_queries and the log's own rate. */
  volume?: number;
}

/** The config the cost model uses, and one line saying what was swapped (undefined: nothing). */
export function applyWhatIf(stored: Config, whatIf: WhatIf | undefined): { config: Config; note: string | undefined; kept: string[] } {
  if (whatIf === undefined || (whatIf.prices === undefined && whatIf.volume === undefined)) return { config: stored, note: undefined, kept: [] };
  const kept: string[] = [];
  let endpoints = stored.endpoints;
  if (whatIf.prices !== undefined) {
    endpoints = Object.fromEntries(
      Object.entries(stored.endpoints).map(([name, endpoint]) => {
        const other = whatIf.prices!.config.endpoints[name];
        if (other === undefined) kept.push(name);
        return [name, other === undefined ? endpoint : { ...endpoint, pricing: other.pricing }];
      }),
    );
  }
  const volume = whatIf.volume ?? (whatIf.prices === undefined ? stored.volume.monthly_queries : (whatIf.prices.config.volume.monthly_queries ?? stored.volume.monthly_queries));
  const parts = [
    whatIf.prices === undefined ? 'prices from the run\'s stored config' : `prices from ${basename(whatIf.prices.file)}${kept.length === 0 ? '' : ` (${kept.join(', ')} not in it: stored price kept)`}`,
    volume === undefined ? 'volume from the log' : `volume ${volume.toLocaleString('en-US')}`,
  ];
  return { config: { ...stored, endpoints, volume: { ...stored.volume, monthly_queries: volume } }, note: `what-if: ${parts.join(', ')}`, kept };
}

/** The volume line names the flag when --volume set it (the config's key otherwise). */
export function labelVolume(inputs: CostInputs, whatIf: WhatIf | undefined): CostInputs {
  if (whatIf?.volume === undefined) return inputs;
  return { ...inputs, volume: { monthlyQueries: whatIf.volume, source: 'config', detail: `${whatIf.volume.toLocaleString('en-US')} queries/month (--volume)` } };
}
