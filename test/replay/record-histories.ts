/**
 * Re-records the replay fixtures from today's workflow code: `npm run test:record-histories`.
 * Only when a workflow changed on purpose in a way that in-flight runs will never see (see the
 * README's "Changing a workflow"); the old fixtures must have passed replay against the new code
 * first, or runs in flight would break. Arguments name scenario prefixes to record only those
 * (`npm run test:record-histories -- write-job` adds a new workflow's fixtures, leaving the rest as they are).
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../runtime/worker';
import { historyToFixture } from './fixtures';
import { resolveTemporalBinaryPath } from '../../lib/temporal-binaries';
import { runScenario, scenarios } from './scenarios';

const DIR = path.join(import.meta.dirname, 'histories');

Runtime.install({ logger: new DefaultLogger('ERROR') });
const testServer = await resolveTemporalBinaryPath('test-server', { explicitPath: process.env.TEMPORAL_TEST_SERVER_PATH, log: (m) => console.error(m) });
const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServer } } });
try {
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('ERROR') });
  await mkdir(DIR, { recursive: true });
  const only = process.argv.slice(2);
  const chosen = (name: string) => only.length === 0 || only.some((prefix) => name.startsWith(prefix));
  for (const f of await readdir(DIR)) if (f.endsWith('.json') && chosen(f)) await rm(path.join(DIR, f));
  for (const scenario of scenarios().filter((s) => chosen(s.name))) {
    for (const execution of await runScenario(env, bundle, scenario)) {
      const history = historyToFixture(execution.history);
      await writeFile(path.join(DIR, `${execution.name}.json`), `${JSON.stringify({ workflowId: execution.workflowId, history }, null, 1)}\n`);
      console.log(`recorded ${execution.name} (${history.events.length} events)`);
    }
  }
} finally {
  await env.teardown();
}
