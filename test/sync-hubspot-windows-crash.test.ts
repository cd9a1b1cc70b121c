/**
 * SIGKILL of the worker process while a HubSpot incremental run reads several search windows at
 * once (API → real worker processes → HubSpot simulator → Postgres): the next worker resumes every
 * window where its committed records end, and the destination equals the source with exact
 * counts. The simulator counts requests in flight: never more than the connection's 4.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configureCrm, tableRows } from './helpers/crm-scenario';
import { startHubspotSim, type HubspotSim } from './helpers/hubspot-simulator';
import { startScenario, waitForRuns } from './helpers/sync-scenario';
import { runKilledOnce } from './helpers/killed-run';
import { createWorkerProcesses, type WorkerProcesses } from './helpers/worker-process';

const DAY = 86_400_000;
const START = Date.now() - 21 * DAY;
/** 3,000 changes over 20 days after the full run's one record: 30 pages of 100, split into windows. */
const CHANGES = Array.from({ length: 3000 }, (_, i) => ({ id: String(1000 + i), updatedAt: new Date(START + DAY + i * (DAY / 150)).toISOString() }));

let s: Awaited<ReturnType<typeof startScenario>>;
let hs: HubspotSim;
let workers: WorkerProcesses;
const taskQueue = `hubspot-windows-crash-${randomUUID()}`;

beforeAll(async () => {
  s = await startScenario();
  hs = await startHubspotSim();
  hs.upsert('products', { id: '1', updatedAt: new Date(START).toISOString(), properties: { name: 'First' } });
  const { connect, customerId } = await configureCrm(s, {
    providerName: 'hubspot',
    clientId: hs.oauth.clientId,
    clientSecret: hs.oauth.clientSecret,
    common: [],
    standard: ['products'],
  });
  // The first (full) run, on the scenario's own worker, leaves the cursor at the one record.
  await s.worker.run(async () => {
    await connect({ access_token: hs.oauth.issue(), refresh_token: 'refresh-1', instance_url: hs.url });
    await waitForRuns(s.tenant, customerId, 1, 60_000);
  });
  // Slow enough that a kill lands with windows in flight, and that search's 5/s leaves more than one in flight.
  hs.latencyMs = 400;
  for (const c of CHANGES) hs.upsert('products', { ...c, properties: { name: `P${c.id}` } });
  // Small batches, so a kill lands between commits with others to come.
  workers = await createWorkerProcesses({ databaseUrl: s.api.tdb.url, taskQueue, env: { SYNC_BATCH_RECORDS: '30' } });
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await hs?.close();
  await s?.close();
});

it('resumes every search window of an incremental run after a SIGKILL: the destination equals the source, counted exactly', async () => {
  const { id: syncId } = await s.api.tdb.db.selectFrom('syncs').select('id').where('object', '=', 'products').executeTakeFirstOrThrow();
  const from = hs.requests('/crm/v3/objects/products/search').length;
  hs.sim.maxInFlight = 0;
  const { result, seqAtKill, seqAtEnd, run } = await runKilledOnce({
    db: s.api.tdb.db,
    client: s.worker.client,
    workers,
    taskQueue,
    workflowId: `hubspot-windows-${syncId}`,
    syncId,
  });

  const synced = CHANGES.length;
  expect(result).toMatchObject({ status: 'SUCCESS', numRecordsSynced: synced });
  // Resumed, not restarted: the run went on past what it had committed at the kill.
  expect(seqAtKill).toBeLessThan(seqAtEnd);
  expect(run).toMatchObject({ status: 'SUCCESS', strategy: 'incremental', num_records_synced: synced });
  const rows = await tableRows(s.destPool, 'hubspot_products');
  expect(rows.map((r) => r.id)).toEqual(['1', ...CHANGES.map((c) => c.id)].sort());
  expect(rows.filter((r) => r.id !== '1').every((r) => r.raw.name === `P${r.id}`)).toBe(true);
  // Windows, not one search: the whole range first, then its pieces, some read at the same time.
  const windows = hs
    .requests('/crm/v3/objects/products/search')
    .slice(from)
    .map((r) => JSON.stringify((r.json as { filterGroups: unknown }).filterGroups));
  expect(new Set(windows).size).toBeGreaterThan(4);
  expect(hs.sim.maxInFlight).toBeGreaterThan(1);
  expect(hs.sim.maxInFlight).toBeLessThanOrEqual(4);
}, 240_000);
