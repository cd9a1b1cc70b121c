/**
 * A killed worker's chunk slot frees itself: a real worker process (`npm run worker`'s entry
 * point, a cap of 1 chunk per customer) runs a chunk whose page the source holds, and is
 * SIGKILLed with the slot taken. Another worker's run of the same customer waits while the dead
 * chunk's lease lasts and gets the slot once the lease has expired (both on the database's clock),
 * then syncs.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createWorker } from '../runtime/worker';
import { composeForTest } from './helpers/compose';
import { makeContacts, sourceConnector, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, startScenario } from './helpers/sync-scenario';
import { uniqueTaskQueue, workflowBundle } from './helpers/temporal';
import { createWorkerProcesses, waitUntil } from './helpers/worker-process';

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  s = await startScenario();
  source = await startSourceApi(makeContacts(3));
});
afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await source?.close();
  await s?.close();
});

function twoStreams(id: string) {
  const base = sourceConnector(id, 100);
  const template = base.streams[0]!;
  return { ...base, streams: ['first', 'second'].map((stream) => ({ ...template, id: stream, name: stream, query: { stream } })) };
}

it('reclaims the slot of a SIGKILLed worker’s chunk once its lease expires, and the customer’s next run takes it', async () => {
  const c = await configure(s, source, { providerName: 'crash-crm', connector: twoStreams('crash-crm'), standardObjects: ['first', 'second'], autoStart: false });
  await c.connect();
  const syncs = await s.api.tdb.db.selectFrom('syncs').select(['id', 'object']).execute();
  const byObject = Object.fromEntries(syncs.map((x) => [x.object!, x.id]));
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  closers.push(async () => release());
  const seen: string[] = [];
  source.intercept = async ({ index }) => {
    const stream = String(source.sim.requests[index]!.query.stream);
    seen.push(stream);
    // The first sync's page never comes while its worker lives.
    if (stream === 'first') await held;
    return undefined;
  };

  const deadQueue = uniqueTaskQueue('slot-crash');
  const processes = await createWorkerProcesses({ databaseUrl: s.api.tdb.url, taskQueue: deadQueue, env: { SYNC_MAX_RUNNING_CHUNKS_PER_CUSTOMER: '1' } });
  closers.push(() => processes.close());
  const doomed = processes.start();
  const first = await s.worker.client.workflow.start('syncRunWorkflow', {
    taskQueue: deadQueue,
    workflowId: `slot-crash-${randomUUID()}`,
    // Its lease: the heartbeat timeout plus 5 s.
    args: [{ syncId: byObject.first!, heartbeatTimeout: '2 seconds' }],
  });
  closers.push(() => first.terminate());
  await waitUntil(
    () => seen.includes('first'),
    90_000,
    'the first chunk reading',
    () => processes.logs(),
  );
  const slotOf = (syncId: string) =>
    s.api.tdb.db
      .selectFrom('tenant_chunk_slots as t')
      .innerJoin('sync_runs as r', (join) => join.on(sql<boolean>`r.id::text = t.run_id`))
      .select(['t.lease_id', 't.expires_at', sql<Date>`clock_timestamp()`.as('now')])
      .where('r.sync_id', '=', syncId)
      .executeTakeFirst();
  const dead = await slotOf(byObject.first!);
  expect(dead?.lease_id).toBeTruthy();
  processes.kill(doomed);

  // Another worker, the same cap, the customer's other sync.
  const liveQueue = uniqueTaskQueue('slot-live');
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  closers.push(() => connection.close());
  const root = await composeForTest({
    db: s.api.tdb.db,
    taskQueue: liveQueue,
    activities: { chunkSlots: { perApplication: 10, perCustomer: 1, recheck: { baseMs: 200, maxMs: 500 } } },
  });
  const worker = await createWorker({ connection, namespace: 'default', taskQueue: liveQueue, deps: root.activities, workflowBundle: await workflowBundle() });
  const running = worker.run();
  closers.push(async () => {
    worker.shutdown();
    await running.catch(() => undefined);
    await root.close();
  });
  const second = await s.worker.client.workflow.start('syncRunWorkflow', { taskQueue: liveQueue, workflowId: `slot-live-${randomUUID()}`, args: [{ syncId: byObject.second! }] });

  // It waits while the dead chunk's lease lasts...
  let waited: Awaited<ReturnType<typeof slotOf>>;
  await waitUntil(
    async () => {
      waited = await slotOf(byObject.second!);
      return !!waited && waited.lease_id === null;
    },
    30_000,
    'the second run waiting',
  );
  expect(waited!.now.getTime()).toBeLessThan(dead!.expires_at.getTime());
  // ...and holds the slot once it expired.
  let granted: Awaited<ReturnType<typeof slotOf>>;
  await waitUntil(
    async () => {
      granted = await slotOf(byObject.second!);
      return !!granted?.lease_id;
    },
    30_000,
    'the second run holding the slot',
  );
  expect(granted!.now.getTime()).toBeGreaterThanOrEqual(dead!.expires_at.getTime());
  expect(await second.result()).toMatchObject({ status: 'SUCCESS', numRecordsSynced: 3 });
  expect(seen.filter((x) => x === 'second').length).toBeGreaterThan(0);
  // The dead chunk's slot is gone (dropped by the ask that found it expired).
  expect((await slotOf(byObject.first!))?.lease_id ?? null).toBeNull();
}, 150_000);
