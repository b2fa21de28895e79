import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { writeBankDomain } from '../../bench/router/bank-domain.ts';
import { loadRouter } from '../../src/router/load-router.ts';
import { seededRandom, shuffle } from '../../src/spotcheck/random.ts';
import { openStore } from '../../src/store/store.ts';
import { ROOT, runCli, tempDir } from './cli.ts';

const BITEXT = join(ROOT, '../shared/data/bitext');
const PYTHON = process.env['HYBRID_EVAL_PYTHON'] || '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
const hasBitext = existsSync(join(BITEXT, 'tiers.csv'));
if (!hasTorch) console.warn(`router train tests skipped: ${PYTHON} has no PyTorch/onnx (sudo apt-get install -y python3-torch python3-onnx)`);
if (!hasBitext) console.warn(`router train on an unseen domain skipped: ${BITEXT} is absent`);

/** The first `n` labelled generated queries, as a CSV the trainer reads. */
function generatedCsv(dir: string, name: string, n: number, edit?: (rows: Record<string, string>[]) => void): string {
  const rows = readFileSync(join(ROOT, 'datasets/router-train.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .slice(0, n)
    .map((line) => {
      const record = JSON.parse(line) as { query_id: string; query: string; tier: string };
      return { id: record.query_id, text: record.query, tier: record.tier };
    });
  edit?.(rows);
  const file = join(dir, name);
  writeFileSync(file, stringify(rows, { header: true, columns: ['id', 'text', 'tier'] }));
  return file;
}

const MAPPING = ['--field', 'query=text', '--field', 'id=id', '--field', 'label=tier'];

describe('hybrid-eval router train: no PyTorch', () => {
  it('says which install command is missing, before reading the labels, and writes nothing', async () => {
    const dir = tempDir();
    const out = join(dir, 'router');
    const result = await runCli(['router', 'train', '--data', join(dir, 'absent.csv'), '--out', out], { env: { HYBRID_EVAL_PYTHON: join(dir, 'no-python') } });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('apt-get install -y python3-torch python3-onnx');
    expect(existsSync(out)).toBe(false);
  });
});

describe.skipIf(!hasTorch)('hybrid-eval router train: bad input', () => {
  const cases: [string, (rows: Record<string, string>[]) => void, RegExp][] = [
    ['a label outside simple/medium/complex', (rows) => (rows[4]!.tier = 'urgent'), /labels\.csv:6 \(label\): "urgent" is not a tier/],
    ['a missing label', (rows) => (rows[9]!.tier = ''), /labels\.csv:\d+ \(label\): no label/],
    ['a one-class file', (rows) => rows.forEach((row) => (row.tier = 'medium')), /every label is medium/],
    ['too few of a class', (rows) => rows.forEach((row, index) => row.tier === 'complex' && index > 30 && (row.tier = 'simple')), /too few labelled queries for complex/],
  ];
  for (const [name, edit, message] of cases) {
    it(`${name}: one line, exit 2, nothing written`, async () => {
      const dir = tempDir();
      const data = generatedCsv(dir, 'labels.csv', 400, edit);
      const out = join(dir, 'router');
      const result = await runCli(['router', 'train', '--data', data, ...MAPPING, '--out', out]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir)).toEqual(['labels.csv']);
    });
  }

  const empties: [string, string, RegExp][] = [
    ['a header and no rows', 'id,text,tier\n', /labels\.csv: no labelled query to train on/],
    ['zero bytes', '', /labels\.csv: empty CSV file/],
  ];
  for (const [name, content, message] of empties) {
    it(`an empty file (${name}): one line, exit 2, nothing written`, async () => {
      const dir = tempDir();
      const data = join(dir, 'labels.csv');
      writeFileSync(data, content);
      const result = await runCli(['router', 'train', '--data', data, ...MAPPING, '--out', join(dir, 'router')]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(readdirSync(dir)).toEqual(['labels.csv']);
    });
  }
});

describe.skipIf(!hasTorch)('hybrid-eval router train: determinism', () => {
  it('the same labels and seed give the same model, byte for byte', async () => {
    const dir = tempDir();
    const data = generatedCsv(dir, 'labels.csv', 900);
    const outs = [join(dir, 'a'), join(dir, 'b')];
    for (const out of outs) {
      const result = await runCli(['router', 'train', '--data', data, ...MAPPING, '--out', out, '--epochs', '1', '--seed', '3']);
      expect(result.code, result.stderr).toBe(0);
    }
    for (const file of ['model.onnx', 'tokenizer.json', 'config.json']) {
      expect(readFileSync(join(outs[0]!, file)).equals(readFileSync(join(outs[1]!, file))), file).toBe(true);
    }
    const log = JSON.parse(readFileSync(join(outs[0]!, 'training-log.json'), 'utf8'));
    expect(log.training_texts).toBeUndefined();
    expect(JSON.stringify(log)).not.toContain(readFileSync(data, 'utf8').split('\n')[1]!.split(',')[1]);
  }, 600_000);
});

describe.skipIf(!hasTorch || !hasBitext)('hybrid-eval router train on a domain the shipped router never saw', () => {
  it('trains from labels, beats the shipped router on held-out labels, and a replay routes by it', async () => {
    const dir = tempDir();
    const bank = await writeBankDomain(BITEXT, dir);
    // A CI-sized labelled set: 1,200 of the bank training side, seeded.
    const rows = parse(readFileSync(bank.train), { columns: true }) as Record<string, string>[];
    const labelled = join(dir, 'labelled.csv');
    writeFileSync(labelled, stringify(shuffle(rows, seededRandom('ci')).slice(0, 1200), { header: true, columns: ['query_id', 'query', 'tier', 'intent'] }));
    const out = join(dir, 'bank-router');

    const trained = await runCli(['router', 'train', '--data', labelled, '--field', 'label=tier', '--out', out, '--seed', '7', '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    const summary = JSON.parse(trained.stdout);
    expect(summary.trainingExamples + summary.validationExamples).toBe(1200);
    for (const file of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json', 'training-log.json', 'README.md']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    expect(card).toContain(`${summary.trainingExamples} for training, ${summary.validationExamples} for validation`);
    expect(card).toMatch(/Temperature \d/);
    expect(card).toMatch(/accuracy \d+\.\d%/);

    const evaluate = async (model: string) => {
      const result = await runCli(['router', 'eval', '--model', model, '--data', bank.heldOut, '--field', 'label=tier', '--json', '--no-store']);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { n: number; accuracy: number; router_version: string; per_class: { complex: { recall: number } } };
    };
    const shipped = await evaluate('models/router');
    const ours = await evaluate(out);
    expect(ours.n).toBe(bank.held);
    expect(ours.router_version).toBe(summary.routerVersion);
    console.log(`bank held-out (${ours.n}): shipped router ${(shipped.accuracy * 100).toFixed(1)}%, trained ${(ours.accuracy * 100).toFixed(1)}%`);
    expect(ours.accuracy).toBeGreaterThanOrEqual(shipped.accuracy + 0.15);
    expect(ours.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(ours.per_class.complex.recall).toBeGreaterThan(shipped.per_class.complex.recall);

    // A replay with routing.router.model pointing at the new folder routes by it.
    const config = join(dir, 'bank.yaml');
    writeFileSync(config, readFileSync(join(ROOT, 'examples/sim.yaml'), 'utf8').replace('    model: models/router\n', `    model: ${JSON.stringify(out)}\n`));
    // router calibrate -c fits the thresholds of the config's router, not the shipped one's.
    const calibrate = async (args: string[]) => {
      const result = await runCli(['router', 'calibrate', ...args, '--data', bank.heldOut, '--field', 'label=tier', '--target', '35,40,25', '--max-underroute', '1', '--json']);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { router_version: string; thresholds: { simple: number; medium: number } };
    };
    const viaConfig = await calibrate(['-c', config]);
    expect(viaConfig.router_version).toBe(summary.routerVersion);
    expect(viaConfig).toEqual(await calibrate(['--model', out]));
    expect((await calibrate([])).router_version).toBe(shipped.router_version);
    expect(shipped.router_version).not.toBe(summary.routerVersion);

    const db = join(dir, 'bank.duckdb');
    const replay = await runCli(['replay', '-c', config, '--sim', '--sim-time-scale', '0', '--dataset', bank.heldOut, '--field', 'label=tier', '--limit', '60', '--db', db, '--run-id', 'bank']);
    expect(replay.code, replay.stderr).toBe(0);
    const store = await openStore(db, { readOnly: true });
    const routes = await store.all<{ text: string; tier: string; router_version: string }>(
      `SELECT q.text, r.tier, r.router_version FROM routes r JOIN queries q USING (run_id, query_id) WHERE r.run_id = 'bank'`,
    );
    await store.close();
    expect(routes).toHaveLength(60);
    const router = await loadRouter(out);
    try {
      const decisions = await router.classifyBatch(routes.map((route) => route.text));
      routes.forEach((route, index) => {
        expect(route.router_version).toBe(router.version);
        expect(route.tier).toBe(decisions[index]!.tier);
      });
    } finally {
      await router.close();
    }
  }, 900_000);
});
