/**
 * A clone without the reference specs: the vitest configuration leaves out exactly the test files
 * that read them, saying which and why; under CI=true it refuses to run instead.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { testFilesNeedingSpecs } from './reference-specs';

const root = path.resolve(import.meta.dirname, '..');

function loadConfig(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = "import('./vitest.config.ts').then((m) => console.log(JSON.stringify(m.default.test.exclude)))";
  return new Promise((resolve) => {
    execFile(
      path.join(root, 'node_modules', '.bin', 'tsx'),
      ['--eval', script],
      { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('reference specs', () => {
  it('knows which test files read them, directly or through a helper', () => {
    const files = testFilesNeedingSpecs();
    expect(files).toEqual(
      expect.arrayContaining(['test/contract.test.ts', 'test/fuzz.test.ts', 'test/webhooks-e2e.test.ts', 'test/crm-v2-contract.test.ts', 'test/sync-entities.test.ts']),
    );
    expect(files).not.toContain('test/writes-api.test.ts');
    expect(files).not.toContain('test/reference-specs.test.ts');
  });

  it('without them, leaves out exactly those files with a notice naming them', async () => {
    const res = await loadConfig({ REFERENCE_SPECS_DIR: '/nonexistent/specs', CI: '' });
    expect(res.code).toBe(0);
    const exclude = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as string[];
    expect(exclude).toEqual([...['node_modules/**', '.data/**', '.cache/**'], ...testFilesNeedingSpecs()]);
    expect(res.stderr).toContain('NOTICE: the reference specs are not in /nonexistent/specs');
    expect(res.stderr).toContain('test/contract.test.ts');
  });

  it('with CI=true, refuses to run without them', async () => {
    const res = await loadConfig({ REFERENCE_SPECS_DIR: '/nonexistent/specs', CI: 'true' });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('The reference specs are not in /nonexistent/specs (REFERENCE_SPECS_DIR); CI runs every test');
  });

  it('with them, leaves nothing out', async () => {
    const res = await loadConfig({ CI: 'true' });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout.trim().split('\n').at(-1)!)).toEqual(['node_modules/**', '.data/**', '.cache/**']);
  });
});
