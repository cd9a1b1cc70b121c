/**
 * Schedules at scale: `--customers` customers × `--objects` objects (10,000 syncs by default)
 * created through the Management API as an application would (PUT /customers, POST
 * /customers/{id}/connections: `npm run api`'s process creates each sync's row and Temporal
 * Schedule), then the reconciler a worker runs, on a fresh composition each time (new database
 * pool and Temporal connection, as a worker process that starts):
 *
 * 1. first worker start (startReconciler; its own schedule is new, so every sync schedule is
 *    re-applied: the full reconcile);
 * 2. a steady-state reconcile, nothing changed (once the schedule list shows every schedule);
 * 3. a worker restart, nothing changed: the drift it finds;
 * 4. drift made behind its back while no worker runs (schedules deleted, paused, their interval or
 *    task queue changed, orphans created; syncs paused in the database only, as a process dying
 *    between its commit and its Temporal call leaves them), a restart, and what it found; then
 *    every schedule described and compared with its row: the drift left.
 *
 *   npm run bench:schedules -- [--customers 2000] [--objects 5] [--concurrency 8] [--drift 100]
 *
 * Uses DATABASE_URL / TEMPORAL_ADDRESS when set, else an embedded Postgres and a Temporal dev server.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { TypedSearchAttributes } from '@temporalio/common';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { searchAttributes } from '../lib/search-attributes';
import { compose, type Composition } from '../runtime/compose';
import { reconcileAllSyncSchedules, startReconciler } from '../services/orchestration/reconciler';
import { listSyncSchedules, scheduleIdFor, scheduleOffsetMs } from '../services/orchestration/sync-schedules';
import { seedThroughApi, startApiProcess } from './api-process';
import { withBenchServers } from './servers';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '2000' },
    objects: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '8' },
    drift: { type: 'string', default: '100' },
  },
});
const CUSTOMERS = Number(args.customers);
const OBJECTS = ['contacts', 'companies', 'deals', 'tickets', 'notes', 'calls', 'meetings', 'tasks'].slice(0, Number(args.objects));
const DRIFT = Number(args.drift);
const PERIOD_MS = 3_600_000;

const log = (msg: string) => console.error(`[bench:schedules] ${msg}`);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** `call` on every item, `n` at a time. */
async function eachLimited<T>(items: T[], n: number, call: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await call(items[next++]!);
    }),
  );
}

