/** Schedules, pause/resume/trigger, trigger-during-run, progress query and the reconciler, on the dev server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScheduleSummary } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { searchAttributes } from '../lib/search-attributes';
import { RECONCILER_SCHEDULE_ID, reconcileAllSyncSchedules, startReconciler } from '../services/orchestration/reconciler';
import { deleteSyncSchedule, listSyncSchedules, scheduleIdFor, scheduleOffsetMs, upsertSyncSchedule } from '../services/orchestration/sync-schedules';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, ok, startScenario, waitForRuns } from './helpers/sync-scenario';

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
let customerId: string;
let syncId: string;
const headers = { 'x-customer-id': 'customer-1', 'x-provider-name': 'acme-crm' };
const object = { object_type: 'standard', object: 'contacts' };

beforeAll(async () => {
  s = await startScenario();
  source = await startSourceApi(makeContacts(60));
  const c = await configure(s, source, { pageSize: 10, periodMs: 3_600_000, autoStart: false });
  customerId = c.customerId;
  await c.connect();
  const syncs = await ok(s.tenant.request('GET', '/syncs'));
  expect(syncs.total_count).toBe(1);
  syncId = syncs.results[0].id;
});
afterAll(async () => {
  await source?.close();
  await s?.close();
});

const schedule = () => s.worker.client.schedule.getHandle(scheduleIdFor(syncId)).describe();

describe('sync schedules and controls', () => {
  it('gives each sync one schedule with its interval, a per-connection offset, search attributes and a memo', async () => {
    const desc = await schedule();
    expect(desc.spec.intervals).toEqual([{ every: 3_600_000, offset: scheduleOffsetMs(await connId(), 3_600_000) }]);
    expect(desc.state.paused).toBe(false);
    expect(desc.action).toMatchObject({ type: 'startWorkflow', workflowType: 'syncRunWorkflow', args: [{ syncId }] });
    const attrs = Object.fromEntries(desc.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
    expect(attrs).toMatchObject({
      ApplicationId: s.tenant.applicationId,
      CustomerId: customerId,
      ProviderName: 'acme-crm',
      ObjectType: 'standard',
      Object: 'contacts',
      SyncId: syncId,
    });
    expect(desc.memo?.description).toContain('contacts');
    // auto_start_on_connection false: nothing ran.
    expect((await ok(s.tenant.request('GET', '/sync-runs'))).total_count).toBe(0);
  });

  it('applies sync config changes to the schedule immediately', async () => {
    const cfg = (await ok(s.tenant.request('GET', '/sync_configs')))[0];
    await ok(
      s.tenant.request('PUT', `/sync_configs/${cfg.id}`, { body: { ...cfg, config: { ...cfg.config, default_config: { ...cfg.config.default_config, period_ms: 7_200_000 } } } }),
    );
    expect((await schedule()).spec.intervals?.[0]?.every).toBe(7_200_000);
  });

  it('pauses and resumes durably and immediately; a paused sync refuses triggers and never starts a run', async () => {
    const paused = await ok(s.tenant.request('POST', '/syncs/_pause', { headers, body: object }));
    expect(paused).toMatchObject({ id: syncId, paused: true });
    expect((await schedule()).state.paused).toBe(true);
    const refused = await s.tenant.request('POST', '/syncs/_trigger', { headers, body: object });
    expect(refused.status).toBe(409);

    // Even a run started behind the API's back (a schedule that drifted) skips a paused sync.
    const result = await s.worker.run(() =>
      s.worker.client.workflow.execute('syncRunWorkflow', { taskQueue: s.worker.taskQueue, workflowId: `manual-${syncId}`, args: [{ syncId }] }),
    );
    expect(result).toEqual({ status: 'skipped', reason: 'paused' });
    expect((await ok(s.tenant.request('GET', '/sync-runs'))).total_count).toBe(0);

    const resumed = await ok(s.tenant.request('POST', '/syncs/_resume', { headers, body: object }));
    expect(resumed).toMatchObject({ paused: false });
    expect((await schedule()).state.paused).toBe(false);
  });

  it('runs a trigger that arrives during a run after it, and answers a live progress query', async () => {
    let slow = true;
    await s.worker.run(async () => {
      source.intercept = async () => {
        if (slow) await new Promise((r) => setTimeout(r, 250));
        return undefined;
      };
      await ok(s.tenant.request('POST', '/syncs/_trigger', { headers, body: object }));
      // Wait for the first run to be under way, then trigger again.
      let running: string | undefined;
      for (let i = 0; i < 100 && !running; i++) {
        running = (await schedule()).info.runningActions[0]?.workflow.workflowId;
        if (!running) await new Promise((r) => setTimeout(r, 100));
      }
      expect(running).toBeDefined();
      await ok(s.tenant.request('POST', '/syncs/_trigger', { headers, body: object }));
      const progress = await s.worker.client.workflow.getHandle(running!).query<{ phase: string; records: number; strategy: string }>('progress');
      expect(['starting', 'syncing', 'finishing']).toContain(progress.phase);
      slow = false;

      const all = await waitForRuns(s.tenant, customerId, 2, 60_000);
      const [second, first] = all;
      expect(first!.status).toBe('SUCCESS');
      expect(second!.status).toBe('SUCCESS');
      expect(Date.parse(second!.start_timestamp)).toBeGreaterThanOrEqual(Date.parse((first as { end_timestamp?: string }).end_timestamp ?? first!.start_timestamp));
      expect(first!.num_records_synced).toBe(60);
    });
    source.intercept = undefined;
  });

  it('gives an auto-started sync no scheduled tick within half a period of its first run, also after updates', async () => {
    const client = s.worker.client;
    const spec = {
      syncId: '11111111-1111-1111-1111-111111111111',
      applicationId: s.tenant.applicationId,
      connectionId: await connId(),
      customerId,
      providerName: 'acme-crm',
      objectType: 'standard',
      object: 'startat-probe',
      periodMs: 600_000,
      paused: true,
    };
    const before = Date.now();
    try {
      expect(await upsertSyncSchedule(client, s.worker.taskQueue, { ...spec, startedNow: true })).toBe('created');
      const created = await client.schedule.getHandle(scheduleIdFor(spec.syncId)).describe();
      expect(created.spec.startAt!.getTime()).toBeGreaterThanOrEqual(before + 300_000);
      // A later reconcile (no start now) keeps the gap instead of dropping it.
      expect(await upsertSyncSchedule(client, s.worker.taskQueue, { ...spec, paused: false })).toBe('updated');
      const updated = await client.schedule.getHandle(scheduleIdFor(spec.syncId)).describe();
      expect(updated.spec.startAt).toEqual(created.spec.startAt);
      expect(updated.info.nextActionTimes.length).toBeGreaterThan(0);
      for (const t of updated.info.nextActionTimes) expect(t.getTime()).toBeGreaterThanOrEqual(created.spec.startAt!.getTime());
    } finally {
      await deleteSyncSchedule(client, spec.syncId);
    }
  });

  it('reconciles drift: missing schedules come back, wrong pause state is fixed, orphans are deleted; what matches costs no call', async () => {
    const client = s.worker.client;
    const orphan = '00000000-0000-0000-0000-000000000000';
    // The reconciler reads the schedule list, which Temporal's visibility updates asynchronously:
    // wait for it to show each change, as a later reconcile would see it.
    const listedAs = async (want: (m: Map<string, ScheduleSummary>) => boolean) => {
      for (const deadline = Date.now() + 30_000; ; ) {
        if (want(await listSyncSchedules(client, new Set([s.tenant.applicationId])))) return;
        if (Date.now() > deadline) throw new Error('the schedule list never showed the change');
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await client.schedule.getHandle(scheduleIdFor(syncId)).delete();
    await s.api.tdb.db.updateTable('syncs').set({ paused: true }).where('id', '=', syncId).execute(); // paused in the DB only
    await client.schedule.create({
      scheduleId: scheduleIdFor(orphan),
      spec: { intervals: [{ every: '1 hour' }] },
      action: { type: 'startWorkflow', workflowType: 'syncRunWorkflow', taskQueue: s.worker.taskQueue, args: [{ syncId: 'gone' }] },
      typedSearchAttributes: new TypedSearchAttributes([{ key: searchAttributes.applicationId, value: s.tenant.applicationId }]),
      state: { paused: true },
    });
    await listedAs((m) => !m.has(syncId) && m.has(orphan));
    expect(await reconcileAllSyncSchedules({ ...s.worker.deps })).toEqual({ upserted: 1, unchanged: 0, deleted: 1 });
    expect((await schedule()).state.paused).toBe(true);
    await expect(client.schedule.getHandle(scheduleIdFor(orphan)).describe()).rejects.toThrow();

    // Idempotent, and a schedule that matches is left alone.
    await listedAs((m) => m.get(syncId)?.state.paused === true && !m.has(orphan));
    expect(await reconcileAllSyncSchedules({ ...s.worker.deps })).toEqual({ upserted: 0, unchanged: 1, deleted: 0 });

    // Drift the list does show (resumed behind the database's back) is repaired.
    await client.schedule.getHandle(scheduleIdFor(syncId)).unpause('by hand');
    await listedAs((m) => m.get(syncId)?.state.paused === false);
    expect(await reconcileAllSyncSchedules({ ...s.worker.deps })).toEqual({ upserted: 1, unchanged: 0, deleted: 0 });
    expect((await schedule()).state.paused).toBe(true);
    // force re-applies everything (what the list cannot show, e.g. the task queue).
    expect(await reconcileAllSyncSchedules({ ...s.worker.deps }, { force: true })).toEqual({ upserted: 1, unchanged: 0, deleted: 0 });
  });
});

describe('reconciler start-up', () => {
  it('re-applies every sync schedule when the worker task queue changed (the list cannot show it)', async () => {
    const other = `${s.worker.taskQueue}-moved`;
    const action = async () => (await schedule()).action as { taskQueue: string };
    try {
      await startReconciler({ ...s.worker.deps, temporal: { ...s.worker.deps.temporal, taskQueue: other } });
      expect((await action()).taskQueue).toBe(other);
    } finally {
      await startReconciler({ ...s.worker.deps });
    }
    expect((await action()).taskQueue).toBe(s.worker.taskQueue);
  });

  it('moves the reconciler schedule of an earlier version (every 10 min) to hourly', async () => {
    const every = async () => (await s.worker.client.schedule.getHandle(RECONCILER_SCHEDULE_ID).describe()).spec.intervals?.map((i) => i.every);
    await startReconciler({ ...s.worker.deps }, 10 * 60_000);
    expect(await every()).toEqual([10 * 60_000]);
    await startReconciler({ ...s.worker.deps });
    expect(await every()).toEqual([60 * 60_000]);
  });
});

async function connId(): Promise<string> {
  const row = await s.api.tdb.db.selectFrom('syncs').select('connection_id').where('id', '=', syncId).executeTakeFirstOrThrow();
  return row.connection_id;
}
