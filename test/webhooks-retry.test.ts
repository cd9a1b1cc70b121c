/**
 * Delivery under the time-skipping test server: a receiver that is down for a day gets
 * every event once it is back, on the exact retry schedule, across a worker restart;
 * a 410 disables the endpoint at once.
 */
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createActivities, type ActivityDeps } from '../activities';
import { insertApplication } from '../db/repositories/applications';
import type { Composition } from '../runtime/compose';
import { recordEvent } from '../services/webhooks/events';
import { createWebhookEndpoint, getWebhookEndpoint } from '../services/webhooks/endpoints';
import { webhookMessageId } from '../services/webhooks/delivery';
import { deliveryWorkflowId, dispatchWebhookEvents } from '../services/orchestration/webhook-dispatch';
import { WEBHOOK_RETRY_DELAYS_MS, type EndpointDeliveryResult } from '../workflows/webhook-delivery';
import { composeForTest } from './helpers/compose';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { uniqueTaskQueue, workflowBundle } from './helpers/temporal';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver';

let env: TestWorkflowEnvironment;
let tdb: TestDatabase;
let receiver: WebhookReceiver;
let appId: string;
let root: Composition;
let deps: ActivityDeps;

const HOUR = 3600_000;

beforeAll(async () => {
  [env, tdb, receiver] = await Promise.all([
    TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: inject('testServerPath') } } }),
    createTestDatabase(),
    startWebhookReceiver(),
  ]);
  appId = (await insertApplication(tdb.db, { name: 'hooks', api_key_hash: randomUUID() })).id;
  const taskQueue = uniqueTaskQueue('webhooks');
  root = await composeForTest({ db: tdb.db, taskQueue, temporal: env });
  deps = root.activities;
});
afterAll(async () => {
  await root?.close();
  await receiver?.close();
  await env?.teardown();
  await tdb?.destroy();
});

/**
 * A worker of our workflows and activities. No workflow cache: the test server does not
 * move a stopped worker's sticky tasks back to the shared queue, a real cluster does.
 */
const newWorker = async (): Promise<Worker> =>
  Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: deps.temporal.taskQueue,
    activities: createActivities(deps),
    workflowBundle: await workflowBundle(),
    maxCachedWorkflows: 0,
  });

const connectionEvent = (n: number) => ({ customer_id: `customer-${n}`, provider_id: randomUUID(), category: 'crm', provider_name: 'hubspot', result: 'SUCCESS' });