async function main() {
  await withBenchServers(async ({ dir, temporalAddress, newDatabase, onClose }) => {
    const databaseUrl = await newDatabase('bench_schedules');
    const taskQueue = `bench-${randomUUID()}`;
    const encryptionKey = `bench:${randomBytes(32).toString('base64')}`;
    const api = await startApiProcess({ databaseUrl, temporalAddress, taskQueue, dataDir: dir, encryptionKey, onClose });
    const logger = createLogger('warn', 'bench');
    const config = loadConfig({ TEMPORAL_TASK_QUEUE: taskQueue, ENCRYPTION_KEY: encryptionKey, DATA_DIR: dir });
    /** What a worker process composes at start; closed when it "stops". */
    const startWorkerServices = async () => compose(config, { logger, database: databaseUrl, temporal: temporalAddress });
    const rows: Array<[string, string, string]> = [];
    const row = (what: string, result: string, target: string) => {
      rows.push([what, result, target]);
      log(`${what}: ${result} (load ${load()})`);
    };

    const expected = CUSTOMERS * OBJECTS.length;
    log(`creating ${expected} syncs (${CUSTOMERS} customers × ${OBJECTS.length} objects) through the API, ${args.concurrency} clients...`);
    const created = await timed(() =>
      seedThroughApi(api, {
        customers: CUSTOMERS,
        objects: OBJECTS,
        concurrency: Number(args.concurrency),
        databaseUrl,
        onProgress: (n) => n % 500 === 0 && log(`${n} connections`),
      }),
    );
    row(
      `create ${expected} syncs with their schedules (${CUSTOMERS} connections, ${args.concurrency} API clients)`,
      `${seconds(created.ms)} (${((expected * 1000) / created.ms).toFixed(0)} syncs/s)`,
      '—',
    );

    let worker: Composition = await startWorkerServices();
    const appIds = new Set((await worker.services.db.selectFrom('applications').select('id').execute()).map((a) => a.id));
    const listed = () => listSyncSchedules(worker.services.temporal.client, appIds);
    const visible = await timed(async () => {
      while ((await listed()).size < expected) await sleep(500);
    });
    log(`the schedule list showed all ${expected} ${seconds(visible.ms)} after the last create`);

    const first = await timed(() => startReconciler(worker.services));
    row('full reconcile: first worker start (every schedule re-applied)', `${seconds(first.ms)} (upserted ${first.value.upserted}, deleted ${first.value.deleted})`, '< 60 s');

    // The list shows an update a moment after it: wait until it shows the last one.
    const settled = await waitForList(listed, (m) => m.size === expected);
    log(`list settled ${seconds(settled)} after the full reconcile`);
    const steady = await timed(() => reconcileAllSyncSchedules(worker.services));
    row(
      'steady-state reconcile, nothing changed',
      `${seconds(steady.ms)} (upserted ${steady.value.upserted}, unchanged ${steady.value.unchanged}, deleted ${steady.value.deleted})`,
      '< 5 s',
    );

    await worker.close();
    worker = await startWorkerServices();
    const restart = await timed(() => startReconciler(worker.services));
    row('worker restart, nothing changed: drift found', `${restart.value.upserted + restart.value.deleted} (in ${seconds(restart.ms)}, force ${restart.value.force})`, '0');

    // --- Drift behind the worker's back ---
    await worker.close();
    const outside = await startWorkerServices();
    const client = outside.services.temporal.client;
    const syncs = await outside.services.db.selectFrom('syncs').select(['id', 'connection_id']).orderBy('id').execute();
    const pick = (k: number) => syncs.slice(k * DRIFT, (k + 1) * DRIFT).map((s) => s.id);
    const [deletedIds, pausedIds, intervalIds, queueIds, dbPausedIds] = [0, 1, 2, 3, 4].map(pick) as [string[], string[], string[], string[], string[]];
    const orphanIds = Array.from({ length: Math.ceil(DRIFT / 2) }, () => randomUUID());
    const handle = (id: string) => client.schedule.getHandle(scheduleIdFor(id));
    await eachLimited(deletedIds, 16, (id) => handle(id).delete());
    await eachLimited(pausedIds, 16, (id) => handle(id).pause('paused by hand'));
    await eachLimited(intervalIds, 16, (id) => handle(id).update((prev) => ({ ...prev, spec: { intervals: [{ every: 2 * PERIOD_MS }] } })));
    await eachLimited(queueIds, 16, (id) => handle(id).update((prev) => ({ ...prev, action: { ...prev.action, taskQueue: `${taskQueue}-elsewhere` } })));
    await eachLimited(orphanIds, 16, (id) =>
      client.schedule.create({
        scheduleId: scheduleIdFor(id),
        spec: { intervals: [{ every: PERIOD_MS }] },
        action: { type: 'startWorkflow', workflowType: 'syncRunWorkflow', taskQueue, args: [{ syncId: id }] },
        typedSearchAttributes: new TypedSearchAttributes([{ key: searchAttributes.applicationId, value: [...appIds][0]! }]),
      }),
    );
    await outside.services.db.updateTable('syncs').set({ paused: true, pause_reason: null }).where('id', 'in', dbPausedIds).execute();
    const injected = deletedIds.length + pausedIds.length + intervalIds.length + orphanIds.length + dbPausedIds.length;
    // A worker starting later sees these in the list; wait until it would.
    const shown = await waitForList(
      () => listSyncSchedules(client, appIds),
      (m) => {
        const every = (id: string) => m.get(id)?.spec?.intervals?.[0]?.every;
        return (
          deletedIds.every((id) => !m.has(id)) &&
          pausedIds.every((id) => m.get(id)?.state.paused === true) &&
          intervalIds.every((id) => every(id) === 2 * PERIOD_MS) &&
          orphanIds.every((id) => m.has(id))
        );
      },
    );
    log(`the list showed the drift ${seconds(shown)} after it was made`);
    await outside.close();

    worker = await startWorkerServices();
    const repair = await timed(() => startReconciler(worker.services));
    const found = repair.value.upserted + repair.value.deleted;
    row(
      `worker restart after drift behind its back: found (of ${injected} the list can show: ${DRIFT} deleted, ${DRIFT} paused, ${DRIFT} with another interval, ${orphanIds.length} orphans, ${DRIFT} paused in the database only)`,
      `${found} (upserted ${repair.value.upserted}, deleted ${repair.value.deleted}, in ${seconds(repair.ms)})`,
      `${injected}`,
    );
    const left = await driftLeft(worker, taskQueue, appIds);
    row(
      `drift left after it, every schedule described (of it: ${DRIFT} with their task queue changed by hand, which the list does not show)`,
      `${left.total} (missing ${left.missing}, paused state ${left.paused}, interval ${left.interval}, task queue ${left.queue}, orphans ${left.orphans})`,
      '0',
    );
    await worker.close();

    console.log(
      `${expected} syncs (${CUSTOMERS} customers × ${OBJECTS.length} objects), Temporal ${process.env.TEMPORAL_ADDRESS ? 'at TEMPORAL_ADDRESS' : 'dev server'}; Node ${process.version}, ${os.cpus().length} CPUs, load at the end ${load()}`,
    );
    console.log('| figure | result | target |');
    console.log('| --- | ---: | ---: |');
    for (const [what, result, target] of rows) console.log(`| ${what} | ${result} | ${target} |`);
  });
}

