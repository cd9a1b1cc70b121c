/**
 * A multi-window backfill job with its worker processes SIGKILLed in its second and third
 * sub-windows: each new worker resumes the run at the sub-window and batch it had committed, the
 * destination ends with each record of the window once, and the job completes.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type ApiClient, type TestApi } from './helpers/api';
import { createEmptyDatabase } from './helpers/db';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, destinationRows, ok } from './helpers/sync-scenario';
import { createWorkerProcesses, waitUntil as waitFor, type WorkerProcesses } from './helpers/worker-process';

const PAGE_SIZE = 50;
// A contact every 3 minutes from 2026-01-01: 2000 of them span 100 hours.
const CONTACTS = 2000;
const WINDOW = { start: '2026-01-01T00:00:00.000Z', end: '2026-01-04T00:00:00.000Z' };
const IN_WINDOW = 1441; // i * 3 min <= 72 h

let api: TestApi;
let tenant: ApiClient;
let dest: Awaited<ReturnType<typeof createEmptyDatabase>>;
let destPool: pg.Pool;
let source: SourceApi;
let workers: WorkerProcesses;
const taskQueue = `sync-job-crash-${randomUUID()}`;

beforeAll(async () => {
  // No worker in this process: the job's workflows run only on the worker processes below.
  api = await startTestApi({ taskQueue });
  tenant = await api.newTenant('sync-job-crash');
  dest = await createEmptyDatabase('dest');
  destPool = new pg.Pool({ connectionString: dest.url, max: 2 });
  source = await startSourceApi(
    makeContacts(CONTACTS, 0, Date.parse('2026-01-01T00:00:00Z')).map((c, i) => ({ ...c, updated_at: new Date(Date.parse(WINDOW.start) + i * 180_000).toISOString() })),
  );
  workers = await createWorkerProcesses({ databaseUrl: api.tdb.url, taskQueue, env: { SYNC_BATCH_RECORDS: String(PAGE_SIZE) } });
});
afterAll(async () => {
  await workers?.close();
  await source?.close();
  await destPool?.end();
  await api?.close();
  await dest?.drop();
});

describe('sync job crash safety', () => {
  it('a backfill over three sub-windows survives SIGKILL of its worker in the second and the third, each record of the window once', async () => {
    const c = await configure({ api, tenant, dest } as never, source, { pageSize: PAGE_SIZE, autoStart: false, periodMs: 86_400_000 });
    await c.connect();
    const sync = await api.tdb.db.selectFrom('syncs').select(['id', 'state']).executeTakeFirstOrThrow();
    source.intercept = async () => {
      await new Promise((r) => setTimeout(r, 100));
      return undefined;
    };
    const job = await ok(
      tenant.request('POST', `/customers/${c.customerId}/connections/${c.providerName}/_sync_jobs`, { body: { start_date: WINDOW.start, end_date: WINDOW.end } }),
      202,
    );
    const progress = async () => {
      const run = await api.tdb.db.selectFrom('sync_runs').select('progress').where('sync_job_id', '=', job.job_id).executeTakeFirst();
      return (run?.progress ?? {}) as { seq?: number; backfill?: { index: number; bounds: string[] } };
    };
    const waitUntil = (cond: () => Promise<boolean>, what: string) => waitFor(cond, 180_000, what, () => workers.logs());

    let worker = workers.start();
    for (const index of [1, 2]) {
      // A few batches into the sub-window, then the worker dies.
      let seqAtEntry = -1;
      await waitUntil(async () => {
        const p = await progress();
        if (p.backfill?.index === index && seqAtEntry < 0) seqAtEntry = p.seq ?? 0;
        return (p.backfill?.index ?? 0) >= index && seqAtEntry >= 0 && (p.seq ?? 0) >= seqAtEntry + 3;
      }, `batches in sub-window ${index}`);
      workers.kill(worker);
      const atKill = await progress();
      expect(atKill.backfill!.index).toBe(index);
      worker = workers.start();
      // The next worker resumes in that sub-window after its last committed batch, not at the window's start.
      await waitUntil(async () => ((await progress()).seq ?? 0) > atKill.seq!, `progress after the kill in sub-window ${index}`);
      expect((await progress()).backfill!.index).toBeGreaterThanOrEqual(index);
    }

    let done: any;
    await waitUntil(async () => {
      done = await ok(tenant.request('GET', `/sync_jobs/${job.job_id}`));
      return done.status === 'JOB_COMPLETED';
    }, 'the job to complete');
    source.intercept = undefined;
    workers.kill(worker);

    expect(done).toMatchObject({ status: 'JOB_COMPLETED', processed_rows: IN_WINDOW, objects: [{ status: 'SYNC_SUCCESS', processed_rows: IN_WINDOW }] });
    const rows = await destinationRows(destPool);
    const expected = [...source.contacts.values()].filter((x) => x.updated_at <= WINDOW.end).map((x) => x.id);
    expect(expected).toHaveLength(IN_WINDOW);
    expect(rows.map((r) => r.id)).toEqual(expected.sort());
    expect(rows.every((r) => JSON.stringify(r.raw) === JSON.stringify(source.contacts.get(r.id)))).toBe(true);
    const runs = await api.tdb.db.selectFrom('sync_runs').selectAll().where('sync_id', '=', sync.id).execute();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'SUCCESS', num_records_synced: IN_WINDOW, sync_job_id: job.job_id });
    // The backfill never moved the sync's state.
    expect((await api.tdb.db.selectFrom('syncs').select('state').where('id', '=', sync.id).executeTakeFirstOrThrow()).state).toEqual(sync.state);
    // Sub-windows read 40 + 31 + 21 pages from their starts; each crash repeats at most the pages in flight.
    expect(source.contactRequests()).toBeLessThanOrEqual(40 + 31 + 21 + 6);
  }, 420_000);
});