describe('webhook delivery with retries (time-skipping)', () => {
  it('delivers every event after a day-long outage, on the retry schedule, across a worker restart; 410 disables', async () => {
    const down = await createWebhookEndpoint(deps, appId, { url: receiver.url('down') });
    const gone = await createWebhookEndpoint(deps, appId, { url: receiver.url('gone') });
    receiver.setSecrets('down', down.secret);
    receiver.setSecrets('gone', gone.secret);
    receiver.respond('gone', () => 410);

    const t0 = await env.currentTimeMs();
    // Down (503) for a day of workflow time, then back.
    receiver.respond('down', async () => ((await env.currentTimeMs()) - t0 < 24 * HOUR ? 503 : 200));

    const e1 = await recordEvent(tdb.db, appId, 'connection.created', connectionEvent(1));
    const e2 = await recordEvent(tdb.db, appId, 'connection.created', connectionEvent(2));
    expect(await dispatchWebhookEvents(deps)).toEqual({ started: 2, skipped: 0 });
    // Idempotent: nothing left to dispatch, and starting again is refused by id.
    expect(await dispatchWebhookEvents(deps)).toEqual({ started: 0, skipped: 0 });
    const handles = [e1, e2].map((e) => env.client.workflow.getHandle(deliveryWorkflowId(e.id)));

    // The first worker handles the first hour of attempts, then goes away (a restart).
    const first = await newWorker();
    await first.runUntil(env.sleep('1 hour'));
    const early = await tdb.db.selectFrom('webhook_deliveries').select(['event_id', 'endpoint_id', 'attempt', 'status_code']).where('endpoint_id', '=', down.id).execute();
    expect(early.length).toBeGreaterThanOrEqual(2 * 5);
    expect(early.every((d) => d.status_code === 503)).toBe(true);
    expect(receiver.accepted('down')).toEqual([]);

    // A new worker picks the workflows up where their timers are; the results wait skip the day.
    const second = await newWorker();
    // One result wait at a time: each unlocks time skipping, and concurrent unlocks would let time
    // skip while tasks are in flight.
    const results = await second.runUntil(async () => {
      const out: EndpointDeliveryResult[][] = [];
      for (const h of handles) out.push((await h.result()) as EndpointDeliveryResult[]);
      return out;
    });
    const attempts = WEBHOOK_RETRY_DELAYS_MS.length + 1;
    for (const r of results) expect(r).toContainEqual({ endpointId: down.id, outcome: 'delivered', attempts });
    // The 410 disables the endpoint: an event whose delivery lists its targets after that no longer has it as one.
    const goneResults = results.map((r) => r.find((x) => x.endpointId === gone.id)).filter((x) => x !== undefined);
    expect(goneResults.length).toBeGreaterThanOrEqual(1);
    for (const g of goneResults) expect(g).toMatchObject({ attempts: 1 });
    expect((await env.currentTimeMs()) - t0).toBeGreaterThanOrEqual(24 * HOUR);

    // The receiver, deduplicating on webhook-id, processed each event exactly once, signed.
    expect(receiver.requests().every((r) => r.verified)).toBe(true);
    const accepted = receiver.accepted('down');
    expect(accepted.map((a) => a.id).sort()).toEqual([webhookMessageId(e1.id, down.id), webhookMessageId(e2.id, down.id)].sort());
    expect(accepted.map((a) => (a.body as { customer_id: string }).customer_id).sort()).toEqual(['customer-1', 'customer-2']);
    // Every retry of one event carried the same webhook-id.
    const ids = new Set(receiver.requests('down').map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(2);

    // Every attempt is recorded: 503s, then one 200, numbered 1..N.
    for (const e of [e1, e2]) {
      const rows = await tdb.db.selectFrom('webhook_deliveries').selectAll().where('event_id', '=', e.id).where('endpoint_id', '=', down.id).orderBy('attempt').execute();
      expect(rows.map((d) => d.attempt)).toEqual(Array.from({ length: attempts }, (_, i) => i + 1));
      expect(rows.slice(0, -1).every((d) => d.status_code === 503 && !d.success && d.error === 'HTTP 503')).toBe(true);
      expect(rows.at(-1)).toMatchObject({ status_code: 200, success: true, error: null, workflow_id: deliveryWorkflowId(e.id) });
    }

    // The waits between attempts were exactly the schedule: 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, then 2 h.
    expect(WEBHOOK_RETRY_DELAYS_MS.slice(0, 7)).toEqual([5_000, 30_000, 120_000, 600_000, 1_800_000, HOUR, 2 * HOUR]);
    expect(WEBHOOK_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(24 * HOUR);
    for (const h of handles) {
      const history = await h.fetchHistory();
      const timers = (history.events ?? [])
        .map((ev) => ev.timerStartedEventAttributes?.startToFireTimeout)
        .filter((d): d is NonNullable<typeof d> => !!d)
        .map((d) => Number(d.seconds ?? 0) * 1000 + Math.round((d.nanos ?? 0) / 1e6));
      expect(timers).toEqual([...WEBHOOK_RETRY_DELAYS_MS]);
    }

    // 410: one attempt per delivery at most, the endpoint disabled with a reason, no retries.
    const goneRows = await tdb.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', gone.id).execute();
    expect(goneRows.length).toBeGreaterThanOrEqual(1);
    expect(goneRows.every((d) => d.status_code === 410 && d.attempt === 1 && !d.success)).toBe(true);
    expect(await getWebhookEndpoint(deps, appId, gone.id)).toMatchObject({ enabled: false, disabled_reason: expect.stringMatching(/410/) });

    // A later event does not go to the disabled endpoint at all.
    const goneRequests = receiver.requests('gone').length;
    const e3 = await recordEvent(tdb.db, appId, 'connection.created', connectionEvent(3));
    await dispatchWebhookEvents(deps);
    const r3 = (await (await newWorker()).runUntil(env.client.workflow.getHandle(deliveryWorkflowId(e3.id)).result())) as EndpointDeliveryResult[];
    expect(r3).toEqual([{ endpointId: down.id, outcome: 'delivered', attempts: 1 }]);
    expect(receiver.requests('gone')).toHaveLength(goneRequests);
  });

  it('gives up after the last attempt, and stops when the endpoint is deleted', async () => {
    const app2 = (await insertApplication(tdb.db, { name: 'hooks-2', api_key_hash: randomUUID() })).id;
    const never = await createWebhookEndpoint(deps, app2, { url: receiver.url('never'), event_types: ['sync.paused'] });
    receiver.setSecrets('never', never.secret);
    receiver.respond('never', () => 500);
    const e = await recordEvent(tdb.db, app2, 'sync.paused', {
      connection_id: 'c',
      customer_id: 'x',
      provider_name: 'hubspot',
      type: 'object',
      object_type: 'standard',
      object: 'contact',
    });
    expect(await dispatchWebhookEvents(deps)).toMatchObject({ started: 1 });
    const worker = await newWorker();
    const result = (await worker.runUntil(env.client.workflow.getHandle(deliveryWorkflowId(e.id)).result())) as EndpointDeliveryResult[];
    expect(result).toEqual([{ endpointId: never.id, outcome: 'failed', attempts: WEBHOOK_RETRY_DELAYS_MS.length + 1 }]);

    // Deleted while retrying: the next attempt stops the series.
    const doomed = await createWebhookEndpoint(deps, app2, { url: receiver.url('doomed'), event_types: ['sync.paused'] });
    receiver.setSecrets('doomed', doomed.secret);
    receiver.respond('doomed', () => 503);
    await tdb.db.deleteFrom('webhook_endpoints').where('id', '=', never.id).execute();
    const e2 = await recordEvent(tdb.db, app2, 'sync.paused', {
      connection_id: 'c',
      customer_id: 'y',
      provider_name: 'hubspot',
      type: 'object',
      object_type: 'standard',
      object: 'contact',
    });
    await dispatchWebhookEvents(deps);
    const handle = env.client.workflow.getHandle(deliveryWorkflowId(e2.id));
    const outcome = await (await newWorker()).runUntil(async () => {
      await receiver.waitFor(() => receiver.requests('doomed').length >= 1, 30_000, 'first attempt');
      await tdb.db.deleteFrom('webhook_endpoints').where('id', '=', doomed.id).execute();
      return (await handle.result()) as EndpointDeliveryResult[];
    });
    expect(outcome).toEqual([{ endpointId: doomed.id, outcome: 'skipped', attempts: 2 }]);
  });
});
