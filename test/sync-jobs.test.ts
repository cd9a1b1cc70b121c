/**
 * Sync jobs end to end (API → job workflow → the syncs' schedules → run workflows → source
 * simulator → Postgres): a backfill window syncs exactly its records and leaves the cursor where
 * the sync's runs put it; selected objects only; a reset or a full sync makes the run full; the
 * parallel-run rule; the signed job.* webhooks; every bad body a 400 naming its field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookKickListener } from '../services/webhooks/listener';
import { postgresDestinationConfig } from './helpers/db';
import { sourceConnector, startSourceApi, type Contact, type SourceApi } from './helpers/source-api';
import { configure, destinationRows, ok, startScenario, waitForRuns } from './helpers/sync-scenario';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver';

let s: Awaited<ReturnType<typeof startScenario>>;
let receiver: WebhookReceiver;
const sources: SourceApi[] = [];

beforeAll(async () => {
  [s, receiver] = await Promise.all([startScenario(), startWebhookReceiver()]);
  const endpoint = await ok(
    s.tenant.request('POST', '/webhook_endpoints', {
      body: { url: receiver.url('jobs'), event_types: ['job.created', 'job.sync_started', 'job.sync_success', 'job.sync_failed', 'job.completed'] },
    }),
    201,
  );
  receiver.setSecrets('jobs', endpoint.secret);
});
afterAll(async () => {
  await Promise.all(sources.map((src) => src.close()));
  await receiver?.close();
  await s?.close();
});

const contact = (id: string, updated_at: string): Contact => ({ id, name: `Contact ${id}`, email: `${id}@example.com`, updated_at });
const seconds = (iso: string) => String(Date.parse(iso) / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A provider with two objects on the same simulator: contacts and contacts_copy. */
async function connectProvider(providerName: string, contacts: Contact[]) {
  const source = await startSourceApi(contacts);
  sources.push(source);
  const def = sourceConnector(providerName);
  const connector = { ...def, streams: [...def.streams, { ...def.streams[0]!, id: 'contacts_copy', name: 'Contacts copy' }] };
  const c = await configure(s, source, {
    customerId: `cust-${providerName}`,
    providerName,
    connector,
    standardObjects: ['contacts', 'contacts_copy'],
    periodMs: 86_400_000,
    destination: { type: 'postgres', name: `wh-${providerName}`, config: postgresDestinationConfig(s.dest.url) },
  });
  await c.connect();
  await waitForRuns(s.tenant, c.customerId, 2);
  const table = `${providerName.replace(/-/g, '_')}_contacts`;
  const path = `/customers/${c.customerId}/connections/${providerName}/_sync_jobs`;
  const syncOf = async (object: string) =>
    s.api.tdb.db
      .selectFrom('syncs')
      .innerJoin('connections', 'connections.id', 'syncs.connection_id')
      .select(['syncs.id', 'syncs.state'])
      .where('connections.provider_name', '=', providerName)
      .where('syncs.object', '=', object)
      .executeTakeFirstOrThrow();
  return { ...c, source, table, path, syncOf };
}

async function waitForJob(jobId: string, status = 'JOB_COMPLETED', timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await ok(s.tenant.request('GET', `/sync_jobs/${jobId}`));
    if (job.status === status) return job;
    if (Date.now() > deadline) throw new Error(`sync job ${jobId} still ${job.status}: ${JSON.stringify(job)}`);
    await sleep(200);
  }
}

const runsOfSync = (syncId: string) => s.api.tdb.db.selectFrom('sync_runs').selectAll().where('sync_id', '=', syncId).orderBy('start_timestamp').execute();

