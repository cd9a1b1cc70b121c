import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { insertApplication } from '../db/repositories/applications';
import { createWorker } from '../runtime/worker';
import { composeForTest } from './helpers/compose';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { startDevServerWorker, uniqueTaskQueue, workflowBundle } from './helpers/temporal';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
  await insertApplication(tdb.db, { name: 'one', api_key_hash: randomUUID() });
  await insertApplication(tdb.db, { name: 'two', api_key_hash: randomUUID() });
});
afterAll(() => tdb?.destroy());

describe('workflows on the Temporal dev server', () => {
  it('runs a workflow whose activity reads the real database', async () => {
    const w = await startDevServerWorker({ db: tdb.db });
    try {
      const result = await w.run(() => w.client.workflow.execute('systemCheckWorkflow', { taskQueue: w.taskQueue, workflowId: `check-${randomUUID()}`, args: [{}] }));
      expect(result.applications).toBe(2);
      expect(Date.parse(result.databaseTime)).not.toBeNaN();
    } finally {
      await w.close();
    }
  });
});

describe('workflows on the time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
    });
  });
  afterAll(() => env?.teardown());

  it('sleeps a day of workflow time in seconds and then reaches Postgres', async () => {
    const taskQueue = uniqueTaskQueue();
    const root = await composeForTest({ db: tdb.db, taskQueue, temporal: env });
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      deps: root.activities,
      workflowBundle: await workflowBundle(),
    });
    const before = await env.currentTimeMs();
    const startedAt = Date.now();
    const result = await worker.runUntil(env.client.workflow.execute('systemCheckWorkflow', { taskQueue, workflowId: `sleep-${randomUUID()}`, args: [{ delay: '1 day' }] }));
    const skipped = (await env.currentTimeMs()) - before;
    await root.close();
    expect(result.applications).toBe(2);
    expect(skipped).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    // The day passed in workflow time only: far less wall time than that elapsed.
    expect(Date.now() - startedAt).toBeLessThan(3600 * 1000);
  });
});
