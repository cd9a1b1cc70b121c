/**
 * One real PostgreSQL and one Temporal dev server for the whole test run; each
 * test file creates its own database and task queues on them.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../lib/embedded-postgres';
import { startTemporalDevServer } from '../lib/temporal-dev-server';
import { resolveTemporalBinaryPath } from '../lib/temporal-binaries';
import { freePort } from './helpers/ports';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    temporalAddress: string;
    testServerPath: string;
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
  const [pgStart, temporalStart] = await Promise.allSettled([
    startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await freePort(), persistent: false }),
    startTemporalDevServer({ cliPath, port: 'auto', namespace: 'default' }),
  ]);
  if (pgStart.status === 'rejected' || temporalStart.status === 'rejected') {
    // Never leave the one that did start running behind a failed setup.
    await Promise.allSettled([pgStart.status === 'fulfilled' && pgStart.value.stop(), temporalStart.status === 'fulfilled' && temporalStart.value.stop()]);
    await rm(dir, { recursive: true, force: true });
    throw pgStart.status === 'rejected' ? pgStart.reason : (temporalStart as PromiseRejectedResult).reason;
  }
  const [pg, temporal] = [pgStart.value, temporalStart.value];
  project.provide('pgAdminUrl', pg.adminUrl);
  project.provide('temporalAddress', temporal.address);
  project.provide('testServerPath', testServerPath);

  return async () => {
    await Promise.allSettled([pg.stop(), temporal.stop()]);
    await rm(dir, { recursive: true, force: true });
  };
}
