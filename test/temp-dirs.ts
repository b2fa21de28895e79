import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Directories a test file made in the system's temp folder. test/remove-temp-dirs.ts (a vitest setup
 * file) removes them after the file's last test: before, every `npm test` left about 95 of them
 * behind, 570 MB, and a machine that runs the suite often filled its /tmp.
 */
const made: string[] = [];

export function tempDir(prefix = 'hybrid-eval-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      // Tidying up is not what a test checks: say so, and do not fail the file for it.
      console.warn(`could not remove ${dir}: ${(error as Error).message}`);
    }
  }
}
