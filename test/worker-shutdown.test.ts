/**
 * A worker process stopped with SIGTERM mid-chunk: within WORKER_SHUTDOWN_GRACE_SECONDS it takes no
 * new work, finishes and commits the running chunk, and exits 0; past the grace the chunk is cancelled
 * and retried on another worker from its last committed batch. Either way the run ends with exactly
 * the source's records, each counted once.
 */
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it, inject } from 'vitest';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, destinationRows, startScenario } from './helpers/sync-scenario';
import { createWorkerProcesses, waitUntil as waitFor, type WorkerProcesses } from './helpers/worker-process';

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
let syncId: string;
const opened: WorkerProcesses[] = [];
const PAGES = 12;
const PAGE_SIZE = 50;

beforeAll(async () => {
  s = await startScenario();
  source = await startSourceApi(makeContacts(PAGES * PAGE_SIZE));
  const c = await configure(s, source, { pageSize: PAGE_SIZE, autoStart: false });
  await c.connect();
  syncId = (await s.api.tdb.db.selectFrom('syncs').select('id').executeTakeFirstOrThrow()).id;
});
afterAll(async () => {
  for (const w of opened) await w.close();
  await source?.close();
  await s?.close();
});

beforeEach(async () => {
  // A fresh full run each time, into an empty table.
  await s.api.tdb.db.deleteFrom('sync_runs').where('sync_id', '=', syncId).execute();
  await s.api.tdb.db
    .updateTable('syncs')
    .set({ state: JSON.stringify({ full_refresh_requested: true }) })
    .where('id', '=', syncId)
    .execute();
  await s.destPool.query('drop table if exists public.acme_crm_contacts');
});

/** Worker processes on their own task queue with this grace; the run's workflow on it. */
async function startRun(graceSeconds: number, pageDelayMs: number) {
  const taskQueue = `shutdown-${randomUUID()}`;
  const workers = await createWorkerProcesses({
    databaseUrl: s.api.tdb.url,
    taskQueue,
    env: {
      WORKER_SHUTDOWN_GRACE_SECONDS: String(graceSeconds),
      // One page per batch, so progress is visible batch by batch; the run's bundle, not one per start.
      SYNC_BATCH_RECORDS: String(PAGE_SIZE),
      WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
    },
  });
  opened.push(workers);
  source.intercept = async () => {
    await new Promise((r) => setTimeout(r, pageDelayMs));
    return undefined;
  };
  const handle = await s.worker.client.workflow.start('syncRunWorkflow', {
    taskQueue,
    workflowId: `shutdown-${randomUUID()}`,
    args: [{ syncId, heartbeatTimeout: '4 seconds' }],
  });
  const waitUntil = (cond: () => Promise<boolean>, timeoutMs: number, what: string) => waitFor(cond, timeoutMs, what, () => workers.logs());
  return { workers, handle, waitUntil };
}

async function committedSeq(): Promise<number> {
  const row = await s.api.tdb.db.selectFrom('sync_runs').select('progress').where('sync_id', '=', syncId).executeTakeFirst();
  return (row?.progress as { seq?: number } | undefined)?.seq ?? 0;
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

/** The attempt each activity ended on, as the server recorded it (a retried attempt is not an event of its own). */
async function activityAttempts(workflowId: string): Promise<number[]> {
  const { events } = await s.worker.client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 1);
}

async function expectExactRows(result: unknown) {
  expect(result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: PAGES * PAGE_SIZE });
  const rows = await destinationRows(s.destPool);
  expect(rows.map((r) => r.id)).toEqual([...source.contacts.keys()].sort());
  expect(rows.every((r) => JSON.stringify(r.raw) === JSON.stringify(source.contacts.get(r.id)))).toBe(true);
  const runs = await s.api.tdb.db.selectFrom('sync_runs').selectAll().where('sync_id', '=', syncId).execute();
  expect(runs).toHaveLength(1);
  expect(runs[0]).toMatchObject({ status: 'SUCCESS', num_records_synced: PAGES * PAGE_SIZE });
}

describe('worker shutdown on SIGTERM', () => {
  it('within the grace: the running chunk finishes and commits, the worker exits 0', async () => {
    const { workers, handle, waitUntil } = await startRun(30, 250);
    const requestsBefore = source.contactRequests();
    const first = workers.start();
    await waitUntil(async () => (await committedSeq()) >= 1, 60_000, 'the first batch');
    const before = await committedSeq();
    expect(before).toBeLessThan(PAGES);
    first.kill('SIGTERM');
    expect(await exited(first), workers.logs()).toBe(0);
    // It left only once the whole chunk (the whole run's records) was committed.
    expect(await committedSeq()).toBe(PAGES);

    // The rest of the workflow (closing the run) on the next worker.
    const next = workers.start();
    const result = await handle.result();
    workers.kill(next);
    await expectExactRows(result);
    // The chunk was never cut short: every activity on its first attempt.
    expect(await activityAttempts(handle.workflowId)).toEqual(expect.arrayContaining([1]));
    expect((await activityAttempts(handle.workflowId)).every((a) => a === 1)).toBe(true);
    expect(source.contactRequests() - requestsBefore).toBeLessThanOrEqual(PAGES + 1);
  }, 120_000);

  it('past the grace: the chunk is cancelled and retried on another worker from its last committed batch', async () => {
    const { workers, handle, waitUntil } = await startRun(1, 500);
    const requestsBefore = source.contactRequests();
    const first = workers.start();
    await waitUntil(async () => (await committedSeq()) >= 2, 60_000, 'two batches');
    first.kill('SIGTERM');
    expect(await exited(first), workers.logs()).toBe(0);
    const atExit = await committedSeq();
    expect(atExit).toBeLessThan(PAGES);

    const next = workers.start();
    const result = await handle.result();
    workers.kill(next);
    await expectExactRows(result);
    // The cancelled attempt failed and its retry, on the next worker, finished the chunk.
    expect(Math.max(...(await activityAttempts(handle.workflowId)))).toBe(2);
    // The retry resumed after the committed batches: at most the page in flight was read again.
    expect(source.contactRequests() - requestsBefore).toBeLessThanOrEqual(PAGES + 1);
  }, 120_000);
});