/** Polls the schedule list until `done`; ms waited. */
async function waitForList<M>(list: () => Promise<M>, done: (m: M) => boolean): Promise<number> {
  const t0 = performance.now();
  for (const deadline = Date.now() + 120_000; !done(await list()); await sleep(500)) {
    if (Date.now() > deadline) throw new Error('the schedule list did not show the changes within 120 s');
  }
  return performance.now() - t0;
}

/** Every sync's schedule described and compared with its row; schedules of no sync listed. */
async function driftLeft(worker: Composition, taskQueue: string, appIds: Set<string>) {
  const client = worker.services.temporal.client;
  const syncs = await worker.services.db.selectFrom('syncs').select(['id', 'connection_id', 'paused']).execute();
  const left = { missing: 0, paused: 0, interval: 0, queue: 0, orphans: 0, total: 0 };
  await eachLimited(syncs, 16, async (s) => {
    const desc = await client.schedule
      .getHandle(scheduleIdFor(s.id))
      .describe()
      .catch(() => undefined);
    if (!desc) {
      left.missing++;
      return;
    }
    const [interval, ...more] = desc.spec.intervals ?? [];
    if (desc.state.paused !== s.paused) left.paused++;
    if (more.length || interval?.every !== PERIOD_MS || interval.offset !== scheduleOffsetMs(s.connection_id, PERIOD_MS)) left.interval++;
    if (desc.action.type !== 'startWorkflow' || desc.action.taskQueue !== taskQueue) left.queue++;
  });
  const known = new Set(syncs.map((s) => s.id));
  // The list may still show a schedule deleted a moment ago: an orphan is one that still describes.
  for (const id of (await listSyncSchedules(client, appIds)).keys()) {
    if (known.has(id)) continue;
    if (
      await client.schedule
        .getHandle(scheduleIdFor(id))
        .describe()
        .then(
          () => true,
          () => false,
        )
    )
      left.orphans++;
  }
  left.total = left.missing + left.paused + left.interval + left.queue + left.orphans;
  return left;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
