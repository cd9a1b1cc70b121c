/**
 * A worker process SIGKILLed mid-run, three times: each new worker resumes from the last
 * committed batch, and the destination ends with exactly the source's records.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, destinationRows, startScenario } from './helpers/sync-scenario';
import { createWorkerProcesses, waitUntil as waitFor, type WorkerProcesses } from './helpers/worker-process';

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
let workers: WorkerProcesses;
let syncId: string;
const taskQueue = `crash-${randomUUID()}`;
const PAGES = 40;
const PAGE_SIZE = 50;

beforeAll(async () => {
  s = await startScenario();
  source = await startSourceApi(makeContacts(PAGES * PAGE_SIZE));
  const c = await configure(s, source, { pageSize: PAGE_SIZE, autoStart: false });
  await c.connect();
  syncId = (await s.api.tdb.db.selectFrom('syncs').select('id').executeTakeFirstOrThrow()).id;
  // One page per batch (the engine gathers pages up to SYNC_BATCH_RECORDS), so kills land between batches.
  workers = await createWorkerProcesses({ databaseUrl: s.api.tdb.url, taskQueue, env: { SYNC_BATCH_RECORDS: String(PAGE_SIZE) } });
});
afterAll(async () => {
  await workers?.close();
  await source?.close();
  await s?.close();
});

const kill = (w: ReturnType<WorkerProcesses['start']>) => workers.kill(w);
/** `npm run worker`'s entry point in its own process group, against the test's Postgres and Temporal. */
const startWorkerProcess = () => workers.start();

async function committedSeq(runId: string | undefined): Promise<number> {
  const q = s.api.tdb.db.selectFrom('sync_runs').select('progress').where('sync_id', '=', syncId);
  const row = await (runId ? q.where('id', '=', runId) : q).orderBy('start_timestamp', 'desc').executeTakeFirst();
  return (row?.progress as { seq?: number } | undefined)?.seq ?? 0;
}

const waitUntil = (cond: () => Promise<boolean>, timeoutMs: number, what: string) => waitFor(cond, timeoutMs, what, () => workers.logs());

describe('crash safety', () => {
  it('survives SIGKILL of the worker at three points of a run with no record lost or duplicated', async () => {
    // Slow pages, so kills land while pages are being read and written.
    source.intercept = async () => {
      await new Promise((r) => setTimeout(r, 120));
      return undefined;
    };
    const handle = await s.worker.client.workflow.start('syncRunWorkflow', {
      taskQueue,
      workflowId: `crash-${syncId}`,
      args: [{ syncId, heartbeatTimeout: '4 seconds' }],
    });

    let worker = startWorkerProcess();
    for (const killAt of [4, 15, 27]) {
      await waitUntil(async () => (await committedSeq(undefined)) >= killAt, 120_000, `batch ${killAt}`);
      kill(worker);
      const seqAtKill = await committedSeq(undefined);
      worker = startWorkerProcess();
      // The next worker resumes after the last committed batch, not from zero.
      await waitUntil(async () => (await committedSeq(undefined)) > seqAtKill, 120_000, `progress after kill at ${seqAtKill}`);
    }

    const result = await handle.result();
    source.intercept = undefined;
    kill(worker);
    expect(result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: PAGES * PAGE_SIZE });

    const rows = await destinationRows(s.destPool);
    expect(rows.map((r) => r.id)).toEqual([...source.contacts.keys()].sort());
    expect(rows.every((r) => JSON.stringify(r.raw) === JSON.stringify(source.contacts.get(r.id)))).toBe(true);

    const runs = await s.api.tdb.db.selectFrom('sync_runs').selectAll().where('sync_id', '=', syncId).execute();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'SUCCESS', num_records_synced: PAGES * PAGE_SIZE });
    // Each crash repeats at most the page in flight: nowhere near a restart from zero.
    expect(source.contactRequests()).toBeLessThanOrEqual(PAGES + 3);
  }, 300_000);
});

describe('recovery after a worker dies', () => {
  it('resumes a dead worker’s chunk on another worker within 30 s, with the default heartbeat timeout', async () => {
    await s.api.tdb.db.deleteFrom('sync_runs').where('sync_id', '=', syncId).execute();
    // What perform_full_refresh asks for: a full run, so there are batches to kill it between.
    await s.api.tdb.db
      .updateTable('syncs')
      .set({ state: JSON.stringify({ full_refresh_requested: true }) })
      .where('id', '=', syncId)
      .execute();
    source.intercept = async () => {
      await new Promise((r) => setTimeout(r, 200));
      return undefined;
    };
    // As the sync's Schedule starts it: no test-only heartbeat timeout.
    const handle = await s.worker.client.workflow.start('syncRunWorkflow', { taskQueue, workflowId: `recover-${syncId}`, args: [{ syncId }] });
    let worker = startWorkerProcess();
    await waitUntil(async () => (await committedSeq(undefined)) >= 5, 120_000, 'batch 5');
    kill(worker);
    const killedAt = Date.now();
    const seqAtKill = await committedSeq(undefined);
    worker = startWorkerProcess();
    await waitUntil(async () => (await committedSeq(undefined)) > seqAtKill, 60_000, `a batch after the kill at ${seqAtKill}`);
    const recoveryMs = Date.now() - killedAt;
    console.info(`[sync-crash] next batch committed ${recoveryMs} ms after SIGKILL`);
    expect(recoveryMs, `next batch committed ${recoveryMs} ms after the kill`).toBeLessThan(30_000);

    const result = await handle.result();
    source.intercept = undefined;
    kill(worker);
    expect(result).toMatchObject({ status: 'SUCCESS' });
  }, 300_000);
});
