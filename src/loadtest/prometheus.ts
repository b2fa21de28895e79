/** The three scheduler gauges a load test samples from a vLLM /metrics page. */
export interface SchedulerGauges {
  running: number | undefined;
  waiting: number | undefined;
  kvCacheUsage: number | undefined;
}

// vLLM V1 names (vllm/v1/metrics/loggers.py); gpu_cache_usage_perc is the older, deprecated name.
const NAMES = {
  running: ['vllm:num_requests_running'],
  waiting: ['vllm:num_requests_waiting'],
  kvCacheUsage: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'],
} as const;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/;

/**
 * Reads the gauges from Prometheus text. A server may report several models (the sim reports
 * three): only series labelled model_name="<model>" count when any series carries that label
 * value; otherwise all series of a name are summed (kv usage: the largest). Missing: undefined.
 */
export function readSchedulerGauges(text: string, model: string): SchedulerGauges {
  const series = new Map<string, Array<{ labels: string; value: number }>>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (match === null) continue;
    const value = Number(match[3]);
    if (!Number.isFinite(value)) continue;
    const list = series.get(match[1]!) ?? [];
    list.push({ labels: match[2] ?? '', value });
    series.set(match[1]!, list);
  }
  const pick = (names: readonly string[], combine: (values: number[]) => number): number | undefined => {
    for (const name of names) {
      const all = series.get(name);
      if (all === undefined || all.length === 0) continue;
      const label = `model_name="${model.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
      const mine = all.filter((entry) => entry.labels.includes(label));
      return combine((mine.length > 0 ? mine : all).map((entry) => entry.value));
    }
    return undefined;
  };
  const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);
  return {
    running: pick(NAMES.running, sum),
    waiting: pick(NAMES.waiting, sum),
    kvCacheUsage: pick(NAMES.kvCacheUsage, (values) => Math.max(...values)),
  };
}
