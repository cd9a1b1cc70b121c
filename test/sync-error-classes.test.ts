/**
 * Each kind of failure a sync run meets, end to end: what the run records, how many attempts the
 * chunk made (from the workflow history, and from what the source API or the receiver got) and
 * whether the sync paused. On the time-skipping test server, as sync-retries.test.ts: a wrongly
 * retried failure shows as attempts instead of minutes of backoff. Rows are set up through the API.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHttpRuntime } from '../providers/runtime';
import { createWorker } from '../runtime/worker';
import type { SyncRunResult } from '../workflows/sync-run';
import { startApiReceiver, type ApiReceiver } from './helpers/http-api-simulator';
import { composeForTest } from './helpers/compose';
import { postgresDestinationConfig } from './helpers/db';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, destinationRows, ok, startScenario } from './helpers/sync-scenario';
import { workflowBundle } from './helpers/temporal';

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
let receiver: ApiReceiver;
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  [s, env, receiver] = await Promise.all([
    startScenario(),
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('testServerPath') } } }),
    startApiReceiver(),
  ]);
  source = await startSourceApi(makeContacts(30));
});
afterAll(async () => {
  await receiver?.close();
  await source?.close();
  await env?.teardown();
  await s?.close();
});

/** The scenario's Postgres database, under a name of the provider's own (destination names are unique). */
function postgresDestination(providerName: string) {
  return { type: 'postgres', name: `warehouse-${providerName}`, config: postgresDestinationConfig(s.dest.url) };
}

/** A customer of its own connected to `providerName` (pages of 10 contacts: 3 pages), its sync not started. */
async function connectedSync(providerName: string, destination: { type: string; name: string; config: Record<string, unknown> } = postgresDestination(providerName)) {
  const customerId = `cust-${providerName}`;
  const c = await configure(s, source, { customerId, providerName, pageSize: 10, autoStart: false, destination });
  await c.connect();
  const row = await s.api.tdb.db
    .selectFrom('syncs')
    .innerJoin('connections', 'connections.id', 'syncs.connection_id')
    .select('syncs.id')
    .where('connections.provider_name', '=', providerName)
    .executeTakeFirstOrThrow();
  return { customerId, providerName, syncId: row.id };
}

/** One run of the sync on a fresh worker; the attempts each syncChunk activity made. */
async function runSync(syncId: string, opts: { batchRecords?: number } = {}) {
  const taskQueue = `errors-${randomUUID()}`;
  const root = await composeForTest({
    db: s.api.tdb.db,
    taskQueue,
    temporal: env,
    activities: {
      // Two quick in-request attempts, so activity-level retries (on skipped timers) are what a test sees.
      httpRuntime: createHttpRuntime({ maxRateLimitAttempts: 2, maxTransientAttempts: 2, backoff: { baseMs: 5, maxMs: 20 } }),
      batchRecords: opts.batchRecords,
    },
  });
  const worker = await createWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    deps: root.activities,
    workflowBundle: await workflowBundle(),
  });
  const workflowId = `run-${randomUUID()}`;
  try {
    const result: SyncRunResult = await worker.runUntil(env.client.workflow.execute('syncRunWorkflow', { taskQueue, workflowId, args: [{ syncId }] }));
    return { result, chunkAttempts: await chunkAttempts(workflowId) };
  } finally {
    await root.close();
  }
}

/** Temporal records an activity's started event once, with the attempt that ended it. */
async function chunkAttempts(workflowId: string): Promise<number[]> {
  const events = (await env.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const chunkScheduled = new Set(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'syncChunk').map((e) => String(e.eventId)));
  return events.flatMap((e) => {
    const started = e.activityTaskStartedEventAttributes;
    return started && chunkScheduled.has(String(started.scheduledEventId)) ? [started.attempt ?? 0] : [];
  });
}

