/**
 * The composition root as tests use it: a test file's own database and task queue, the run's
 * Temporal dev server (or a test environment's client), the silent test logger and the
 * process's encryption key (worker subprocesses get the same one).
 */
import type { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import type { Db } from '../../db/connection';
import { loadConfig } from '../../lib/config';
import { compose, type ComposeOptions, type Composition } from '../../runtime/compose';
import { testLogger, testSecrets } from './logger';

export function composeForTest(opts: {
  db: Db;
  taskQueue: string;
  /** A time-skipping environment's client and connection; the shared dev server when omitted. */
  temporal?: { client: Client; connection: Connection };
  activities?: ComposeOptions['activities'];
}): Promise<Composition> {
  return compose(loadConfig({ TEMPORAL_TASK_QUEUE: opts.taskQueue }), {
    logger: testLogger,
    secrets: testSecrets,
    database: opts.db,
    temporal: opts.temporal ?? inject('temporalAddress'),
    activities: opts.activities,
  });
}
