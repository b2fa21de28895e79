import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './cli.ts';

// Issue 15, item 8: no npm warning on `npm ci`, `npm run` or `npx hybrid-eval` with this machine's
// own npm and Node. The tests run npm the way a newcomer does: the system's npm on the system's
// Node (PATH without any node_modules/.bin, so not the pinned Node 24 the tests themselves run on),
// and none of the npm_* variables `npm test` exports (npm_config_local_prefix would point a child
// npm at this checkout instead of the folder it is started in).

const SYSTEM_PATH = (process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.includes('node_modules')).join(delimiter);
const onSystemPath = (name: string) => SYSTEM_PATH.split(delimiter).map((dir) => join(dir, name)).find((file) => existsSync(file));
const SYSTEM_NPM = onSystemPath('npm');
const SYSTEM_NPX = onSystemPath('npx');
if (SYSTEM_NPM === undefined || SYSTEM_NPX === undefined) console.warn('skipping the quiet-install tests: no npm or npx on PATH outside node_modules');

interface Run {
  code: number | null;
  output: string;
}

function system(program: string, args: string[], cwd: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { PATH: SYSTEM_PATH };
  for (const [key, value] of Object.entries(process.env)) if (!/^npm_/i.test(key) && key !== 'PATH' && key !== 'NODE') env[key] = value;
  const child = spawn(program, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, output })));
}

const systemNpm = (args: string[], cwd: string) => system(SYSTEM_NPM!, args, cwd);

/** The files `npm ci` reads, copied as a fresh clone has them. */
function installFolder(): string {
  const folder = tempDir('hybrid-eval-install-');
  for (const file of ['package.json', 'package-lock.json', '.npmrc']) if (existsSync(join(ROOT, file))) copyFileSync(join(ROOT, file), join(folder, file));
  return folder;
}

describe.skipIf(SYSTEM_NPM === undefined || SYSTEM_NPX === undefined)('a quiet install with the system npm and Node', () => {
  it('npm ci prints no warning, and the warnings it hides are only the engines checked against the wrong Node', async () => {
    const folder = installFolder();
    const version = await system(SYSTEM_NPX!, ['node', '--version'], folder);
    expect(version.code, version.output).toBe(0);
    const systemMajor = Number(/v(\d+)/.exec(version.output)?.[1]);

    const quiet = await systemNpm(['ci', '--dry-run'], folder);
    expect(quiet.code, quiet.output).toBe(0);
    expect(quiet.output).toMatch(/added \d+ packages/);
    expect(quiet.output).not.toMatch(/npm warn/i);

    // The same install with warnings on: on a Node older than the dependencies declare (this
    // machine's Node 20), npm's only warnings are EBADENGINE for packages that run on the pinned
    // Node 24, so nothing else is being hidden.
    const loud = await systemNpm(['ci', '--dry-run', '--loglevel=warn'], folder);
    expect(loud.code, loud.output).toBe(0);
    const warnings = loud.output.split('\n').filter((line) => /^npm warn/i.test(line));
    for (const line of warnings) expect(line).toMatch(/^npm warn EBADENGINE/);
    if (systemMajor < 22) expect(warnings.join('\n')).toMatch(/package: 'openai@/);
  }, 120_000);

  it('npm run and npx hybrid-eval print no npm warning', async () => {
    const listing = await systemNpm(['run'], ROOT);
    expect(listing.code, listing.output).toBe(0);
    expect(listing.output).toMatch(/demo/);
    expect(listing.output).not.toMatch(/npm warn/i);

    const npx = await system(SYSTEM_NPX!, ['hybrid-eval', '--version'], ROOT);
    expect(npx.code, npx.output).toBe(0);
    const { version: packageVersion } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(npx.output.trim()).toBe(packageVersion);
  }, 60_000);
});