const runRow = (runId: string) => s.api.tdb.db.selectFrom('sync_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
const syncRow = (syncId: string) => s.api.tdb.db.selectFrom('syncs').selectAll().where('id', '=', syncId).executeTakeFirst();
const runIdOf = (result: SyncRunResult) => (result as { runId: string }).runId;

describe('sync failures by kind', () => {
  it("a provider's 401 fails the run on its first attempt with the provider's reason and pauses the sync", async () => {
    const { syncId } = await connectedSync('auth-crm');
    const before = source.contactRequests();
    source.intercept = () => ({ status: 401, json: { error: 'token revoked by the admin' } });
    const { result, chunkAttempts } = await runSync(syncId).finally(() => (source.intercept = undefined));

    expect(result).toMatchObject({ status: 'FAILURE', paused: true });
    expect(chunkAttempts).toEqual([1]);
    expect(source.contactRequests() - before).toBe(1);
    const run = await runRow(runIdOf(result));
    expect(run.status).toBe('FAILURE');
    expect(run.error_message).toMatch(/401/);
    expect(run.error_message).toContain('token revoked by the admin');
    expect(await syncRow(syncId)).toMatchObject({ paused: true, pause_reason: run.error_message });
  });

  it("a provider's 500 is retried and the run succeeds with every record", async () => {
    const { syncId } = await connectedSync('flaky-crm');
    const before = source.contactRequests();
    // Both in-request attempts of the first page fail: the activity's own retry is what recovers.
    let failures = 0;
    source.intercept = () => (failures++ < 2 ? { status: 500, json: { error: 'upstream hiccup' } } : undefined);
    const { result, chunkAttempts } = await runSync(syncId).finally(() => (source.intercept = undefined));

    expect(result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: 30 });
    expect(chunkAttempts).toEqual([2]);
    expect(source.contactRequests() - before).toBe(2 + 3);
    expect((await runRow(runIdOf(result))).error_message).toBeNull();
    expect((await destinationRows(s.destPool, 'flaky_crm_contacts')).map((r) => r.id)).toEqual([...source.contacts.keys()].sort());
    expect(await syncRow(syncId)).toMatchObject({ paused: false });
  });

  it('a value the Postgres destination rejects fails the run after exactly one attempt, without pausing', async () => {
    const { syncId } = await connectedSync('checked-crm');
    // The application's own table, with a rule one record breaks (23514 check_violation).
    await s.destPool.query(`CREATE TABLE public.checked_crm_contacts (
      _supaglue_application_id text, _supaglue_provider_name text, _supaglue_customer_id text,
      _supaglue_id text CONSTRAINT no_contact_7 CHECK (_supaglue_id <> 'c-000007'),
      _supaglue_emitted_at timestamptz, _supaglue_last_modified_at timestamptz, _supaglue_is_deleted boolean,
      _supaglue_raw_data jsonb, _supaglue_mapped_data jsonb,
      PRIMARY KEY (_supaglue_application_id, _supaglue_provider_name, _supaglue_customer_id, _supaglue_id))`);
    const before = source.contactRequests();
    const { result, chunkAttempts } = await runSync(syncId);

    expect(result).toMatchObject({ status: 'FAILURE', paused: false });
    expect(chunkAttempts).toEqual([1]);
    // One attempt reads the three pages once, then the batch is refused.
    expect(source.contactRequests() - before).toBe(3);
    const run = await runRow(runIdOf(result));
    expect(run.error_message).toMatch(
      /^Postgres rejected a value in writing batch 1 of run \S+ to table "public"\."checked_crm_contacts": .*check constraint "no_contact_7" \(23514\)$/,
    );
    expect(await syncRow(syncId)).toMatchObject({ paused: false });
    expect(await destinationRows(s.destPool, 'checked_crm_contacts')).toEqual([]);
  });

  it('an HTTP API destination answering 400 fails the run after one attempt, naming its reason', async () => {
    const { syncId } = await connectedSync('api-crm', { type: 'api', name: 'receiver', config: { url: `${receiver.url}/ingest` } });
    const before = receiver.requests.length;
    receiver.respondWith({ status: 400, headers: { 'content-type': 'application/json' }, body: '{"error":"field email must be a work address"}' });
    const { result, chunkAttempts } = await runSync(syncId);

    expect(result).toMatchObject({ status: 'FAILURE', paused: false });
    expect(chunkAttempts).toEqual([1]);
    expect(receiver.requests.slice(before).map((r) => r.path)).toEqual(['/ingest']);
    const run = await runRow(runIdOf(result));
    expect(run.error_message).toMatch(/^HTTP API destination answered 400 Bad Request: \{"error":"field email must be a work address"\}/);
    expect(await syncRow(syncId)).toMatchObject({ paused: false });
  });

  it('a sync deleted during its run stops the run at once instead of retrying', async () => {
    const { customerId, providerName, syncId } = await connectedSync('doomed-crm');
    // Hold the second page until the customer's connection (and with it the sync and its run) is deleted.
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    source.intercept = async ({ offset }) => {
      if (offset !== 10) return undefined;
      holding();
      await released;
      return undefined;
    };
    const running = runSync(syncId, { batchRecords: 10 });
    await held;
    await ok(s.tenant.request('DELETE', `/customers/${customerId}/connections/${providerName}`), 204);
    expect(await syncRow(syncId)).toBeUndefined();
    release();
    const { result, chunkAttempts } = await running.finally(() => (source.intercept = undefined));

    expect(result).toMatchObject({ status: 'FAILURE', paused: false, error: expect.stringMatching(/^sync run \S+ no longer exists: its sync was deleted during the run$/) });
    expect(chunkAttempts).toEqual([1]);
    expect(await s.api.tdb.db.selectFrom('sync_runs').select('id').where('sync_id', '=', syncId).execute()).toEqual([]);
  });
});
