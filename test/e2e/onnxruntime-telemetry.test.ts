import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli, tempDir } from './cli.ts';

/** Every file and folder under `dir`, relative, recursively. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/**
 * onnxruntime 1.29+ on Linux starts Microsoft's telemetry with the first session unless
 * ORT_DISABLE_TELEMETRY is set: it writes a queue of events and a device id under
 * ~/.cache/Microsoft/DeveloperTools/.onnxruntime, and `.ses` plus `mat-debug-<pid>.log` in the temp
 * folder (seen here with the variable unset: all four appeared). Those files are what this test can
 * observe without sending anything; the upload goes with them, since it is the same switch.
 */
describe('onnxruntime telemetry', () => {
  it('a replay that routes with the shipped model leaves nothing of ORT telemetry in HOME, the temp folder or the working folder', async () => {
    const home = tempDir('hybrid-eval-home-');
    const tmp = tempDir('hybrid-eval-tmp-');
    const db = join(tempDir(), 'run.duckdb');
    // The config's paths are relative to the working folder (README, "Config"): the project's.
    const sessionFiles = (): string[] => readdirSync(ROOT).filter((name) => name.endsWith('.ses'));
    const before = sessionFiles();
    const result = await runCli(['replay', '-c', 'examples/sim.yaml', '--sim', '--sim-time-scale', '0', '--limit', '20', '--db', db], {
      // ORT also stays quiet when CI is set (as CI services set it): unset here, or in CI this
      // test would pass without hybrid-eval doing anything.
      env: { HOME: home, TMPDIR: tmp, XDG_CACHE_HOME: undefined, ORT_DISABLE_TELEMETRY: undefined, CI: undefined, ORT_RUNNING_UNIT_TESTS: undefined },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/complete; 20 queries replayed/);

    expect(tree(home)).toEqual([]);
    expect(tree(tmp)).toEqual([]);
    expect(sessionFiles()).toEqual(before);
  });
});
