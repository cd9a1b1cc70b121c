import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createWorker, WORKFLOWS_PATH } from '../../lib/temporal-worker';
import type { ActivityDeps } from '../../activities';
import type { Db } from '../../db/connection';
import { createWriterCache } from '../../destinations/registry';
import { testLogger, testSecrets } from './logger';

let bundle: Promise<{ code: string }> | undefined;

/** Bundling takes seconds: once per test file (process). */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger });
  return bundle;
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

export interface DevServerWorker {
  client: Client;
  deps: ActivityDeps;
  worker: Worker;
  taskQueue: string;
  /** Runs fn while the worker polls (it polls from start to close). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A real worker (our activities, our workflows) on the shared dev server, on its own task queue. */
export async function startDevServerWorker(opts: { db: Db; chunkBudgetMs?: number; taskQueue?: string }): Promise<DevServerWorker> {
  const address = inject('temporalAddress');
  const [nativeConnection, connection] = await Promise.all([NativeConnection.connect({ address }), Connection.connect({ address })]);
  const taskQueue = opts.taskQueue ?? uniqueTaskQueue();
  const client = new Client({ connection, namespace: 'default' });
  const writers = createWriterCache();
  const deps: ActivityDeps = {
    db: opts.db,
    logger: testLogger,
    secrets: testSecrets,
    temporal: { client, taskQueue },
    writers,
    chunkBudgetMs: opts.chunkBudgetMs,
  };
  const worker = await createWorker({ connection: nativeConnection, namespace: 'default', taskQueue, deps, workflowBundle: await workflowBundle() });
  // Polls from now until close(); run() only makes a failing worker fail the caller too.
  const running = worker.run();
  return {
    client,
    deps,
    worker,
    taskQueue,
    run: <T>(fn: () => Promise<T>) => Promise.race([fn(), running.then(() => { throw new Error('worker stopped'); })]),
    close: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await writers.closeAll();
      await connection.close();
      await nativeConnection.close();
    },
  };
}

const quietLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};