describe('sync jobs', () => {
  it('a backfill window syncs exactly its records (both ends, each sub-window boundary once) of the selected object only, leaves the cursor alone, and the next incremental picks up only new changes; job.* webhooks arrive signed', {
    timeout: 180_000,
  }, async () => {
    const p = await connectProvider('crm-window', [
      contact('before', '2026-01-01T23:59:59.000Z'),
      contact('start', '2026-01-02T00:00:00.000Z'),
      contact('mid1', '2026-01-02T10:00:00.000Z'),
      // 60 h in sub-windows of 20 h: their boundaries are 2026-01-02T20:00 and 2026-01-03T16:00.
      contact('edge1', '2026-01-02T20:00:00.000Z'),
      contact('mid2', '2026-01-03T12:00:00.000Z'),
      contact('edge2', '2026-01-03T16:00:00.000Z'),
      contact('end', '2026-01-04T12:00:00.000Z'),
      contact('after', '2026-01-04T12:00:01.000Z'),
      contact('late', '2026-01-06T00:00:00.000Z'),
    ]);
    const contacts = await p.syncOf('contacts');
    const copy = await p.syncOf('contacts_copy');
    expect((contacts.state as { cursor?: string }).cursor).toBe('2026-01-06T00:00:00.000Z');
    await s.destPool.query(`delete from public."${p.table}"`);
    const listener = startWebhookKickListener(s.worker.deps, { databaseUrl: s.api.tdb.url });
    try {
      await s.worker.run(async () => {
        const from = p.source.sim.requests.length;
        const created = await ok(
          s.tenant.request('POST', p.path, {
            body: { objects: [{ object_type: 'standard', object: 'contacts' }], start_date: '2026-01-02T00:00:00Z', end_date: '2026-01-04T12:00:00Z', job_name: 'january' },
          }),
          202,
        );
        expect(created).toMatchObject({
          status: 'JOB_CREATED',
          job_name: 'january',
          customer_id: p.customerId,
          provider_name: 'crm-window',
          window: { start: '2026-01-02T00:00:00.000Z', end: '2026-01-04T12:00:00.000Z' },
          objects: [{ object_type: 'standard', object: 'contacts', status: 'JOB_CREATED', processed_rows: 0 }],
        });
        const done = await waitForJob(created.job_id);
        expect(done).toMatchObject({ status: 'JOB_COMPLETED', processed_rows: 6, objects: [{ object: 'contacts', status: 'SYNC_SUCCESS', processed_rows: 6 }] });

        // Exactly the window's records, each once.
        expect((await destinationRows(s.destPool, p.table)).map((r) => r.id)).toEqual(['edge1', 'edge2', 'end', 'mid1', 'mid2', 'start']);
        // Each sub-window read from its own start (the provider's only bound).
        const reads = p.source.sim.requests.slice(from).filter((r) => r.path === '/contacts');
        expect([...new Set(reads.map((r) => r.query.updated_after))]).toEqual([seconds('2026-01-02T00:00:00Z'), seconds('2026-01-02T20:00:00Z'), seconds('2026-01-03T16:00:00Z')]);
        const jobRuns = (await runsOfSync(contacts.id)).filter((r) => r.sync_job_id === created.job_id);
        expect(jobRuns).toHaveLength(1);
        expect(jobRuns[0]).toMatchObject({ status: 'SUCCESS', num_records_synced: 6 });
        // The unselected object did not run again; the cursor did not move.
        expect(await runsOfSync(copy.id)).toHaveLength(1);
        expect((await p.syncOf('contacts')).state).toEqual(contacts.state);

        // The next incremental reads from the cursor as the sync's own runs left it: only the new change.
        p.source.upsert(contact('new', '2026-01-07T00:00:00.000Z'));
        const beforeTrigger = p.source.sim.requests.length;
        await ok(
          s.tenant.request('POST', '/syncs/_trigger', {
            headers: { 'x-customer-id': p.customerId, 'x-provider-name': 'crm-window' },
            body: { object_type: 'standard', object: 'contacts' },
          }),
        );
        const [latest] = await waitForRuns(s.tenant, p.customerId, 4);
        expect(latest).toMatchObject({ status: 'SUCCESS', num_records_synced: 1 });
        const incrementalReads = p.source.sim.requests.slice(beforeTrigger).filter((r) => r.path === '/contacts');
        expect([...new Set(incrementalReads.map((r) => r.query.updated_after))]).toEqual([seconds('2026-01-06T00:00:00Z')]);
        expect((await destinationRows(s.destPool, p.table)).map((r) => r.id)).toContain('new');

        const ofJob = () => receiver.accepted('jobs').filter((a) => (a.body as { job_id?: string }).job_id === created.job_id);
        await receiver.waitFor(() => ofJob().length >= 4, 60_000, 'the job.* webhooks');
        // Deliveries may arrive in any order; the event log has the order of the changes.
        const received = new Map(ofJob().map((a) => [(a.body as { webhook_event_type: string }).webhook_event_type, a.body as { status: string; processed_rows: number }]));
        expect([...received.keys()].sort()).toEqual(['job.completed', 'job.created', 'job.sync_started', 'job.sync_success']);
        expect(received.get('job.created')!.status).toBe('JOB_CREATED');
        expect(received.get('job.sync_started')!.status).toBe('SYNC_STARTED');
        expect(received.get('job.sync_success')).toMatchObject({ status: 'SYNC_SUCCESS', processed_rows: 6 });
        expect(received.get('job.completed')).toMatchObject({ status: 'JOB_COMPLETED', processed_rows: 6, job_id: created.job_id, window: done.window });
        for (const r of receiver.requests('jobs')) expect(r.verified, r.verifyError).toBe(true);
        const log = await ok(s.tenant.request('GET', '/webhook_events?page_size=1000'));
        const logged = log.results.filter((e: { payload: { job_id?: string } }) => e.payload.job_id === created.job_id).map((e: { type: string }) => e.type);
        expect(logged).toEqual(['job.created', 'job.sync_started', 'job.sync_success', 'job.completed']);
      });
    } finally {
      await listener.close();
    }

    const listed = await ok(s.tenant.request('GET', `/sync_jobs?customer_id=${p.customerId}&status=JOB_COMPLETED`));
    expect(listed.results.map((j: { job_name?: string }) => j.job_name)).toEqual(['january']);
    expect((await ok(s.tenant.request('GET', `/sync_jobs?customer_id=${p.customerId}&status=SYNC_STARTED`))).results).toEqual([]);
    expect((await ok(s.tenant.request('GET', `/sync_jobs?customer_id=${p.customerId}&created_after=2099-01-01T00:00:00Z`))).results).toEqual([]);
  });

  it('reset_source_state clears the cursor and runs full; full_sync runs full and soft-deletes what the provider no longer has', { timeout: 180_000 }, async () => {
    const p = await connectProvider('crm-reset', [contact('a', '2026-01-01T00:00:00.000Z'), contact('b', '2026-01-02T00:00:00.000Z'), contact('c', '2026-01-03T00:00:00.000Z')]);
    const sync = await p.syncOf('contacts');
    await s.worker.run(async () => {
      let from = p.source.sim.requests.length;
      const reset = await ok(s.tenant.request('POST', p.path, { body: { objects: [{ object_type: 'standard', object: 'contacts' }], reset_source_state: true } }), 202);
      expect(await waitForJob(reset.job_id)).toMatchObject({ status: 'JOB_COMPLETED', processed_rows: 3, reset_source_state: true });
      const reads = p.source.sim.requests.slice(from).filter((r) => r.path === '/contacts');
      expect(reads.map((r) => r.query.updated_after ?? null)).toEqual([null]);
      const resetRun = (await runsOfSync(sync.id)).find((r) => r.sync_job_id === reset.job_id)!;
      expect(resetRun).toMatchObject({ strategy: 'full', status: 'SUCCESS' });
      // The sync's first run found its table empty, so its finish skipped the soft-delete pass; the reset's did not.
      const [first] = await runsOfSync(sync.id);
      expect(first).toMatchObject({ strategy: 'full', status: 'SUCCESS', progress: expect.objectContaining({ startedEmpty: true }) });
      expect(resetRun.progress).toMatchObject({ startedEmpty: false });
      expect((await p.syncOf('contacts')).state).toMatchObject({ cursor: '2026-01-03T00:00:00.000Z', incrementals_since_full: 0 });

      p.source.contacts.delete('b');
      from = p.source.sim.requests.length;
      const full = await ok(s.tenant.request('POST', p.path, { body: { objects: [{ object_type: 'standard', object: 'contacts' }], full_sync: true } }), 202);
      expect(await waitForJob(full.job_id)).toMatchObject({ processed_rows: 2, full_sync: true });
      expect(
        p.source.sim.requests
          .slice(from)
          .filter((r) => r.path === '/contacts')
          .map((r) => r.query.updated_after ?? null),
      ).toEqual([null]);
      // Another application sees none of it.
      const other = await s.api.newTenant('sync-jobs-other');
      expect((await other.request('GET', `/sync_jobs/${full.job_id}`)).status).toBe(404);
      expect((await ok(other.request('GET', '/sync_jobs'))).total_count).toBe(0);
      const rows = await destinationRows(s.destPool, p.table);
      expect(rows.map((r) => [r.id, r.deleted])).toEqual([
        ['a', false],
        ['b', true],
        ['c', false],
      ]);
      expect((await runsOfSync(sync.id)).find((r) => r.sync_job_id === full.job_id)!.progress).toMatchObject({ startedEmpty: false });
    });
  });

  it('a sync with a run in progress: refused with 409 naming the run, or with ignore_parallel_jobs queued to run right after it', { timeout: 180_000 }, async () => {
    const p = await connectProvider('crm-parallel', [contact('a', '2026-01-01T00:00:00.000Z'), contact('b', '2026-01-02T00:00:00.000Z')]);
    const sync = await p.syncOf('contacts');
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    p.source.intercept = async () => {
      await gate;
      return undefined;
    };
    await s.worker.run(async () => {
      await ok(
        s.tenant.request('POST', '/syncs/_trigger', {
          headers: { 'x-customer-id': p.customerId, 'x-provider-name': 'crm-parallel' },
          body: { object_type: 'standard', object: 'contacts', perform_full_refresh: true },
        }),
      );
      let running: { id: string } | undefined;
      for (let i = 0; i < 200 && !running; i++) {
        running = (await runsOfSync(sync.id)).find((r) => r.status === 'IN_PROGRESS');
        if (!running) await sleep(100);
      }
      expect(running).toBeDefined();
      const body = { objects: [{ object_type: 'standard', object: 'contacts' }] };
      const refused = await s.tenant.request('POST', p.path, { body });
      expect(refused.status).toBe(409);
      expect(refused.body.errors[0].detail).toContain(running!.id);

      const queued = await ok(s.tenant.request('POST', p.path, { body: { ...body, ignore_parallel_jobs: true } }), 202);
      // Another job now waits on the sync: a third without the flag is refused naming that job.
      const refusedAgain = await s.tenant.request('POST', p.path, { body });
      expect(refusedAgain.status).toBe(409);
      expect(refusedAgain.body.errors[0].detail).toContain(queued.job_id);
      await sleep(1500);
      expect(await ok(s.tenant.request('GET', `/sync_jobs/${queued.job_id}`))).toMatchObject({ status: 'JOB_CREATED', objects: [{ status: 'JOB_CREATED' }] });
      release();
      expect(await waitForJob(queued.job_id)).toMatchObject({ status: 'JOB_COMPLETED', objects: [{ status: 'SYNC_SUCCESS' }] });
      const all = await runsOfSync(sync.id);
      const first = all.find((r) => r.id === running!.id)!;
      const jobRun = all.find((r) => r.sync_job_id === queued.job_id)!;
      expect(first.status).toBe('SUCCESS');
      // Never two runs of the sync at once: the job's run opened after the other closed.
      expect(jobRun.start_timestamp.getTime()).toBeGreaterThanOrEqual(first.end_timestamp!.getTime());
    });
    p.source.intercept = undefined;
  });

  it('runs every object sync of the connection by default; a run that fails makes the job SYNC_FAILED with the reason, then JOB_COMPLETED', { timeout: 180_000 }, async () => {
    const p = await connectProvider('crm-fail', [contact('a', '2026-01-01T00:00:00.000Z')]);
    const listener = startWebhookKickListener(s.worker.deps, { databaseUrl: s.api.tdb.url });
    try {
      await s.worker.run(async () => {
        p.source.intercept = () => ({ status: 401, json: { error: 'token revoked' } });
        const job = await ok(s.tenant.request('POST', p.path, { body: {} }), 202);
        expect(job.objects.map((o: { object: string }) => o.object).sort()).toEqual(['contacts', 'contacts_copy']);
        const done = await waitForJob(job.job_id);
        expect(done).toMatchObject({ status: 'JOB_COMPLETED', processed_rows: 0 });
        expect(done.objects.map((o: { status: string }) => o.status)).toEqual(['SYNC_FAILED', 'SYNC_FAILED']);
        expect(done.objects[0].error).toMatch(/401|revoked|credentials/i);
        expect(done.message).toContain('contacts');
        const ofJob = () => receiver.accepted('jobs').filter((a) => (a.body as { job_id?: string }).job_id === job.job_id);
        await receiver.waitFor(() => ofJob().length >= 4, 60_000, 'the job.* webhooks');
        expect(
          ofJob()
            .map((a) => (a.body as { webhook_event_type: string }).webhook_event_type)
            .sort(),
        ).toEqual(['job.completed', 'job.created', 'job.sync_failed', 'job.sync_started']);
      });
    } finally {
      p.source.intercept = undefined;
      await listener.close();
    }
  });

  it('every bad body is a 400 naming the field', { timeout: 60_000 }, async () => {
    const p = await connectProvider('crm-bad', [contact('a', '2026-01-01T00:00:00.000Z')]);
    const cases: Array<[unknown, string]> = [
      [{ start_date: 'yesterday' }, 'start_date'],
      [{ start_date: '2026-01-02T00:00:00' }, 'start_date'],
      [{ start_date: '2026-01-02T00:00:00Z', end_date: '2026-13-40' }, 'end_date'],
      [{ start_date: '2026-01-02T00:00:00Z', end_date: '2026-01-01T00:00:00Z' }, 'end_date'],
      [{ end_date: '2026-01-01T00:00:00Z' }, 'start_date'],
      [{ start_date: '2099-01-01T00:00:00Z' }, 'start_date'],
      [{ start_date: '2026-01-01T00:00:00Z', end_date: '2026-01-02T00:00:00Z', full_sync: true }, 'full_sync'],
      [{ start_date: '2026-01-01T00:00:00Z', end_date: '2026-01-02T00:00:00Z', reset_source_state: true }, 'reset_source_state'],
      [{ objects: [{ object_type: 'standard', object: 'deals' }] }, 'objects.0.object'],
      [
        {
          objects: [
            { object_type: 'standard', object: 'contacts' },
            { object_type: 'standard', object: 'contacts' },
          ],
        },
        'objects.1.object',
      ],
      [{ objects: [{ object_type: 'table', object: 'contacts' }] }, 'objects.0.object_type'],
      [{ objects: [] }, 'objects'],
      [{ full_sync: 'yes' }, 'full_sync'],
      [{ ignore_parallel_jobs: 1 }, 'ignore_parallel_jobs'],
      [{ job_name: '' }, 'job_name'],
      [{ override_selected_tables: ['contacts'] }, 'override_selected_tables'],
    ];
    for (const [body, field] of cases) {
      const res = await s.tenant.request('POST', p.path, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(
        res.body.errors[0].meta.fields.map((f: { field: string }) => f.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    expect((await s.tenant.request('GET', '/sync_jobs?status=DONE')).status).toBe(400);
    expect((await s.tenant.request('GET', '/sync_jobs?created_after=soon')).status).toBe(400);
    expect((await s.tenant.request('GET', '/sync_jobs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await s.tenant.request('POST', '/customers/nobody/connections/crm-bad/_sync_jobs', { body: {} })).status).toBe(404);
  });
});
