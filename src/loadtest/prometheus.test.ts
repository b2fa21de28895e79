import { describe, expect, it } from 'vitest';
import { createMetrics } from '../sim/metrics.ts';
import { readSchedulerGauges } from './prometheus.ts';

describe('readSchedulerGauges', () => {
  it("reads the sim's vLLM gauges for one model out of several", () => {
    const metrics = createMetrics((model) => (model === 'llama-3-70b' ? { running: 12, waiting: 3, kvUsage: 0.25 } : undefined));
    metrics.started('gpt-4', 100);
    expect(readSchedulerGauges(metrics.render(), 'llama-3-70b')).toEqual({ running: 12, waiting: 3, kvCacheUsage: 0.25 });
    expect(readSchedulerGauges(metrics.render(), 'gpt-4').running).toBe(1);
  });

  it('falls back to the deprecated KV name and leaves missing gauges undefined', () => {
    const text = '# TYPE vllm:gpu_cache_usage_perc gauge\nvllm:gpu_cache_usage_perc{model_name="m"} 0.5\n';
    expect(readSchedulerGauges(text, 'm')).toEqual({ running: undefined, waiting: undefined, kvCacheUsage: 0.5 });
  });
});
