/**
 * The LISTEN/NOTIFY kick: there is no dispatcher Schedule, only the kick listener can start
 * deliveries, so every delivery here proves it. A committed event is delivered within seconds;
 * a rolled-back one notifies nothing; a burst while a dispatch run is stuck coalesces into
 * exactly one more run; the listener survives its connection being terminated. An event whose
 * notification was lost is delivered by the listener's sweep; the 5 s dispatcher Schedule of
 * earlier versions is deleted on upgrade.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../services/webhooks/events';
import { webhookMessageId } from '../services/webhooks/delivery';
import { deleteLegacyDispatcherSchedule, LEGACY_DISPATCHER_SCHEDULE_ID } from '../services/orchestration/webhook-dispatch';
import { DEFAULT_SWEEP_EVERY_MS, startWebhookKickListener, WEBHOOK_LISTENER_APPLICATION_NAME, type WebhookKickListener } from '../services/webhooks/listener';
import { freePort } from './helpers/ports';
import { ok, startScenario } from './helpers/sync-scenario';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver';
import { waitUntil } from './helpers/worker-process';

let s: Awaited<ReturnType<typeof startScenario>>;
let receiver: WebhookReceiver;
let listener: WebhookKickListener;
let endpointId: string;

beforeAll(async () => {
  [s, receiver] = await Promise.all([startScenario(), startWebhookReceiver()]);
  const ep = await ok(s.tenant.request('POST', '/webhook_endpoints', { body: { url: receiver.url('kick') } }), 201);
  endpointId = ep.id;
  receiver.setSecrets('kick', ep.secret);
  // These tests count dispatch runs: no sweep in between (it has a test of its own, below).
  listener = startWebhookKickListener(s.worker.deps, { databaseUrl: s.api.tdb.url, sweepEveryMs: 3_600_000 });
  await waitUntil(() => listener.stats.listening, 10_000, 'the listener to LISTEN');
});
afterAll(async () => {
  await listener?.close();
  await receiver?.close();
  await s?.close();
});

const db = () => s.api.tdb.db;
const payload = () => ({ customer_id: `c-${randomUUID()}`, provider_id: randomUUID(), category: 'crm', provider_name: 'hubspot', result: 'SUCCESS' });
const commitEvent = () =>
  db()
    .transaction()
    .execute((trx) => recordEvent(trx, s.tenant.applicationId, 'connection.created', payload()));
const deliveredAt = (eventId: string) => receiver.requests('kick').find((r) => r.headers['webhook-id'] === webhookMessageId(eventId, endpointId) && r.status === 200)?.at;

async function deliveryLatency(eventId: string, committedAt: number): Promise<number> {
  await receiver.waitFor(() => deliveredAt(eventId) !== undefined, 10_000, `delivery of ${eventId}`);
  return deliveredAt(eventId)! - committedAt;
}

describe('webhook kick (LISTEN/NOTIFY)', () => {
  it('delivers a committed event within seconds, without the dispatcher schedule', async () => {
    const latencies: number[] = [];
    for (let i = 0; i < 3; i++) {
      const event = await commitEvent();
      latencies.push(await deliveryLatency(event.id, Date.now()));
    }
    console.info(`commit → receiver latency (ms): ${latencies.join(', ')}`);
    // Generous: notified deliveries take well under a second; the sweep here is an hour away.
    for (const ms of latencies) expect(ms).toBeLessThan(4_000);
  });

  it('sends nothing for a rolled-back event, which is never delivered', async () => {
    const before = listener.stats.notifications;
    let rolledBack: { id: string } | undefined;
    await expect(
      db()
        .transaction()
        .execute(async (trx) => {
          rolledBack = await recordEvent(trx, s.tenant.applicationId, 'connection.created', payload());
          throw new Error('roll back');
        }),
    ).rejects.toThrow('roll back');
    // Notifications arrive in commit order: once the marker's has, a rolled-back one would have too.
    const marker = await commitEvent();
    await deliveryLatency(marker.id, Date.now());
    expect(listener.stats.notifications - before).toBe(1);
    expect(await db().selectFrom('webhook_events').select('id').where('id', '=', rolledBack!.id).executeTakeFirst()).toBeUndefined();
    expect(deliveredAt(rolledBack!.id)).toBeUndefined();
  });

  it('coalesces a burst: notifications during a run cause exactly one more run, every event delivered once', async () => {
    // Hold the first kicked run inside dispatchWebhookEvents (its endpoint query waits for this lock)
    // while the burst's notifications arrive; recording events does not touch webhook_endpoints.
    const locker = new pg.Client({ connectionString: s.api.tdb.url });
    await locker.connect();
    const before = { ...listener.stats };
    const requestsBefore = receiver.requests('kick').length;
    let events: Array<{ id: string }>;
    try {
      // Should the test fail midway, the lock still goes away instead of hanging the file.
      await locker.query(`set idle_in_transaction_session_timeout = '20s'`);
      await locker.query('begin');
      await locker.query('lock table webhook_endpoints in access exclusive mode');
      events = [];
      for (let i = 0; i < 20; i++) events.push(await commitEvent());
      await waitUntil(() => listener.stats.notifications - before.notifications === 20, 10_000, 'the burst notifications');
      expect(listener.stats.dispatchRuns - before.dispatchRuns).toBe(1);
      await locker.query('commit');
    } finally {
      await locker.end();
    }
    await receiver.waitFor(() => events.every((e) => deliveredAt(e.id) !== undefined), 30_000, 'every burst event');
    expect(listener.stats.dispatchRuns - before.dispatchRuns).toBe(2);
    const ids = receiver
      .requests('kick')
      .slice(requestsBefore)
      .map((r) => r.headers['webhook-id']);
    expect(ids.sort()).toEqual(events.map((e) => webhookMessageId(e.id, endpointId)).sort());
  });

  it('reconnects after its connection is terminated and still kicks', async () => {
    const connects = listener.stats.connects;
    const { rows } = await pgQuery<{ terminated: boolean }>(
      'select pg_terminate_backend(pid) as terminated from pg_stat_activity where datname = current_database() and application_name = $1',
      [WEBHOOK_LISTENER_APPLICATION_NAME],
    );
    expect(rows).toEqual([{ terminated: true }]);
    await waitUntil(() => listener.stats.connects === connects + 1 && listener.stats.listening, 15_000, 'the listener to reconnect');
    const event = await commitEvent();
    expect(await deliveryLatency(event.id, Date.now())).toBeLessThan(4_000);
  });
  it('delivers an event whose notification was lost through the sweep, within 60 s', async () => {
    // A listener that never gets its LISTEN connection (nothing listens on that port) has only its sweep.
    const sweeper = startWebhookKickListener(s.worker.deps, { databaseUrl: `postgres://postgres:postgres@127.0.0.1:${await freePort()}/none` });
    try {
      const notifications = listener.stats.notifications;
      // The event row without recordEvent's pg_notify: the notification is lost for every listener.
      const event = await db()
        .insertInto('webhook_events')
        .values({ application_id: s.tenant.applicationId, type: 'connection.created', payload: JSON.stringify({ webhook_event_type: 'connection.created', ...payload() }) })
        .returning('id')
        .executeTakeFirstOrThrow();
      const insertedAt = Date.now();
      await receiver.waitFor(() => deliveredAt(event.id) !== undefined, 60_000, `sweep delivery of ${event.id}`);
      const latency = deliveredAt(event.id)! - insertedAt;
      console.info(`lost notification → receiver latency (ms): ${latency} (sweep every ${DEFAULT_SWEEP_EVERY_MS} ms)`);
      expect(latency).toBeLessThan(60_000);
      const request = receiver.requests('kick').find((r) => r.headers['webhook-id'] === webhookMessageId(event.id, endpointId))!;
      expect(request.verified, request.verifyError).toBe(true);
      expect(JSON.parse(request.body)).toMatchObject({ webhook_event_type: 'connection.created' });
      expect(listener.stats.notifications).toBe(notifications);
      expect(sweeper.stats).toMatchObject({ connects: 0, sweeps: 1, dispatchRuns: 1 });
    } finally {
      await sweeper.close();
    }
  }, 90_000);

  it('deletes the 5 s dispatcher schedule of earlier versions at start-up, and when an old worker re-created it', async () => {
    const client = s.worker.client;
    // As earlier versions' startWebhookDispatcher created it (worker processes of other test files may delete it too).
    const createLegacy = (every: number) =>
      client.schedule.create({
        scheduleId: LEGACY_DISPATCHER_SCHEDULE_ID,
        spec: { intervals: [{ every }] },
        action: {
          type: 'startWorkflow',
          workflowType: 'webhookDispatchWorkflow',
          workflowId: LEGACY_DISPATCHER_SCHEDULE_ID,
          taskQueue: s.worker.taskQueue,
          args: [],
          workflowRunTimeout: '5 minutes',
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
      });
    const gone = () =>
      client.schedule
        .getHandle(LEGACY_DISPATCHER_SCHEDULE_ID)
        .describe()
        .then(
          () => false,
          (err) => err instanceof ScheduleNotFoundError,
        );
    await client.schedule
      .getHandle(LEGACY_DISPATCHER_SCHEDULE_ID)
      .delete()
      .catch(() => undefined);

    await createLegacy(3_600_000);
    await deleteLegacyDispatcherSchedule(s.worker.deps);
    expect(await gone()).toBe(true);
    expect(await deleteLegacyDispatcherSchedule(s.worker.deps)).toBe(false);

    // Mid-upgrade an old worker re-creates it: a run it starts, on this version's worker, removes it.
    // The run is started here as the schedule would start it, so no other test file's worker start
    // (which deletes the schedule too) can take the run's place.
    await createLegacy(3_600_000);
    const result = await client.workflow.execute('webhookDispatchWorkflow', { taskQueue: s.worker.taskQueue, workflowId: `legacy-dispatch-${Date.now()}`, args: [] });
    expect(result).toMatchObject({ started: expect.any(Number), skipped: expect.any(Number) });
    expect(await gone()).toBe(true);
  });
});

async function pgQuery<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<T>> {
  const client = new pg.Client({ connectionString: s.api.tdb.url });
  await client.connect();
  try {
    return await client.query<T>(text, values);
  } finally {
    await client.end();
  }
}
