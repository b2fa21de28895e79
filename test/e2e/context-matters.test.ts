import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { ROOT, runCli, tempDir } from './cli.ts';

// The committed conversations (datasets/conversations-sample.jsonl: the last turn depends on an
// earlier one) replayed twice through the CLI against the sim: as logged, and with the history
// stripped (--strip-history: only the system prompt and the last user message are sent, what the
// flattening replay used to send). The sim judge grades both against the same references and the
// same logged conversation: without the history the answers must score measurably lower.

const LIMIT = 120;

describe('the history of a multi-turn request matters', () => {
  it('the same conversations replayed with the history stripped score measurably lower with the sim judge', async () => {
    const dir = tempDir('hybrid-eval-context-');
    const db = join(dir, 'context.duckdb');
    // No pairwise stage: the single-answer scores are the measure here.
    const config = join(dir, 'config.yaml');
    writeFileSync(config, readFileSync(join(ROOT, 'examples/sim.yaml'), 'utf8').replace(/\n  pairwise_rubric: .*/, ''));
    const common = ['replay', '-c', config, '--sim', '--sim-time-scale', '0', '--dataset', join(ROOT, 'datasets/conversations-sample.jsonl'), '--limit', String(LIMIT), '--db', db];
    const full = await runCli([...common, '--run-id', 'full']);
    expect(full.code, full.stderr).toBe(0);
    const stripped = await runCli([...common, '--run-id', 'stripped', '--strip-history']);
    expect(stripped.code, stripped.stderr).toBe(0);

    const store = await openStore(db, { readOnly: true });
    try {
      const rows = await store.all<{ run_id: string; n: number; scored: number; mean: number; contextual: number }>(
        `SELECT run_id, count(*) AS n, count(served_score) AS scored, avg(served_score) AS mean,
                count(*) FILTER (WHERE served_score >= 4) AS contextual
         FROM pairs GROUP BY run_id ORDER BY run_id`,
      );
      const [asLogged, withoutHistory] = [rows.find((row) => row.run_id === 'full')!, rows.find((row) => row.run_id === 'stripped')!];
      expect(asLogged.n).toBe(LIMIT);
      expect(withoutHistory.n).toBe(LIMIT);
      // Paired over the same queries, answers judged on both runs.
      const [paired] = await store.all<{ n: number; mean_drop: number; worse: number; better: number }>(
        `SELECT count(*) AS n, avg(f.served_score - s.served_score) AS mean_drop,
                count(*) FILTER (WHERE s.served_score < f.served_score) AS worse,
                count(*) FILTER (WHERE s.served_score > f.served_score) AS better
         FROM pairs AS f JOIN pairs AS s ON s.query_id = f.query_id AND s.run_id = 'stripped'
         WHERE f.run_id = 'full' AND f.served_score IS NOT NULL AND s.served_score IS NOT NULL`,
      );
      process.stdout.write(
        `context matters: as logged ${asLogged.mean.toFixed(2)} (n=${asLogged.scored}), history stripped ${withoutHistory.mean.toFixed(2)} (n=${withoutHistory.scored}); ` +
          `paired drop ${paired!.mean_drop.toFixed(2)} on ${paired!.n} (worse ${paired!.worse}, better ${paired!.better})\n`,
      );
      expect(paired!.n).toBeGreaterThan(LIMIT / 2);
      // Measurably lower: a drop of at least a point on the 1-5 scale, and far more turns worse than better.
      expect(paired!.mean_drop).toBeGreaterThan(1);
      expect(paired!.worse).toBeGreaterThan(4 * paired!.better);
      // The judge says why.
      const [reasons] = await store.all<{ n: number }>(`SELECT count(*) AS n FROM judgments WHERE run_id = 'stripped' AND reason LIKE '%Ignores the context%'`);
      expect(reasons!.n).toBeGreaterThan(0);
      // The stripped run says so, and its candidates really were sent less.
      expect((await store.getRun('stripped'))?.notes).toContain('history stripped (--strip-history)');
      const [sizes] = await store.all<{ full_tokens: number; stripped_tokens: number }>(
        `SELECT avg(prompt_tokens) FILTER (WHERE run_id = 'full') AS full_tokens, avg(prompt_tokens) FILTER (WHERE run_id = 'stripped') AS stripped_tokens
         FROM responses WHERE role = 'candidate' AND status = 'ok'`,
      );
      expect(sizes!.stripped_tokens).toBeLessThan(sizes!.full_tokens);
    } finally {
      await store.close();
    }
  }, 600_000);
});
