/**
 * Fairness between tenants, end to end: customer A of an application has 200 syncs, customer B
 * one, all syncing from a source whose pages are slow (each chunk takes PAGE_MS and more). Two
 * workers (each its own composition: database pool, Temporal worker) share the slots only
 * through Postgres, with caps of 2 chunks per customer and 3 per application.
 * All 200 of A's runs are started first; B's, started while A's backlog waits, runs at once
 * instead of after it. What is asserted is what the source saw (when each sync's request came
 * and was answered) and the runs as stored.
 *
 * The two workers poll two task queues (the SDK allows one worker per queue in a process), A's
 * runs alternating between them: either way the chunks of both draw on the same rows.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createWorker } from '../runtime/worker';
import type { SyncRunResult } from '../workflows/sync-run';
import { composeForTest } from './helpers/compose';
import { postgresDestinationConfig } from './helpers/db';
import { makeContacts, sourceConnector, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, startScenario } from './helpers/sync-scenario';
import { uniqueTaskQueue, workflowBundle } from './helpers/temporal';
import { waitUntil } from './helpers/worker-process';

const A_SYNCS = 200;
const PAGE_MS = 600;
const CAPS = { perApplication: 3, perCustomer: 2 };

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  s = await startScenario();
  source = await startSourceApi(makeContacts(2));
});
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await source?.close();
  await s?.close();
});

/** A connector whose streams all read the source's contacts, each told apart by a `stream` query parameter. */
function streamsConnector(id: string, streams: string[]) {
  const base = sourceConnector(id, 100);
  const template = base.streams[0]!;
  return { ...base, streams: streams.map((stream) => ({ ...template, id: stream, name: stream, query: { stream } })) };
}

async function startWorkers(taskQueues: string[]): Promise<void> {
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  closers.push(() => connection.close());
  for (const taskQueue of taskQueues) {
    const root = await composeForTest({ db: s.api.tdb.db, taskQueue, activities: { chunkSlots: { ...CAPS, recheck: { baseMs: 1000, maxMs: 10_000 } } } });
    const worker: Worker = await createWorker({ connection, namespace: 'default', taskQueue, deps: root.activities, workflowBundle: await workflowBundle() });
    const running = worker.run();
    closers.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await root.close();
    });
  }
}

/** The largest number of intervals open at once. */
function maxOverlap(intervals: Array<{ from: number; to: number }>): number {
  const edges = intervals.flatMap((i) => [
    { at: i.from, d: 1 },
    { at: i.to, d: -1 },
  ]);
  // An interval that ends at the instant another starts does not overlap it.
  edges.sort((x, y) => x.at - y.at || x.d - y.d);
  let open = 0;
  let max = 0;
  for (const e of edges) {
    open += e.d;
    max = Math.max(max, open);
  }
  return max;
}

