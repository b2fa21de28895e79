import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Removes the temp directories a test file made with test/temp-dirs.ts after its last test.
    setupFiles: ['test/remove-temp-dirs.ts'],
    // Native DuckDB and child processes: separate processes are the safe isolation.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
