import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir, type CliResult } from './cli.ts';

// Issue 15, bullet 8: a quiet install on this machine's npm and Node. vitest runs on the pinned
// Node 24 with node_modules/.bin first on PATH; a user types `npm ci` and `npx hybrid-eval` with the
// machine's own npm and Node, so these commands run with node_modules folders taken off PATH.

const machinePath = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((entry) => !entry.includes('node_modules'))
  .join(delimiter);

function npm(args: string[], cwd: string): Promise<CliResult> {
  const child = spawn('npm', args, { cwd, env: { ...process.env, PATH: machinePath, npm_config_update_notifier: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

const warnings = (result: CliResult) => `${result.stdout}\n${result.stderr}`.split('\n').filter((line) => /^npm warn/i.test(line));

/** Packages npm named in EBADENGINE warnings. */
function engineWarnings(result: CliResult): string[] {
  return [...`${result.stderr}`.matchAll(/npm warn EBADENGINE\s+package: '([^']+)'/g)].map((match) => match[1]!.replace(/@[^@]+$/, ''));
}

describe('a quiet install', () => {
  it('npm ci (the lockfile, as resolved) warns about nothing but the two dependencies that declare Node 22+', async () => {
    const dir = tempDir('hybrid-eval-ci-');
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
    // --dry-run builds the tree from the lockfile and runs npm's engine and platform checks without
    // fetching or writing node_modules.
    const version = await npm(['exec', '--', 'node', '--version'], dir);
    const machineNode = version.stdout.trim();
    const ci = await npm(['ci', '--dry-run', '--offline', '--ignore-scripts'], dir);
    expect(ci.code, ci.stderr).toBe(0);
    const major = Number(/^v(\d+)/.exec(machineNode)?.[1]);
    // The project itself never: its engines (the code's Node) are checked through devEngines (npm's Node).
    expect(ci.stderr).not.toContain("package: 'hybrid-eval@");
    // openai 7 and vitest 5 declare Node 22 or later; below that npm says so (README, "A quiet
    // install", explains why they stay). Any other warning fails here.
    const expected = major < 22 ? ['openai', 'vitest'] : [];
    expect(engineWarnings(ci).sort()).toEqual(expected);
    expect(warnings(ci).filter((line) => !line.includes('EBADENGINE'))).toEqual([]);
  }, 120_000);

  it("engines is the code's Node (the pinned one satisfies it, the launcher's floor), devEngines the Node that runs npm", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const pinned = JSON.parse(readFileSync(join(ROOT, 'node_modules/node/package.json'), 'utf8')).version as string;
    expect(manifest.engines.node).toBe('>=22.18');
    expect(Number(pinned.split('.')[0])).toBeGreaterThanOrEqual(22);
    expect(readFileSync(join(ROOT, 'bin/hybrid-eval.js'), 'utf8')).toContain('major < 22 || (major === 22 && minor < 18)');
    expect(manifest.devEngines.runtime).toMatchObject({ name: 'node', version: '>=20.17' });
    // onnxruntime-node's CUDA download denied by npm's own policy, not an unknown .npmrc key.
    expect(manifest.allowScripts['onnxruntime-node']).toBe(false);
  });

  it('npx hybrid-eval, npm run and npm install-scripts print no npm warning', async () => {
    const npx = await npm(['exec', '--', 'hybrid-eval', '--version'], ROOT);
    expect(npx.code, npx.stderr).toBe(0);
    expect(npx.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(warnings(npx)).toEqual([]);
    const run = await npm(['run', 'hybrid-eval', '--', '--version'], ROOT);
    expect(run.code, run.stderr).toBe(0);
    expect(warnings(run)).toEqual([]);
    const scripts = await npm(['install-scripts', 'ls'], ROOT);
    expect(scripts.code, scripts.stderr).toBe(0);
    expect(scripts.stdout).toContain('No packages with unreviewed install scripts.');
    expect(warnings(scripts)).toEqual([]);
  }, 120_000);
});
