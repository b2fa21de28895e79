import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Native DuckDB and child processes: separate processes are the safe isolation.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
