/**
 * One real PostgreSQL and one Temporal dev server for the whole test run; each
 * test file creates its own database and task queues on them.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../lib/embedded-postgres';
import { startTemporalDevServer } from '../lib/temporal-dev-server';
import { WORKFLOWS_PATH } from '../runtime/worker';
import { resolveTemporalBinaryPath } from '../lib/temporal-binaries';
import { freePort } from './helpers/ports';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    temporalAddress: string;
    testServerPath: string;
    /** The workflow code bundled once for the run, as a file: 1.7 MB would otherwise be sent to every test file. */
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const log = (m: string) => console.error(`[global-setup] ${m}`);
  const [cliPath, testServerPath] = await Promise.all([
    resolveTemporalBinaryPath('cli', { explicitPath: process.env.TEMPORAL_CLI_PATH, log }),
    resolveTemporalBinaryPath('test-server', { explicitPath: process.env.TEMPORAL_TEST_SERVER_PATH, log }),
  ]);
  // Postgres runs as an unprivileged user when we are root: it must be able to reach its data dir.
  const dir = await mkdtemp(path.join(tmpdir(), 'syncwell-test-'));
  await chmod(dir, 0o755);
  const workflowBundlePath = path.join(dir, 'workflow-bundle.js');
  const [pgStart, temporalStart, bundled] = await Promise.allSettled([
    startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), persistent: false }),
    startTemporalDevServer({ cliPath, port: 'auto', namespace: 'default' }),
    // Bundled here once instead of in every test file that runs a worker.
    bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger }).then(({ code }) => writeFile(workflowBundlePath, code)),
  ]);
  if (pgStart.status === 'rejected' || temporalStart.status === 'rejected' || bundled.status === 'rejected') {
    // Never leave the one that did start running behind a failed setup.
    await Promise.allSettled([pgStart.status === 'fulfilled' && pgStart.value.stop(), temporalStart.status === 'fulfilled' && temporalStart.value.stop()]);
    await rm(dir, { recursive: true, force: true });
    throw [pgStart, temporalStart, bundled].find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason;
  }
  const [pg, temporal] = [pgStart.value, temporalStart.value];
  project.provide('pgAdminUrl', pg.adminUrl);
  project.provide('temporalAddress', temporal.address);
  project.provide('testServerPath', testServerPath);
  project.provide('workflowBundlePath', workflowBundlePath);

  return async () => {
    await Promise.allSettled([pg.stop(), temporal.stop()]);
    await rm(dir, { recursive: true, force: true });
  };
}

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
