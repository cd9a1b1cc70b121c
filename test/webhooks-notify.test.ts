/**
 * The LISTEN/NOTIFY kick: with no dispatcher Schedule for this file's task queue, only the
 * kick listener can start deliveries, so every delivery here proves it. A committed event is
 * delivered within seconds; a rolled-back one notifies nothing; a burst while a dispatch run
 * is stuck coalesces into exactly one more run; the listener survives its connection being
 * terminated.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../services/events';
import { webhookMessageId } from '../services/webhooks-delivery';
import { startWebhookKickListener, WEBHOOK_LISTENER_APPLICATION_NAME, type WebhookKickListener } from '../services/webhooks-kick';
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
  listener = startWebhookKickListener(s.worker.deps, { databaseUrl: s.api.tdb.url });
  await waitUntil(() => listener.stats.listening, 10_000, 'the listener to LISTEN');
});
afterAll(async () => {
  await listener?.close();
  await receiver?.close();
  await s?.close();
});

const db = () => s.api.tdb.db;
const payload = () => ({ customer_id: `c-${randomUUID()}`, provider_id: randomUUID(), category: 'crm', provider_name: 'hubspot', result: 'SUCCESS' });
const commitEvent = () => db().transaction().execute((trx) => recordEvent(trx, s.tenant.applicationId, 'connection.created', payload()));
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
    // Generous: the schedule's interval is 5 s, and there is no schedule here at all.
    for (const ms of latencies) expect(ms).toBeLessThan(4_000);
  });

  it('sends nothing for a rolled-back event, which is never delivered', async () => {
    const before = listener.stats.notifications;
    let rolledBack: { id: string } | undefined;
    await expect(
      db().transaction().execute(async (trx) => {
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
    const ids = receiver.requests('kick').slice(requestsBefore).map((r) => r.headers['webhook-id']);
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
