import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { runCli, tempDir } from './cli.ts';

// Issue 15, bullets 2 and 3: calibration that respects labels, and router eval that shows its
// mistakes and says where it stored its row.

describe('router calibrate --data with labels', () => {
  it('refuses a mix that under-routes complex queries, naming the closest mix that holds, which then holds', async () => {
    const refused = await runCli(['router', 'calibrate', '--data', 'datasets/sample.jsonl', '--target', '70,25,5']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    const match = /--target 70,25,5 breaks --max-underroute 0\.02: .* send (\d+\.\d)% of the \d+ complex-labelled queries to a cheaper tier; the closest mix that holds is --target (\d+,\d+,\d+) /.exec(refused.stderr);
    expect(match, refused.stderr).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThan(2);

    const held = await runCli(['router', 'calibrate', '--data', 'datasets/sample.jsonl', '--target', match![2]!]);
    expect(held.code, held.stderr).toBe(0);
    const line = /on (\d+) labelled queries: accuracy (\d+\.\d)%, complex under-route (\d+\.\d)% \(\d+ of \d+; at most 2\.0%\), misroute cost (\d+\.\d+) per query/.exec(held.stdout);
    expect(line, held.stdout).not.toBeNull();
    expect(Number(line![3])).toBeLessThanOrEqual(2);

    // A looser constraint accepts the original mix, and the figures come with it (JSON too).
    const loose = await runCli(['router', 'calibrate', '--data', 'datasets/sample.jsonl', '--target', '70,25,5', '--max-underroute', '0.5', '--json']);
    expect(loose.code).toBe(0);
    const calibration = JSON.parse(loose.stdout);
    expect(calibration.holds).toBe(true);
    expect(calibration.outcome.complexUnderroute.rate).toBeGreaterThan(0.02);
    expect(calibration.outcome.accuracy).toBeGreaterThan(0);
    expect(calibration.outcome.misrouteCost).toBeGreaterThan(0);

    const bad = await runCli(['router', 'calibrate', '--data', 'datasets/sample.jsonl', '--max-underroute', '2']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-underroute must be a share between 0 and 1');
  });

  it('says when there are no labels to check against', async () => {
    const dir = tempDir();
    const file = join(dir, 'unlabelled.jsonl');
    writeFileSync(file, readFileSync('datasets/sample.jsonl', 'utf8').split('\n').slice(0, 200).join('\n'));
    const result = await runCli(['router', 'calibrate', '--data', file, '--field', 'label=', '--target', '70,25,5']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('no labels: accuracy and complex under-routing not checked');
  });
});

describe('router eval', () => {
  it('lists misrouted queries worst first and stores nothing without --db or -c', async () => {
    const text = await runCli(['router', 'eval', '--data', 'datasets/router-test.jsonl', '--show', '3']);
    expect(text.code, text.stderr).toBe(0);
    const listed = text.stdout.split('\n').filter((line) => /^ {2}\w+ -> \w+ +cost/.test(line));
    expect(listed).toHaveLength(3);
    expect(listed[0]).toMatch(/^ {2}complex -> simple +cost 10/);
    expect(text.stdout).toMatch(/misrouted: \d+ queries, the 3 worst/);
    expect(text.stdout).toContain('not stored (give --db FILE or -c CONFIG to keep it in router_evals)');

    const json = JSON.parse((await runCli(['router', 'eval', '--data', 'datasets/router-test.jsonl', '--json'])).stdout);
    expect(json.stored).toBeNull();
    const correct = ['simple', 'medium', 'complex'].reduce((sum, tier) => sum + json.confusion[tier][tier], 0);
    expect(json.misrouted).toHaveLength(json.n - correct);
    const costs = json.misrouted.map((miss: { cost: number }) => miss.cost);
    expect(costs).toEqual([...costs].sort((a, b) => b - a));
    for (const miss of json.misrouted) expect(miss.routed).not.toBe(miss.label);
  });

  it("evaluates a config's thresholds or --thresholds, and stores in -c's database, saying where", async () => {
    const dir = tempDir();
    const config = join(dir, 'strict.yaml');
    const db = join(dir, 'router.duckdb');
    writeFileSync(
      config,
      readFileSync('examples/sim.yaml', 'utf8')
        .replace('thresholds: { simple: 0.6, medium: 0.9 }', 'thresholds: { simple: 0.99, medium: 0.999 }')
        .replace('database: results/hybrid-eval.duckdb', `database: ${db}`),
    );
    const fromConfig = JSON.parse((await runCli(['router', 'eval', '--data', 'datasets/router-test.jsonl', '-c', config, '--json'])).stdout);
    expect(fromConfig.thresholds).toEqual({ simple: 0.99, medium: 0.999 });
    expect(fromConfig.stored).toMatchObject({ database: db });
    const store = await openStore(db);
    try {
      expect(await store.all('SELECT eval_id FROM router_evals')).toEqual([{ eval_id: fromConfig.stored.eval_id }]);
    } finally {
      await store.close();
    }
    const flag = JSON.parse((await runCli(['router', 'eval', '--data', 'datasets/router-test.jsonl', '-c', config, '--thresholds', 'simple=0.5', '--no-store', '--json'])).stdout);
    expect(flag.thresholds).toEqual({ simple: 0.5, medium: 0.999 });
    expect(flag.stored).toBeNull();
    // Stricter thresholds send more to GPT-4: fewer queries routed to simple.
    expect(fromConfig.traffic_mix.simple).toBeLessThan(flag.traffic_mix.simple);
    const bad = await runCli(['router', 'eval', '--data', 'datasets/router-test.jsonl', '--thresholds', 'simple=high']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--thresholds must be simple=P,medium=P');
  });

  it("reads multi-turn requests as -c's routing.router.context says, unless --context is given", async () => {
    const dir = tempDir();
    const config = join(dir, 'last-k.yaml');
    const base = join(dir, 'base.yaml');
    writeFileSync(base, readFileSync('examples/sim.yaml', 'utf8'));
    const lastK = readFileSync('examples/sim.yaml', 'utf8').replace('    thresholds: { simple: 0.6, medium: 0.9 }', '    thresholds: { simple: 0.6, medium: 0.9 }\n    context: last_k\n    context_messages: 3');
    expect(lastK).toContain('context: last_k');
    writeFileSync(config, lastK);
    const data = ['router', 'eval', '--data', 'datasets/conversations-sample.jsonl', '--no-store', '--json'];
    const eval_ = async (extra: string[]) => {
      const result = await runCli([...data, ...extra]);
      expect(result.code, result.stderr).toBe(0);
      // What the router decided, not how long it took (timings differ from run to run).
      const { accuracy, traffic_mix } = JSON.parse(result.stdout) as { accuracy: number; traffic_mix: Record<string, number> };
      return { accuracy, traffic_mix };
    };
    const lastUser = await eval_(['-c', base]);
    const fromConfig = await eval_(['-c', config]);
    const fromFlag = await eval_(['-c', base, '--context', 'last_k', '--context-messages', '3']);
    const overridden = await eval_(['-c', config, '--context', 'last_user']);
    expect(fromConfig).toEqual(fromFlag);
    expect(overridden).toEqual(lastUser);
    // The earlier turns change what the router sees: the two readings route the sample differently.
    expect(fromConfig.traffic_mix).not.toEqual(lastUser.traffic_mix);
  });
});
