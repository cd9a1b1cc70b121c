import { defineConfig } from 'vitest/config';
import { REFERENCE_SPECS_DIR, referenceSpecsPresent, testFilesNeedingSpecs } from './test/reference-specs';

/** Without the reference specs, the files that need them are left out, saying so; in CI their absence is an error. */
function specExclusions(): string[] {
  if (referenceSpecsPresent()) return [];
  if (process.env.CI === 'true') {
    throw new Error(`The reference specs are not in ${REFERENCE_SPECS_DIR} (REFERENCE_SPECS_DIR); CI runs every test, so it needs them.`);
  }
  const files = testFilesNeedingSpecs();
  console.warn(
    `\n  NOTICE: the reference specs are not in ${REFERENCE_SPECS_DIR} (set REFERENCE_SPECS_DIR to where they are).\n` +
      `  Skipping the ${files.length} test files that need them:\n${files.map((f) => `    ${f}`).join('\n')}\n`,
  );
  return files;
}

export default defineConfig({
  test: {
    // Temporal's native bridge does not survive worker_threads; forks isolate each file in a process.
    pool: 'forks',
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/setup-runtime.ts'],
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.data/**', '.cache/**', ...specExclusions()],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // 2-core machines: a few files at a time, each with its own worker and database.
    maxWorkers: 3,
  },
});
