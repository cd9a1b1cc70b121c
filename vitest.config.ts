import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Temporal's native bridge does not survive worker_threads; forks isolate each file in a process.
    pool: 'forks',
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/setup-runtime.ts'],
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.data/**', '.cache/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // 2-core machines: a few files at a time, each with its own worker and database.
    maxWorkers: 3,
  },
});
