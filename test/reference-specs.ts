/**
 * Where the reference specs are (`REFERENCE_SPECS_DIR`, default `../shared/reference` beside the
 * checkout; never copied into the project), and which test files need them: a clone without them
 * skips exactly those files, with a notice, and CI (`CI=true`) refuses to run without them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIR = path.join(REPO_ROOT, 'test');

export const REFERENCE_SPECS_DIR = path.resolve(REPO_ROOT, process.env.REFERENCE_SPECS_DIR ?? path.join('..', 'shared', 'reference'));

export const referenceSpecsPresent = (): boolean => existsSync(path.join(REFERENCE_SPECS_DIR, 'supaglue-mgmt-v2.openapi.json'));

const localImports = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((m) => path.resolve(path.dirname(file), m[1]!).replace(/(\.ts)?$/, '.ts'));

/** What reads a spec when called (the helpers that define these only read on use). */
const READS_SPECS = /\b(loadReferenceSpec|referenceValidator|specOperations|webhookPayloadProblems|REFERENCE_DIR|MGMT_SPEC_PATH|CRM_SPEC_PATH)\b/;
const DEFINERS = new Set(['reference-spec.ts', 'webhook-receiver.ts']);

/** Test files (relative to the repository) that read the specs, themselves or through a helper that does. */
export function testFilesNeedingSpecs(): string[] {
  const helpers = readdirSync(path.join(TEST_DIR, 'helpers'))
    .filter((f) => f.endsWith('.ts') && !DEFINERS.has(f))
    .map((f) => path.join(TEST_DIR, 'helpers', f));
  const uses = (file: string) => READS_SPECS.test(readFileSync(file, 'utf8'));
  const needs = new Set(helpers.filter(uses));
  // A helper that imports one that reads them reads them too, until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    for (const h of helpers) if (!needs.has(h) && localImports(h).some((i) => needs.has(i))) changed = needs.add(h).size > 0;
  }
  const tests = readdirSync(TEST_DIR)
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(TEST_DIR, f));
  return tests.filter((t) => uses(t) || localImports(t).some((i) => needs.has(i))).map((t) => path.relative(REPO_ROOT, t));
}
