import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import type { ActivityDeps } from '../../activities';
import type { Db } from '../../db/connection';
import { createWorker } from '../../runtime/worker';
import { composeForTest } from './compose';

let bundle: Promise<{ code: string }> | undefined;

/** The workflow code global setup bundled once for the whole run (bundling takes about a second). */
export function workflowBundle(): Promise<{ code: string }> {
  bundle ??= readFile(inject('workflowBundlePath'), 'utf8').then((code) => ({ code }));
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
  const taskQueue = opts.taskQueue ?? uniqueTaskQueue();
  const [nativeConnection, root] = await Promise.all([
    NativeConnection.connect({ address: inject('temporalAddress') }),
    composeForTest({ db: opts.db, taskQueue, activities: { chunkBudgetMs: opts.chunkBudgetMs } }),
  ]);
  const deps = root.activities;
  const worker = await createWorker({ connection: nativeConnection, namespace: 'default', taskQueue, deps, workflowBundle: await workflowBundle() });
  // Polls from now until close(); run() only makes a failing worker fail the caller too.
  const running = worker.run();
  return {
    client: root.services.temporal.client,
    deps,
    worker,
    taskQueue,
    run: <T>(fn: () => Promise<T>) =>
      Promise.race([
        fn(),
        running.then(() => {
          throw new Error('worker stopped');
        }),
      ]),
    close: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await root.close();
      await nativeConnection.close();
    },
  };
}
