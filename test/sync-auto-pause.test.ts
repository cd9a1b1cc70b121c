/**
 * The auto-pause after too many failed runs in a row, end to end on the time-skipping test server:
 * a source that keeps answering 500 fails each run after its retries; the run that reaches the
 * limit (3 here, through the worker's deps) pauses the sync with a reason and a sync.paused event,
 * a successful run in between starts the count again, and a resumed sync gets LIMIT runs again.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createHttpRuntime } from '../providers/runtime';
import { createWorker } from '../runtime/worker';
import type { SyncRunResult } from '../workflows/sync-run';
import { composeForTest } from './helpers/compose';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, ok, startScenario } from './helpers/sync-scenario';
import { workflowBundle } from './helpers/temporal';

const LIMIT = 3;

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  [s, env] = await Promise.all([
    startScenario(),
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('testServerPath') } } }),
  ]);
  source = await startSourceApi(makeContacts(5));
});
afterAll(async () => {
  await source?.close();
  await env?.teardown();
  await s?.close();
});

/** One run of the sync on a worker whose syncs pause after LIMIT failed runs. */
async function runSync(syncId: string): Promise<SyncRunResult> {
  const taskQueue = `auto-pause-${randomUUID()}`;
  const root = await composeForTest({
    db: s.api.tdb.db,
    taskQueue,
    temporal: env,
    activities: {
      httpRuntime: createHttpRuntime({ maxRateLimitAttempts: 2, maxTransientAttempts: 2, backoff: { baseMs: 5, maxMs: 20 } }),
      autoPauseAfterFailures: LIMIT,
    },
  });
  const worker = await createWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue, deps: root.activities, workflowBundle: await workflowBundle() });
  try {
    return await worker.runUntil(env.client.workflow.execute('syncRunWorkflow', { taskQueue, workflowId: `run-${randomUUID()}`, args: [{ syncId }] }));
  } finally {
    await root.close();
  }
}

const syncRow = (syncId: string) => s.api.tdb.db.selectFrom('syncs').selectAll().where('id', '=', syncId).executeTakeFirstOrThrow();
const failedInARow = async (syncId: string) => ((await syncRow(syncId)).state as { consecutive_failed_runs?: number }).consecutive_failed_runs ?? 0;
const pausedEvents = () => s.api.tdb.db.selectFrom('webhook_events').select('payload').where('type', '=', 'sync.paused').execute();

it(`pauses a sync after ${LIMIT} failed runs in a row, with the reason and a sync.paused event; a success in between resets the count`, async () => {
  const c = await configure(s, source, { customerId: 'cust-failing', providerName: 'failing-crm', pageSize: 10, autoStart: false });
  await c.connect();
  const { id: syncId } = await s.api.tdb.db.selectFrom('syncs').select('id').executeTakeFirstOrThrow();
  const failing = () => (source.intercept = () => ({ status: 500, json: { error: 'upstream down' } }));
  const healthy = () => (source.intercept = undefined);

  failing();
  for (let n = 1; n < LIMIT; n++) {
    expect(await runSync(syncId)).toMatchObject({ status: 'FAILURE', paused: false });
    expect(await failedInARow(syncId)).toBe(n);
  }
  healthy();
  expect(await runSync(syncId)).toMatchObject({ status: 'SUCCESS', numRecordsSynced: 5 });
  expect(await failedInARow(syncId)).toBe(0);
  expect(await syncRow(syncId)).toMatchObject({ paused: false });

  failing();
  for (let n = 1; n < LIMIT; n++) await runSync(syncId);
  expect(await syncRow(syncId)).toMatchObject({ paused: false });
  expect(await pausedEvents()).toEqual([]);
  const last = await runSync(syncId);
  expect(last).toMatchObject({ status: 'FAILURE' });
  const lastRun = await s.api.tdb.db
    .selectFrom('sync_runs')
    .selectAll()
    .where('id', '=', (last as { runId: string }).runId)
    .executeTakeFirstOrThrow();
  expect(lastRun.error_message).toContain('HTTP 500');
  const sync = await syncRow(syncId);
  expect(sync).toMatchObject({ paused: true, pause_reason: `${LIMIT} runs in a row failed; the last: ${lastRun.error_message}` });
  expect((await pausedEvents()).map((e) => e.payload)).toEqual([expect.objectContaining({ run_id: lastRun.id, pause_reason: sync.pause_reason })]);

  // Paused: the next run does not start, whatever the source would answer.
  healthy();
  const before = source.contactRequests();
  expect(await runSync(syncId)).toEqual({ status: 'skipped', reason: 'paused' });
  expect(source.contactRequests()).toBe(before);

  // Resumed while still failing: it gets another LIMIT runs before the next pause.
  await ok(
    s.tenant.request('POST', '/syncs/_resume', {
      headers: { 'x-customer-id': 'cust-failing', 'x-provider-name': 'failing-crm' },
      body: { object_type: 'standard', object: 'contacts' },
    }),
  );
  failing();
  for (let n = 1; n < LIMIT; n++) await runSync(syncId);
  expect(await syncRow(syncId)).toMatchObject({ paused: false });
  expect(await failedInARow(syncId)).toBe(2 * LIMIT - 1);
  await runSync(syncId);
  expect(await syncRow(syncId)).toMatchObject({ paused: true, pause_reason: expect.stringMatching(new RegExp(`^${2 * LIMIT} runs in a row failed; the last: `)) });
  expect(await pausedEvents()).toHaveLength(2);
});