it(`runs customer B's one sync at once while customer A's ${A_SYNCS} wait, and never more than the caps at a time`, async () => {
  const aStreams = Array.from({ length: A_SYNCS }, (_, i) => `a-${i}`);
  const a = await configure(s, source, {
    customerId: 'customer-a',
    providerName: 'crm-a',
    connector: streamsConnector('crm-a', aStreams),
    standardObjects: aStreams,
    autoStart: false,
  });
  const b = await configure(s, source, {
    customerId: 'customer-b',
    providerName: 'crm-b',
    connector: streamsConnector('crm-b', ['b-0']),
    standardObjects: ['b-0'],
    autoStart: false,
    destination: { name: 'warehouse-b', type: 'postgres', config: postgresDestinationConfig(s.dest.url) },
  });
  await a.connect();
  await b.connect();
  const syncs = await s.api.tdb.db.selectFrom('syncs').select(['id', 'object']).execute();
  expect(syncs).toHaveLength(A_SYNCS + 1);

  // What the source saw: each request's stream, arrival and answer.
  const requests: Array<{ stream: string; from: number; to: number }> = [];
  source.intercept = async ({ index }) => {
    const stream = String(source.sim.requests[index]!.query.stream);
    const from = Date.now();
    await new Promise((r) => setTimeout(r, PAGE_MS));
    requests.push({ stream, from, to: Date.now() });
    return undefined;
  };

  const taskQueues = [uniqueTaskQueue('fairness'), uniqueTaskQueue('fairness')];
  await startWorkers(taskQueues);
  const start = (syncId: string, n: number) =>
    s.worker.client.workflow.start('syncRunWorkflow', { taskQueue: taskQueues[n % 2]!, workflowId: `fair-${syncId}-${randomUUID()}`, args: [{ syncId }] });
  const aHandles: WorkflowHandle[] = [];
  for (const [n, sync] of syncs.filter((x) => x.object!.startsWith('a-')).entries()) aHandles.push(await start(sync.id, n));
  closers.push(() => Promise.all(aHandles.map((h) => h.terminate().catch(() => undefined))));

  // A's backlog is queued: every run opened, its first wave through the source.
  const aRuns = () => s.api.tdb.db.selectFrom('sync_runs').select(['id', 'status', 'start_timestamp', 'end_timestamp', 'object']).where('object', 'like', 'a-%').execute();
  await waitUntil(async () => (await aRuns()).length === A_SYNCS && requests.some((r) => r.stream.startsWith('a-')), 45_000, "A's runs opened and its first chunks done");

  const bSync = syncs.find((x) => x.object === 'b-0')!;
  const bHandle = await start(bSync.id, 0);
  const bResult = (await bHandle.result()) as SyncRunResult;
  expect(bResult).toMatchObject({ status: 'SUCCESS', numRecordsSynced: 2 });
  const bRun = await s.api.tdb.db.selectFrom('sync_runs').selectAll().where('sync_id', '=', bSync.id).executeTakeFirstOrThrow();
  const aAtBEnd = await aRuns();
  const bRequest = requests.find((r) => r.stream === 'b-0')!;
  // A's chunks go on being handed slots after B's (more of the source's record for the caps below).
  const aAnswered = () => requests.filter((r) => r.stream.startsWith('a-'));
  await waitUntil(() => aAnswered().length >= 5 * CAPS.perCustomer && aAnswered().some((r) => r.from >= bRequest.to), 45_000, "A's next chunks");
  source.intercept = undefined;

  const aRequests = aAnswered();
  // B did not queue behind A: no A chunk began between B's run opening and B's own request
  // beyond the one wave that was already due (A's slots freeing while B's run opened).
  const aStartedBeforeB = aRequests.filter((r) => r.from > bRun.start_timestamp.getTime() && r.from < bRequest.from);
  expect(aStartedBeforeB.length).toBeLessThanOrEqual(CAPS.perCustomer);
  // B's chunk ran in the middle of A's backlog: A's chunks were served before it and went on after it.
  // (Whether its one request overlaps one of A's is up to timing: A's slots sit idle between its
  // chunks while the next one rechecks, which under load can be longer than B's 600 ms.)
  expect(aRequests.some((r) => r.from < bRequest.from)).toBe(true);
  expect(aRequests.some((r) => r.from >= bRequest.to)).toBe(true);
  // And B's run ended long before A's backlog: most of A's runs had not even started a chunk.
  const aDone = aAtBEnd.filter((r) => r.end_timestamp !== null && r.end_timestamp.getTime() <= bRun.end_timestamp!.getTime());
  expect(aDone.length).toBeLessThan(A_SYNCS / 4);
  expect(aAtBEnd.filter((r) => r.status === 'IN_PROGRESS').length).toBeGreaterThan((A_SYNCS * 3) / 4);

  // The caps held, across both workers: A never ran more than 2 chunks at once, the application never more than 3.
  expect(maxOverlap(aRequests)).toBe(CAPS.perCustomer);
  expect(maxOverlap(requests)).toBeLessThanOrEqual(CAPS.perApplication);
}, 120_000);
