/**
 * SIGKILL of the worker process while a Salesforce incremental run, and then a full run, reads
 * several SOQL ranges at once (API → real worker processes → Salesforce simulator → Postgres): the
 * next worker resumes every range where its committed records end, and the destination equals the
 * source with exact counts (the full run's soft deletes included). The simulator counts the
 * queries in flight: never more than the connection's 4.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configureCrm, tableRows } from './helpers/crm-scenario';
import { startSalesforceSim, type SalesforceSim } from './helpers/salesforce-simulator';
import { startScenario, waitForRuns } from './helpers/sync-scenario';
import { runKilledOnce } from './helpers/killed-run';
import { createWorkerProcesses, type WorkerProcesses } from './helpers/worker-process';

const DAY = 86_400_000;
const START = Date.now() - 21 * DAY;
/** 1,200 changes over 20 days after the full run's one record: 120 pages of 10, split into windows twice. */
const CHANGES = Array.from({ length: 1200 }, (_, i) => ({ Id: `003${String(i).padStart(6, '0')}`, SystemModstamp: new Date(START + DAY + i * (DAY / 60)).toISOString() }));

let s: Awaited<ReturnType<typeof startScenario>>;
let sf: SalesforceSim;
let workers: WorkerProcesses;
const taskQueue = `salesforce-windows-crash-${randomUUID()}`;

beforeAll(async () => {
  s = await startScenario();
  sf = await startSalesforceSim();
  sf.upsert('Contact', { Id: '003first', SystemModstamp: new Date(START).toISOString(), LastName: 'First' });
  const { connect, customerId } = await configureCrm(s, {
    providerName: 'salesforce',
    clientId: sf.oauth.clientId,
    clientSecret: sf.oauth.clientSecret,
    common: [],
    standard: ['Contact'],
  });
  // The first (full) run, on the scenario's own worker, leaves the cursor at the one record.
  await s.worker.run(async () => {
    await connect({ access_token: sf.oauth.issue(), refresh_token: 'refresh-1', instance_url: sf.url, login_url: sf.url });
    await waitForRuns(s.tenant, customerId, 1, 60_000);
  });
  sf.batchSize = 10;
  // Slow enough that a kill lands with ranges in flight.
  sf.queryDelayMs = 100;
  for (const c of CHANGES) sf.upsert('Contact', { ...c, LastName: `L${c.Id}` });
  // Small batches, so a kill lands between commits with others to come.
  workers = await createWorkerProcesses({ databaseUrl: s.api.tdb.url, taskQueue, env: { SYNC_BATCH_RECORDS: '30' } });
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await sf?.close();
  await s?.close();
});

/** The Contact sync's run, started on a fresh worker process, SIGKILLed once two batches are committed, finished by another. */
async function killedContactRun(name: string, strategy: 'full' | 'incremental') {
  const { id: syncId } = await s.api.tdb.db.selectFrom('syncs').select('id').where('object', '=', 'Contact').executeTakeFirstOrThrow();
  return runKilledOnce({ db: s.api.tdb.db, client: s.worker.client, workers, taskQueue, workflowId: `salesforce-windows-${name}-${syncId}`, syncId, strategy });
}

/** The killed run resumed, not restarted, and counted each record once; the destination equals the source. Its rows. */
async function expectResumedExactly(killed: Awaited<ReturnType<typeof killedContactRun>>, strategy: 'full' | 'incremental') {
  expect(killed.result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: CHANGES.length });
  // Resumed, not restarted: the run went on past what it had committed at the kill.
  expect(killed.seqAtKill).toBeLessThan(killed.seqAtEnd);
  expect(killed.run).toMatchObject({ status: 'SUCCESS', strategy, num_records_synced: CHANGES.length });
  const rows = await tableRows(s.destPool, 'salesforce_contact');
  expect(rows.map((r) => r.id)).toEqual(['003first', ...CHANGES.map((c) => c.Id)].sort());
  return rows;
}

/** Ranges, not one query: the whole range first, then its windows, some read at the same time (at most 4). */
function expectConcurrentRanges(sent: string[]) {
  expect(new Set(sent.filter((q) => q.includes(' AND SystemModstamp < '))).size).toBeGreaterThan(8);
  expect(sf.maxQueriesInFlight).toBeGreaterThan(1);
  expect(sf.maxQueriesInFlight).toBeLessThanOrEqual(4);
}

it('resumes every SOQL range of an incremental run after a SIGKILL: the destination equals the source, counted exactly', async () => {
  const from = sf.queries().length;
  sf.maxQueriesInFlight = 0;
  await expectResumedExactly(await killedContactRun('incremental', 'incremental'), 'incremental');
  expectConcurrentRanges(sf.queries().slice(from));
}, 240_000);

it('resumes every SOQL range of a full run after a SIGKILL, then reads its tail: only the record deleted at the source is soft-deleted', async () => {
  await s.api.tdb.db
    .updateTable('syncs')
    .set({ state: sql`state || ${JSON.stringify({ full_refresh_requested: true, full_refresh_request_id: 'crash-full' })}::jsonb` })
    .where('object', '=', 'Contact')
    .execute();
  const gone = CHANGES[500]!.Id;
  sf.remove('Contact', gone, new Date().toISOString());
  const from = sf.queries().length;
  sf.maxQueriesInFlight = 0;
  const rows = await expectResumedExactly(await killedContactRun('full', 'full'), 'full');
  expect(rows.filter((r) => r.deleted).map((r) => r.id)).toEqual([gone]);
  const sent = sf.queries().slice(from);
  expectConcurrentRanges(sent);
  // The tail, once: what changed from the range's end on.
  expect(sent.filter((q) => !q.includes(' AND SystemModstamp < ') && / WHERE SystemModstamp >= /.test(q))).toHaveLength(1);
}, 240_000);
