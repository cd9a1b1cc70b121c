/**
 * Retries, backoff and auto-pause of sync runs on the time-skipping test server: the
 * workflow's backoff (minutes of timers) passes in seconds. Rows are set up through
 * the real API; the run workflow is started directly (the test server has no schedules).
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHttpRuntime } from '../providers/runtime';
import { createWorker } from '../runtime/worker';
import { composeForTest } from './helpers/compose';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, destinationRows, startScenario } from './helpers/sync-scenario';
import { workflowBundle } from './helpers/temporal';

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
let env: TestWorkflowEnvironment;
let syncId: string;

beforeAll(async () => {
  [s, env] = await Promise.all([
    startScenario(),
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('testServerPath') } } }),
  ]);
  source = await startSourceApi(makeContacts(30));
  const c = await configure(s, source, { pageSize: 10, autoStart: false });
  await c.connect();
  syncId = (await s.api.tdb.db.selectFrom('syncs').select('id').executeTakeFirstOrThrow()).id;
});
afterAll(async () => {
  await source?.close();
  await env?.teardown();
  await s?.close();
});

async function runOnce() {
  const taskQueue = `ts-${randomUUID()}`;
  const root = await composeForTest({
    db: s.api.tdb.db,
    taskQueue,
    temporal: env,
    // Quick in-request retries, so the activity-level retries (on skipped timers) do the work.
    activities: { httpRuntime: createHttpRuntime({ maxRateLimitAttempts: 2, maxTransientAttempts: 2, backoff: { baseMs: 5, maxMs: 20 } }) },
  });
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    deps: root.activities,
    workflowBundle: await workflowBundle(),
  });
  const before = await env.currentTimeMs();
  try {
    const result = await worker.runUntil(env.client.workflow.execute('syncRunWorkflow', { taskQueue, workflowId: `run-${randomUUID()}`, args: [{ syncId }] }));
    return { result, skippedMs: (await env.currentTimeMs()) - before };
  } finally {
    await root.close();
  }
}

const sync = () => s.api.tdb.db.selectFrom('syncs').selectAll().where('id', '=', syncId).executeTakeFirstOrThrow();

describe('sync run failures', () => {
  it('retries transient provider failures with backoff and completes the run without losing or duplicating records', async () => {
    // The second page fails (503) for a while: longer than the runtime's own quick retries.
    let failures = 0;
    source.intercept = ({ offset }) => (offset === 10 && failures++ < 8 ? { status: 503, json: { error: 'maintenance' } } : undefined);
    const { result, skippedMs } = await runOnce();
    source.intercept = undefined;
    expect(result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: 30 });
    // Activity retries waited on timers (5 s, 10 s, ...), skipped by the test server.
    expect(skippedMs).toBeGreaterThanOrEqual(5_000);
    expect((await destinationRows(s.destPool)).map((r) => r.id)).toEqual([...source.contacts.keys()].sort());
  });

  it('records FAILURE with the real cause when retries run out, and does not pause', async () => {
    source.intercept = ({ offset }) => (offset === 0 ? { status: 500, json: { error: 'upstream exploded' } } : undefined);
    const { result } = await runOnce();
    source.intercept = undefined;
    expect(result).toMatchObject({ status: 'FAILURE', paused: false });
    const run = await s.api.tdb.db
      .selectFrom('sync_runs')
      .selectAll()
      .where('id', '=', (result as { runId: string }).runId)
      .executeTakeFirstOrThrow();
    expect(run.status).toBe('FAILURE');
    expect(run.error_message).toMatch(/500/);
    expect(run.error_message).toContain('upstream exploded');
    expect((await sync()).paused).toBe(false);
  });

  it('auto-pauses on an authentication error, with the reason and a sync.paused event', async () => {
    source.intercept = () => ({ status: 401, json: { error: 'token revoked' } });
    const { result } = await runOnce();
    source.intercept = undefined;
    expect(result).toMatchObject({ status: 'FAILURE', paused: true });
    const row = await sync();
    expect(row.paused).toBe(true);
    expect(row.pause_reason).toMatch(/401/);
    const events = await s.api.tdb.db.selectFrom('webhook_events').select(['type', 'payload']).where('type', '=', 'sync.paused').execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ pause_reason: row.pause_reason, object: 'contacts', object_type: 'standard' });

    // Paused: the next scheduled run is skipped.
    expect((await runOnce()).result).toEqual({ status: 'skipped', reason: 'paused' });
  });
});
