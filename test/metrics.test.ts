/**
 * GET /metrics end to end: a real worker process (`npm run worker`'s entry point, METRICS_PORT on the
 * same port as WORKER_HEALTH_PORT) runs a sync from a provider simulator into Postgres and delivers its
 * sync.complete webhook; its /metrics, scraped before and after, moved by exactly what the simulator,
 * the destination and the receiver saw, and carries the Temporal runtime's own metrics. The API's
 * /metrics (no key) reports the outbox backlog from the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../lib/ports';
import { startTestApi, type ApiClient, type TestApi } from './helpers/api';
import { createEmptyDatabase } from './helpers/db';
import { metricNames, scrape, value, type Scrape } from './helpers/metrics';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, ok, waitForRuns } from './helpers/sync-scenario';
import { uniqueTaskQueue } from './helpers/temporal';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver';
import { createWorkerProcesses, waitUntil, type WorkerProcesses } from './helpers/worker-process';

const PROVIDER = 'acme-crm';
const CUSTOMER = 'customer-1';
const RECORDS = 120;
const PAGE = 40;

let api: TestApi;
let tenant: ApiClient;
let dest: Awaited<ReturnType<typeof createEmptyDatabase>>;
let source: SourceApi;
let receiver: WebhookReceiver;
let workers: WorkerProcesses | undefined;
const taskQueue = uniqueTaskQueue('metrics');

beforeAll(async () => {
  [api, dest, source, receiver] = await Promise.all([startTestApi({ taskQueue }), createEmptyDatabase('dest'), startSourceApi(makeContacts(RECORDS)), startWebhookReceiver()]);
  tenant = await api.newTenant('metrics');
});

afterAll(async () => {
  await workers?.close();
  await receiver?.close();
  await source?.close();
  await api?.close();
  await dest?.drop();
});

const undispatchedEvents = async () =>
  Number(
    (
      await api.tdb.db
        .selectFrom('webhook_events')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('dispatched_at', 'is', null)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('GET /metrics', () => {
  it('a sync run moves the worker’s counters by exactly what happened; the Temporal runtime’s metrics and the outbox backlog are there', async () => {
    const endpoint = await ok(tenant.request('POST', '/webhook_endpoints', { body: { url: receiver.url('runs'), event_types: ['sync.complete'] } }), 201);
    receiver.setSecrets('runs', endpoint.secret);
    // Only the worker process polls this task queue; the test API shares it.
    const { connect } = await configure({ api, tenant, dest } as Parameters<typeof configure>[0], source, { pageSize: PAGE, autoStart: false, strategy: 'full only' });
    await connect();

    // No worker yet: the events of the set-up wait in the outbox, and the API (no API key) says how many.
    const waiting = await undispatchedEvents();
    expect(waiting).toBeGreaterThan(0);
    const apiBefore = await scrape(`${api.base}/metrics`);
    expect(apiBefore.status).toBe(200);
    expect(apiBefore.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(apiBefore.samples, 'syncwell_webhook_outbox_events')).toBe(waiting);
    expect(value(apiBefore.samples, 'syncwell_webhook_outbox_oldest_age_seconds')).toBeGreaterThan(0);
    expect(metricNames(apiBefore.samples)).toContain('process_cpu_user_seconds_total');

    const metricsPort = await freePort();
    workers = await createWorkerProcesses({
      databaseUrl: api.tdb.url,
      taskQueue,
      env: {
        // One listener for both: /metrics and /health.
        METRICS_PORT: String(metricsPort),
        WORKER_HEALTH_PORT: String(metricsPort),
        SYNC_BATCH_RECORDS: String(PAGE),
      },
    });
    workers.start();
    const workerMetrics = `http://127.0.0.1:${metricsPort}/metrics`;
    const logs = () => workers!.logs();
    await waitUntil(async () => (await scrape(workerMetrics).catch(() => undefined))?.status === 200, 90_000, 'the worker’s /metrics', logs);
    expect(await (await fetch(`http://127.0.0.1:${metricsPort}/health`)).json()).toEqual({ status: 'ok', worker: 'RUNNING' });
    // Its listener dispatches the outbox (no endpoint wants those events: marked without a delivery).
    await waitUntil(async () => value((await scrape(`${api.base}/metrics`)).samples, 'syncwell_webhook_outbox_events') === 0, 30_000, 'an empty outbox', logs);
    expect(await undispatchedEvents()).toBe(0);

    // The second page is throttled once (Retry-After: 0), then answered.
    let throttled = false;
    source.intercept = ({ offset }) => {
      if (offset !== PAGE || throttled) return undefined;
      throttled = true;
      return { status: 429, headers: { 'retry-after': '0' }, json: { error: 'slow down' } };
    };
    const before = (await scrape(workerMetrics)).samples;
    const requestsBefore = source.sim.requests.length;
    await ok(
      tenant.request('POST', '/syncs/_trigger', { headers: { 'x-customer-id': CUSTOMER, 'x-provider-name': PROVIDER }, body: { object_type: 'standard', object: 'contacts' } }),
    );
    const [run] = await waitForRuns(tenant, CUSTOMER, 1, 60_000);
    expect(run).toMatchObject({ status: 'SUCCESS', num_records_synced: RECORDS });
    await receiver.waitFor(() => receiver.accepted('runs').length === 1, 30_000, 'the sync.complete delivery');
    // The attempt is counted once it is recorded, just after the receiver answered.
    const delivered = (s: Scrape) => value(s, 'syncwell_webhook_deliveries_total', { outcome: 'delivered' });
    await waitUntil(async () => delivered((await scrape(workerMetrics)).samples) > delivered(before), 10_000, 'the delivery counted', logs);
    const after = await scrape(workerMetrics);

    const delta = (name: string, labels: Record<string, string> = {}) => value(after.samples, name, labels) - value(before, name, labels);
    const requests = source.sim.requests.length - requestsBefore;
    // Three pages, the second asked twice.
    expect(source.sim.requests.slice(requestsBefore).map((r) => r.query.offset)).toEqual(['0', '40', '40', '80']);
    expect({
      runsSuccess: delta('syncwell_sync_runs_total', { status: 'SUCCESS' }),
      runsError: delta('syncwell_sync_runs_total', { status: 'ERROR' }),
      runDurations: delta('syncwell_sync_run_duration_seconds_count', { status: 'SUCCESS' }),
      records: delta('syncwell_records_synced_total', { provider: PROVIDER }),
      ok200: delta('syncwell_provider_requests_total', { provider: PROVIDER, status: '200' }),
      throttled429: delta('syncwell_provider_requests_total', { provider: PROVIDER, status: '429' }),
      rateLimited: delta('syncwell_provider_rate_limited_total', { provider: PROVIDER }),
      requestDurations: delta('syncwell_provider_request_duration_seconds_count', { provider: PROVIDER }),
      batches: delta('syncwell_destination_write_duration_seconds_count', { destination_type: 'postgres', operation: 'batch' }),
      finishes: delta('syncwell_destination_write_duration_seconds_count', { destination_type: 'postgres', operation: 'finish' }),
      delivered: delta('syncwell_webhook_deliveries_total', { outcome: 'delivered' }),
      retried: delta('syncwell_webhook_deliveries_total', { outcome: 'retry' }),
      deliveryAges: delta('syncwell_webhook_delivery_age_seconds_count'),
    }).toEqual({
      runsSuccess: 1,
      runsError: 0,
      runDurations: 1,
      records: RECORDS,
      ok200: 3,
      throttled429: 1,
      rateLimited: 1,
      requestDurations: requests,
      batches: RECORDS / PAGE,
      finishes: 1,
      delivered: 1,
      retried: 0,
      deliveryAges: 1,
    });
    // The run's own duration and the delivery's age are real times, not counts.
    expect(delta('syncwell_sync_run_duration_seconds_sum', { status: 'SUCCESS' })).toBeGreaterThan(0);
    expect(delta('syncwell_webhook_delivery_age_seconds_sum')).toBeGreaterThan(0);

    // The Temporal runtime's own metrics, appended from its loopback exporter, and Node's.
    const names = metricNames(after.samples);
    expect([...names].filter((n) => n.startsWith('temporal_')).length).toBeGreaterThan(5);
    expect(names).toContain('temporal_workflow_completed');
    expect(names).toContain('process_resident_memory_bytes');
    expect(value(after.samples, 'syncwell_webhook_outbox_events')).toBe(0);
  });
});
