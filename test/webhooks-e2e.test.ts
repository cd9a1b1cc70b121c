/**
 * Webhooks end to end on the Temporal dev server: connect → sync → auto-pause → delete,
 * every event delivered (started by the worker's kick listener) to a real receiver, signed, matching the
 * reference spec's webhook schemas; the event log agrees; a worker stopped mid-delivery
 * loses nothing, and neither does a worker process SIGKILLed mid-delivery.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookActivityDeps } from '../activities/webhooks';
import { recordEvent } from '../services/webhooks/events';
import { webhookMessageId } from '../services/webhooks/delivery';
import { deliveryWorkflowId, dispatchWebhookEvents } from '../services/orchestration/webhook-dispatch';
import { startWebhookKickListener } from '../services/webhooks/listener';
import type { EndpointDeliveryResult } from '../workflows/webhook-delivery';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, ok, startScenario, waitForRuns } from './helpers/sync-scenario';
import { startDevServerWorker } from './helpers/temporal';
import { startWebhookReceiver, webhookPayloadProblems, type WebhookReceiver } from './helpers/webhook-receiver';
import { createWorkerProcesses, waitUntil } from './helpers/worker-process';

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
let receiver: WebhookReceiver;

beforeAll(async () => {
  [s, source, receiver] = await Promise.all([startScenario(), startSourceApi(makeContacts(30)), startWebhookReceiver()]);
});
afterAll(async () => {
  await receiver?.close();
  await source?.close();
  await s?.close();
});

type LoggedEvent = { id: string; type: string; payload: Record<string, any>; created_at: string };

async function eventLog(pageSize = 2): Promise<LoggedEvent[]> {
  const all: LoggedEvent[] = [];
  let after = '';
  for (;;) {
    const page = await ok(s.tenant.request('GET', `/webhook_events?page_size=${pageSize}${after ? `&after=${after}` : ''}`));
    all.push(...page.results);
    if (!page.next) return all;
    after = page.next;
  }
}

describe('webhooks end to end', () => {
  it('delivers every event of connect → sync → auto-pause → delete exactly once (after dedupe), signed and as the spec defines', async () => {
    const all = await ok(s.tenant.request('POST', '/webhook_endpoints', { body: { url: receiver.url('all'), description: 'everything' } }), 201);
    const syncs = await ok(s.tenant.request('POST', '/webhook_endpoints', { body: { url: receiver.url('syncs'), event_types: ['sync.complete'] } }), 201);
    receiver.setSecrets('all', all.secret);
    receiver.setSecrets('syncs', syncs.secret);
    // The first request to each route fails: delivery retries (5 s later), receivers dedupe.
    receiver.respond('all', (_r, n) => (n === 1 ? 500 : 200));

    const { connect, customerId, providerName } = await configure(s, source, { pageSize: 10 });
    const listener = startWebhookKickListener(s.worker.deps, { databaseUrl: s.api.tdb.url });
    await s.worker
      .run(async () => {
        await connect();
        const [first] = await waitForRuns(s.tenant, customerId, 1);
        expect(first).toMatchObject({ status: 'SUCCESS', num_records_synced: 30 });

        // The source starts refusing our key: the run fails and the sync pauses itself.
        source.intercept = () => ({ status: 401, json: { error: 'revoked' } });
        await ok(
          s.tenant.request('POST', '/syncs/_trigger', {
            headers: { 'x-customer-id': customerId, 'x-provider-name': providerName },
            body: { object_type: 'standard', object: 'contacts' },
          }),
        );
        const [second] = await waitForRuns(s.tenant, customerId, 2);
        expect(second).toMatchObject({ status: 'FAILURE' });
        await ok(s.tenant.request('DELETE', `/customers/${customerId}/connections/${providerName}`), 204);

        const expected = ['connection.created', 'sync.complete', 'sync.paused', 'sync.complete', 'connection.deleted'];
        await receiver.waitFor(() => receiver.accepted('all').length >= expected.length && receiver.accepted('syncs').length >= 2, 60_000, 'every event at the receiver');
      })
      .finally(() => listener.close());

    // (d) The event log: every event, in order, paged by cursor.
    const log = await eventLog(2);
    expect(log.map((e) => e.type)).toEqual(['connection.created', 'sync.complete', 'sync.paused', 'sync.complete', 'connection.deleted']);
    expect(log.map((e) => e.payload.result)).toEqual(['SUCCESS', 'SUCCESS', undefined, 'ERROR', 'SUCCESS']);
    expect(await eventLog(100)).toEqual(log);

    // Every request verified; after dedupe on webhook-id, each event exactly once, body = the logged payload.
    expect(receiver.requests().length).toBeGreaterThan(log.length);
    for (const r of receiver.requests()) {
      expect(r.verified, r.verifyError).toBe(true);
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(r.headers['user-agent']).toMatch(/^Syncwell-Webhooks/);
    }
    const accepted = receiver.accepted('all');
    expect(accepted).toHaveLength(log.length);
    const byId = new Map(accepted.map((a) => [a.id, a.body]));
    for (const e of log) expect(byId.get(webhookMessageId(e.id, all.id))).toEqual(e.payload);
    // The failed first request was retried with the same webhook-id.
    const firstRequest = receiver.requests('all')[0]!;
    expect(firstRequest.status).toBe(500);
    expect(
      receiver
        .requests('all')
        .filter((r) => r.headers['webhook-id'] === firstRequest.headers['webhook-id'])
        .map((r) => r.status),
    ).toEqual([500, 200]);

    // The filtered endpoint got the sync.complete events only.
    const syncEvents = log.filter((e) => e.type === 'sync.complete');
    expect(
      receiver
        .accepted('syncs')
        .map((a) => a.id)
        .sort(),
    ).toEqual(syncEvents.map((e) => webhookMessageId(e.id, syncs.id)).sort());
    expect(receiver.requests('syncs')).toHaveLength(2);

    // The bodies are the spec's webhook payloads.
    for (const e of log) expect(webhookPayloadProblems(e.type, e.payload), `${e.type}: ${JSON.stringify(e.payload)}`).toEqual([]);
    expect(log[1]!.payload).toMatchObject({
      webhook_event_type: 'sync.complete',
      customer_id: customerId,
      provider_name: providerName,
      type: 'object',
      object_type: 'standard',
      object: 'contacts',
      num_records_synced: 30,
    });
    expect(log[1]!.payload.error_message).toBeUndefined();
    expect(log[2]!.payload).toMatchObject({ webhook_event_type: 'sync.paused', pause_reason: expect.any(String) });

    // Attempts are listed per event.
    const retried = log.find((e) => webhookMessageId(e.id, all.id) === firstRequest.headers['webhook-id'])!;
    const attempts = await ok(s.tenant.request('GET', `/webhook_events/${retried.id}/deliveries`));
    expect(attempts.results.filter((d: { endpoint_id: string }) => d.endpoint_id === all.id)).toEqual([
      expect.objectContaining({ attempt: 1, status_code: 500, success: false, error: 'HTTP 500', workflow_id: deliveryWorkflowId(retried.id) }),
      expect.objectContaining({ attempt: 2, status_code: 200, success: true, error: null }),
    ]);

    // Redelivery: a new series with the same webhook-id.
    const before = receiver.requests('all').length;
    const redelivery = await ok(s.tenant.request('POST', `/webhook_events/${log[0]!.id}/_redeliver`), 202);
    expect(redelivery.workflow_id).toMatch(new RegExp(`^webhook:${log[0]!.id}:redeliver:`));
    await s.worker.run(() => s.worker.client.workflow.getHandle(redelivery.workflow_id).result());
    const again = receiver.requests('all').slice(before);
    expect(again.map((r) => [r.headers['webhook-id'], r.status])).toEqual([[webhookMessageId(log[0]!.id, all.id), 200]]);
    const deliveries = await ok(s.tenant.request('GET', `/webhook_events/${log[0]!.id}/deliveries`));
    expect(deliveries.results.map((d: { workflow_id: string }) => d.workflow_id)).toContain(redelivery.workflow_id);
  });

  it('loses nothing when the worker stops in the middle of a delivery', async () => {
    const ep = await ok(s.tenant.request('POST', '/webhook_endpoints', { body: { url: receiver.url('restart'), event_types: ['connection.created'] } }), 201);
    receiver.setSecrets('restart', ep.secret);
    // The first request hangs (the worker is stopped while waiting for it); later ones succeed.
    receiver.respond('restart', (_r, n) => (n === 1 ? 'hang' : 200));
    const event = await recordEvent(s.api.tdb.db, s.tenant.applicationId, 'connection.created', {
      customer_id: 'c-restart',
      provider_id: randomUUID(),
      category: 'crm',
      provider_name: 'hubspot',
      result: 'SUCCESS',
    });
    expect((await dispatchWebhookEvents(s.worker.deps)).started).toBeGreaterThanOrEqual(1);
    const handle = s.worker.client.workflow.getHandle(deliveryWorkflowId(event.id));

    const first = await startDevServerWorker({ db: s.api.tdb.db, taskQueue: s.worker.taskQueue });
    // A shorter per-attempt timeout for this worker: its shutdown waits for the attempt in flight.
    (first.deps as WebhookActivityDeps).webhookTimeoutMs = 2000;
    try {
      await first.run(() => receiver.waitFor(() => receiver.requests('restart').length === 1, 30_000, 'the first attempt'));
    } finally {
      await first.close();
    }

    const second = await startDevServerWorker({ db: s.api.tdb.db, taskQueue: s.worker.taskQueue });
    try {
      const result = (await second.run(() => handle.result())) as EndpointDeliveryResult[];
      expect(result).toContainEqual({ endpointId: ep.id, outcome: 'delivered', attempts: 2 });
    } finally {
      await second.close();
    }
    const accepted = receiver.accepted('restart');
    expect(accepted.map((a) => a.id)).toEqual([webhookMessageId(event.id, ep.id)]);
    expect(receiver.requests('restart').every((r) => r.verified)).toBe(true);
    const rows = await ok(s.tenant.request('GET', `/webhook_events/${event.id}/deliveries`));
    const mine = rows.results.filter((d: { endpoint_id: string }) => d.endpoint_id === ep.id);
    expect(mine).toEqual([
      expect.objectContaining({ attempt: 1, success: false, status_code: null, error: expect.stringMatching(/timed out|aborted|did not complete/) }),
      expect.objectContaining({ attempt: 2, success: true, status_code: 200 }),
    ]);
  });

  it('loses nothing when the worker process is SIGKILLed while the receiver holds the first request open', async () => {
    // Real `npm run worker` processes on a task queue of their own: the in-test worker
    // (s.worker, which polls its own queue the whole file) never sees this delivery.
    const taskQueue = `webhook-kill-${randomUUID()}`;
    const workers = await createWorkerProcesses({ databaseUrl: s.api.tdb.url, taskQueue });
    try {
      // Only this test's endpoint: the earlier tests' endpoints would get the event too, and
      // the kill would cut their attempts at random points.
      for (const e of await ok(s.tenant.request('GET', '/webhook_endpoints'))) await ok(s.tenant.request('DELETE', `/webhook_endpoints/${e.id}`), 204);
      const ep = await ok(s.tenant.request('POST', '/webhook_endpoints', { body: { url: receiver.url('kill'), event_types: ['connection.created'] } }), 201);
      receiver.setSecrets('kill', ep.secret);
      // The first request is held open until the worker dies (its socket closes with the
      // process); later ones succeed.
      receiver.respond('kill', (_r, n) => (n === 1 ? 'hang' : 200));
      // In the outbox before any worker runs: a worker process dispatches pending events once
      // its listener is up (services/webhooks/listener.ts), starting the delivery workflow on its own queue.
      const payload = { customer_id: 'c-kill', provider_id: randomUUID(), category: 'crm', provider_name: 'hubspot', result: 'SUCCESS' };
      const event = await recordEvent(s.api.tdb.db, s.tenant.applicationId, 'connection.created', payload);
      const msgId = webhookMessageId(event.id, ep.id);

      const first = workers.start();
      await waitUntil(
        () => receiver.requests('kill').length === 1,
        60_000,
        'the first attempt at the receiver',
        () => workers.logs(),
      );
      const handle = s.worker.client.workflow.getHandle(deliveryWorkflowId(event.id));
      expect((await handle.describe()).taskQueue).toBe(taskQueue);
      // Killed well within the 10 s per-attempt HTTP timeout: the attempt never completes,
      // never records itself, never reports to Temporal.
      workers.kill(first);
      const killedAt = Date.now();
      await waitUntil(() => first.exitCode !== null || first.signalCode !== null, 10_000, 'the killed worker to exit');
      expect(first.signalCode).toBe('SIGKILL');
      expect(receiver.requests('kill')[0]!.status).toBeUndefined();

      // Recovery. The attempt activity heartbeats every second with a 5 s heartbeat timeout, so
      // Temporal notices the dead worker within 5 s; the workflow then records the attempt as
      // lost, waits the first retry delay (5 s) and sends attempt 2 from whichever worker polls
      // the queue: ~10 s after the kill. Start the next worker now: it is ready by then.
      const second = workers.start();
      const result = (await handle.result()) as EndpointDeliveryResult[];
      const recoveredAfterMs = receiver.requests('kill')[1]!.at - killedAt;
      workers.kill(second);
      expect(result).toEqual([{ endpointId: ep.id, outcome: 'delivered', attempts: 2 }]);
      // Recovery is bounded by the heartbeat timeout and the first retry delay, not by the
      // 30 s start-to-close timeout (35 s before the attempt heartbeated).
      expect(recoveredAfterMs).toBeLessThan(25_000);

      // The receiver: two requests with the same webhook-id, both signed; the first was cut
      // off by the kill, the second acknowledged: exactly one delivery after dedupe.
      const requests = receiver.requests('kill');
      expect(requests.map((r) => [r.headers['webhook-id'], r.status])).toEqual([
        [msgId, undefined],
        [msgId, 200],
      ]);
      for (const r of requests) expect(r.verified, r.verifyError).toBe(true);
      expect(receiver.accepted('kill')).toEqual([{ id: msgId, body: { webhook_event_type: 'connection.created', ...payload }, request: requests[1] }]);

      // The deliveries log. What the product guarantees: every attempt number has exactly one
      // row (unique on workflow, endpoint, attempt; inserts are ON CONFLICT DO NOTHING), the
      // killed one included. The attempt activity records itself after the HTTP exchange; if
      // the worker dies before that insert (here: while the receiver held the request), the
      // workflow's recordLostWebhookAttempt records it once the activity has timed out, as a
      // failure without a status code. (Had the kill landed after the receiver answered but
      // before the insert, that row would say "did not complete" although the receiver got the
      // request: delivery is at least once, and receivers dedupe on webhook-id.)
      const rows = await ok(s.tenant.request('GET', `/webhook_events/${event.id}/deliveries`));
      expect(rows.results).toEqual([
        expect.objectContaining({
          endpoint_id: ep.id,
          workflow_id: deliveryWorkflowId(event.id),
          attempt: 1,
          success: false,
          status_code: null,
          error: expect.stringMatching(/^attempt did not complete: .*heartbeat/i),
        }),
        expect.objectContaining({ endpoint_id: ep.id, workflow_id: deliveryWorkflowId(event.id), attempt: 2, success: true, status_code: 200, error: null }),
      ]);
    } finally {
      await workers.close();
    }
  }, 150_000);
});
