import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { runCli, startCli, tempDir } from './cli.ts';

describe('hybrid-eval sim', () => {
  it('serves the OpenAI protocol (streaming with usage) and vLLM metrics', async () => {
    const { child, done } = startCli(['sim', '--port', '0', '--time-scale', '0']);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout!.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          const match = /sim listening on (\S+)/.exec(text);
          if (match) resolve(match[1]!);
        });
        child.once('exit', () => reject(new Error('sim exited')));
      });
      const client = new OpenAI({ baseURL: url, apiKey: 'sim', maxRetries: 0 });
      const stream = await client.chat.completions.create({
        model: 'gpt-4',
        messages: [{ role: 'user', content: 'What are your customer service hours?' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | undefined | null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text.length).toBeGreaterThan(20);
      expect(usage?.completion_tokens).toBeGreaterThan(0);
      const metrics = await (await fetch(url.replace(/\/v1$/, '/metrics'))).text();
      expect(metrics).toMatch(/vllm:num_requests_running/);
      expect(metrics).toMatch(/vllm:e2e_request_latency_seconds_count\{[^}]*model_name="gpt-4"[^}]*\} 1/);
    } finally {
      child.kill('SIGTERM');
      await done;
    }
  });
});

describe('hybrid-eval datasets generate', () => {
  it('writes the same file for the same seed and reproduces the committed sample', async () => {
    const dir = tempDir();
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    const first = await runCli(['datasets', 'generate', '--n', '2000', '--seed', '42', '--out', a]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/2000 queries \(simple \d+\.\d%, medium \d+\.\d%, complex \d+\.\d%\)/);
    await runCli(['datasets', 'generate', '--n', '2000', '--seed', '42', '--out', b]);
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    expect(readFileSync(a, 'utf8')).toBe(readFileSync('datasets/sample.jsonl', 'utf8'));
  });

  it('--conversations writes multi-turn chat JSONL, the same for the same seed, and reproduces the committed conversation sample', async () => {
    const dir = tempDir();
    const out = join(dir, 'conversations.jsonl');
    const result = await runCli(['datasets', 'generate', '--conversations', '--n', '300', '--seed', '14', '--out', out]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/300 conversations \(simple \d+\.\d%, medium \d+\.\d%, complex \d+\.\d%; \d+ with tools\)/);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync('datasets/conversations-sample.jsonl', 'utf8'));
    const split = await runCli(['datasets', 'generate', '--conversations', '--split', 'train', '--n', '3', '--seed', '1', '--out', join(dir, 'x.jsonl')]);
    expect(split.code).toBe(2);
    expect(split.stderr).toContain('--split is for single queries');
  });

  it('refuses a bad flag with exit 2', async () => {
    const result = await runCli(['datasets', 'generate', '--n', 'many', '--seed', '1', '--out', '/tmp/x.jsonl']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--n must be a positive integer');
  });
});

describe('gate, runs and export on a stored run', () => {
  const dir = tempDir();
  const db = join(dir, 'g.duckdb');
  beforeAll(async () => {
    const replay = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', '120', '--db', db, '--run-id', 'g1']);
    expect(replay.code).toBe(0);
  });

  function plan(name: string, thresholds: string): string {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, `name: ${name}\nthresholds:\n${thresholds}`);
    return file;
  }

  it('exits 0 on go, 1 on no-go, 3 on hold, 2 on a bad plan', async () => {
    const gate = (planFile: string) => runCli(['gate', '--run', 'g1', '--db', db, '--results', dir, '--plan', planFile]);
    expect((await gate(plan('lenient', '  min_quality: 3\n  quality_statistic: mean\n  min_scored: 10\n'))).code).toBe(0);
    const noGo = await gate(plan('strict', '  min_quality: 4.95\n  quality_statistic: mean\n  min_scored: 10\n'));
    expect(noGo.code).toBe(1);
    expect(noGo.stdout).toMatch(/fail candidate_quality: mean \d\.\d\d \[95% CI \d\.\d\d, \d\.\d\d\] on n=\d+/);
    const hold = await gate(plan('greedy', '  min_quality: 3\n  min_scored: 100000\n'));
    expect(hold.code).toBe(3);
    expect(hold.stdout).toMatch(/^HOLD/);
    const bad = await gate(plan('typo', '  min_qualty: 3\n'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('min_qualty');
    const missing = await runCli(['gate', '--run', 'nope', '--db', db, '--results', dir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('run not found: nope');
  });

  it('lists runs', async () => {
    const runs = await runCli(['runs', '--db', db, '--json']);
    expect(runs.code).toBe(0);
    expect(JSON.parse(runs.stdout.trim().split('\n')[0]!)).toMatchObject({ run_id: 'g1', status: 'complete', query_count: 120 });
  });

  it('exports a run as Parquet that DuckDB reads back', async () => {
    const out = join(dir, 'export');
    const result = await runCli(['export', '--run', 'g1', '--format', 'parquet', '--out', out, '--db', db]);
    expect(result.code).toBe(0);
    expect(readdirSync(out)).toEqual(expect.arrayContaining(['pairs.parquet', 'responses.parquet', 'judgments.parquet']));
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${join(out, 'pairs.parquet')}')`);
    expect(reader.getRowObjects()[0]).toEqual({ n: 120 });
    connection.closeSync();
    instance.closeSync();
  });
});

describe('hybrid-eval config', () => {
  it('checks a config and prints its JSON Schema', async () => {
    const check = await runCli(['config', 'check', 'examples/sim.yaml']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('endpoints called: llama, gpt35, gpt4');
    const schema = await runCli(['config', 'schema']);
    expect(JSON.parse(schema.stdout)).toEqual(JSON.parse(readFileSync('schema/config.schema.json', 'utf8')));
  });
});

describe('hybrid-eval command loading', () => {
  // main.ts loads only the named command's module; --help and anything unknown load them all.
  const names = ['replay', 'router', 'label', 'judge', 'gate', 'sim', 'spotcheck', 'promptfoo', 'datasets', 'export', 'runs', 'merge', 'nightly', 'notebooks', 'config', 'demo', 'loadtest', 'capacity', 'sql', 'view', 'cascade', 'validate'];

  it('lists every command in the help, and suggests one for a typo', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    const listed = [...help.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((match) => match[1]).filter((name) => name !== 'help');
    expect(listed).toEqual(names);
    const typo = await runCli(['replya']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean replay?');
  });

  it('gives each command its own help, loading only that command\'s modules', async () => {
    const dir = tempDir();
    const results = await Promise.all(
      names.map((name) =>
        runCli([name, '--help'], {
          env: { NODE_OPTIONS: `--import=${join(import.meta.dirname, 'fixtures/list-modules.mjs')}`, LIST_MODULES_FILE: join(dir, `${name}.txt`) },
        }),
      ),
    );
    results.forEach((result, index) => {
      const name = names[index]!;
      expect(result.code, name).toBe(0);
      expect(result.stdout, name).toContain(`Usage: hybrid-eval ${name} `);
      const commandModules = readFileSync(join(dir, `${name}.txt`), 'utf8')
        .split('\n')
        .filter((url) => url.includes('/src/cli/commands/') && !url.endsWith('/gate-output.ts'));
      expect(commandModules.map((url) => url.replace(/.*\//, '')), name).toEqual([`${name === 'notebooks' ? 'notebook' : name}.ts`]);
    });
  }, 240_000);
});
