/**
 * A write job whose worker process is SIGKILLed while batches are at HubSpot (its simulator, slow
 * to answer): the next worker process resumes the job. An upsert job ends with every record in
 * HubSpot exactly once; a create job never creates a record twice, and the batches that were in
 * flight are reported `unknown` rather than sent again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureCrm } from './helpers/crm-scenario';
import { startHubspotSim, type HubspotSim } from './helpers/hubspot-simulator';
import { startTestApi } from './helpers/api';
import { createEmptyDatabase } from './helpers/db';
import { ok, type Scenario } from './helpers/sync-scenario';
import { uniqueTaskQueue } from './helpers/temporal';
import { createWorkerProcesses, waitUntil, type WorkerProcesses } from './helpers/worker-process';

// The API and the worker processes only: no worker in this process.
let s: Pick<Scenario, 'api' | 'tenant' | 'dest'>;
let hs: HubspotSim;
let workers: WorkerProcesses;
let crm: Awaited<ReturnType<typeof configureCrm>>;
const RECORDS = 3_000;

beforeAll(async () => {
  const taskQueue = uniqueTaskQueue('write-crash');
  const [api, dest] = await Promise.all([startTestApi({ taskQueue }), createEmptyDatabase('dest')]);
  s = { api, dest, tenant: await api.newTenant('write-crash') };
  hs = await startHubspotSim();
  crm = await configureCrm(s as Parameters<typeof configureCrm>[0], {
    providerName: 'hubspot',
    clientId: 'hs-client',
    clientSecret: 'hs-secret',
    common: ['contact'],
    standard: [],
  });
  await crm.connect({ access_token: hs.oauth.issue(), refresh_token: 'refresh-1', instance_url: hs.url });
  workers = await createWorkerProcesses({ databaseUrl: s.api.tdb.url, taskQueue: s.api.deps.temporal.taskQueue });
  hs.latencyMs = 400;
});
afterAll(async () => {
  await workers?.close();
  await hs?.close();
  await s?.api.close();
  await s?.dest.drop();
});

const contact = (email: string) => ({ first_name: 'Crash', last_name: email.split('@')[0], email_addresses: [{ email_address: email, email_address_type: 'primary' }] });
const countsByEmail = () => {
  const n = new Map<string, number>();
  for (const r of hs.objects.contacts!.values()) if (r.properties.email) n.set(r.properties.email, (n.get(r.properties.email) ?? 0) + 1);
  return n;
};
const job = (id: string) => ok(s.tenant.request('GET', `/jobs/${id}`));

/** Starts the job, kills the worker once `killAfter` records have outcomes, lets a second worker finish it. */
async function crashMidJob(body: Record<string, unknown>, killAfter: number) {
  const started = await ok(s.tenant.request('POST', `/customers/${crm.customerId}/connections/hubspot/_write_jobs`, { body }), 202);
  const first = workers.start();
  await waitUntil(
    async () => {
      const j = await job(started.id);
      // A job that failed outright will never get there: say why at once.
      if (j.status === 'failed') throw new Error(`the job failed before the kill: ${j.error}\n${workers.logs()}`);
      return j.write.records_succeeded >= killAfter;
    },
    120_000,
    `${killAfter} records written`,
    () => workers.logs(),
  );
  workers.kill(first);
  // Counted once the worker is dead (and a COMMIT it had sent has landed): nothing changes the ledger until the next one starts.
  await new Promise((r) => setTimeout(r, 500));
  const inFlight = await s.api.tdb.db.selectFrom('write_job_records').select('seq').where('job_id', '=', started.id).where('status', '=', 'sending').execute();
  workers.start();
  await waitUntil(
    async () => ['succeeded', 'failed'].includes((await job(started.id)).status),
    180_000,
    'the job to finish',
    () => workers.logs(),
  );
  workers.killAll();
  return { final: await job(started.id), inFlightAtKill: inFlight.length };
}

describe('write job crash safety', () => {
  it('an upsert job killed mid-batch ends with every record in HubSpot exactly once', async () => {
    const emails = Array.from({ length: RECORDS }, (_, i) => `up${i}@example.com`);
    const { final, inFlightAtKill } = await crashMidJob(
      { object_type: 'common', object: 'contact', operation: 'upsert', match: { field: 'email' }, records: emails.map(contact) },
      600,
    );
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(final).toMatchObject({ status: 'succeeded', write: { records_total: RECORDS, records_succeeded: RECORDS, records_failed: 0, records_unknown: 0, records_pending: 0 } });
    const counts = countsByEmail();
    expect(emails.filter((e) => counts.get(e) !== 1)).toEqual([]);
  }, 240_000);

  it('a create job killed mid-batch creates no record twice and reports the batches in flight as unknown', async () => {
    const emails = Array.from({ length: RECORDS }, (_, i) => `cr${i}@example.com`);
    const { final, inFlightAtKill } = await crashMidJob({ object_type: 'common', object: 'contact', operation: 'create', records: emails.map(contact) }, 600);
    expect(inFlightAtKill).toBeGreaterThan(0);
    const w = final.write;
    expect(final.status).toBe('succeeded');
    expect(w.records_succeeded + w.records_unknown).toBe(RECORDS);
    expect(w.records_unknown).toBe(inFlightAtKill);
    const counts = countsByEmail();
    expect(emails.filter((e) => (counts.get(e) ?? 0) > 1)).toEqual([]);

    const results: any[] = [];
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page: any = await ok(s.tenant.request('GET', `/jobs/${final.id}/results?page_size=1000${cursor ? `&cursor=${cursor}` : ''}`));
      results.push(...page.results);
      cursor = page.next;
    }
    // Every succeeded record is in HubSpot once, under the id the job reports.
    for (const r of results.filter((x) => x.status === 'succeeded')) expect(hs.objects.contacts!.get(r.id)?.properties.email).toBe(emails[r.index]);
    expect(results.filter((x) => x.status === 'unknown').every((x) => /may have created it/.test(x.error.message))).toBe(true);
  }, 240_000);
});
