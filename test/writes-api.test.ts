/**
 * Writes through the Management API extension into HubSpot (its simulator), end to end: a real
 * API, Temporal dev server and worker. Real-time writes (exact request received, record as
 * stored, the provider's own refusals, idempotency, outage), write jobs (batches, per-record
 * results, NDJSON, the signed write_job.complete webhook), and the next sync reading a written
 * record back once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookKickListener } from '../services/webhooks/listener';
import { configureCrm } from './helpers/crm-scenario';
import { startHubspotSim, type HubspotSim } from './helpers/hubspot-simulator';
import { ok, startScenario, waitForRuns } from './helpers/sync-scenario';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver';

let s: Awaited<ReturnType<typeof startScenario>>;
let hs: HubspotSim;
let receiver: WebhookReceiver;
let crm: Awaited<ReturnType<typeof configureCrm>>;
const base = () => `/customers/${crm.customerId}/connections/hubspot`;
const write = (body: unknown, headers: Record<string, string> = {}) => s.tenant.request('POST', `${base()}/_write`, { body, headers });
const contact = (first: string, email: string) => ({ first_name: first, last_name: 'Test', email_addresses: [{ email_address: email, email_address_type: 'primary' }] });
const byEmail = (email: string) => [...hs.objects.contacts!.values()].filter((r) => r.properties.email === email);

beforeAll(async () => {
  [s, hs, receiver] = await Promise.all([startScenario(), startHubspotSim(), startWebhookReceiver()]);
  hs.upsert('companies', { id: '101', updatedAt: '2026-03-01T00:00:00Z', properties: { name: 'Acme' } });
  crm = await configureCrm(s, {
    providerName: 'hubspot',
    clientId: hs.oauth.clientId,
    clientSecret: hs.oauth.clientSecret,
    common: ['contact'],
    standard: [],
    strategy: 'full then incremental',
  });
  await crm.connect({ access_token: hs.oauth.issue(), refresh_token: 'refresh-1', instance_url: hs.url });
});
afterAll(async () => {
  await receiver?.close();
  await hs?.close();
  await s?.close();
});

describe('real-time write', () => {
  it('creates a common contact: HubSpot receives the mapped properties and the company association, the answer is the record as stored', async () => {
    const before = hs.requests('/crm/v3/objects/contacts/batch/create', 'POST').length;
    const body = await ok(
      write({
        object_type: 'common',
        object: 'contact',
        operation: 'create',
        record: { ...contact('Grace', 'grace@example.com'), last_name: 'Hopper', account_id: '101' },
      }),
    );
    const sent = hs.requests('/crm/v3/objects/contacts/batch/create', 'POST').slice(before);
    expect(sent).toHaveLength(1);
    const input = (sent[0]!.json as { inputs: Array<Record<string, any>> }).inputs[0]!;
    expect(input.properties).toEqual({ firstname: 'Grace', lastname: 'Hopper', email: 'grace@example.com' });
    expect(input.associations).toEqual([{ to: { id: '101' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] }]);

    const stored = hs.objects.contacts!.get(body.id)!;
    expect(stored.properties).toMatchObject({ firstname: 'Grace', lastname: 'Hopper', email: 'grace@example.com' });
    expect(body).toMatchObject({
      id: stored.id,
      operation: 'create',
      record: { id: stored.id, first_name: 'Grace', last_name: 'Hopper', raw_data: { email: 'grace@example.com' } },
    });
    expect(body.record.email_addresses).toEqual([{ email_address: 'grace@example.com', email_address_type: 'primary' }]);
  });

  it("answers a duplicate with HubSpot's own message as a 409, and writes nothing", async () => {
    const count = hs.objects.contacts!.size;
    const res = await write({ object_type: 'common', object: 'contact', operation: 'create', record: contact('Again', 'grace@example.com') });
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    const [err] = res.body.errors;
    expect(err.detail).toMatch(/Contact already exists\. Existing ID: \d+/);
    expect(err.meta).toMatchObject({ origin: 'remote-provider', provider_status: 409 });
    expect(hs.objects.contacts!.size).toBe(count);
  });

  it('updates only the fields given, by id', async () => {
    const [grace] = byEmail('grace@example.com');
    const before = hs.requests('/crm/v3/objects/contacts/batch/update', 'POST').length;
    const body = await ok(write({ object_type: 'standard', object: 'contacts', operation: 'update', id: grace!.id, record: { lastname: 'Brewster Hopper' } }));
    const sent = hs.requests('/crm/v3/objects/contacts/batch/update', 'POST').slice(before);
    expect(sent).toHaveLength(1);
    const inputs = (sent[0]!.json as { inputs: Array<Record<string, unknown>> }).inputs;
    expect(inputs).toHaveLength(1);
    expect(inputs[0]).toMatchObject({ id: grace!.id, properties: { lastname: 'Brewster Hopper' } });
    expect(Object.keys(inputs[0]!.properties as object)).toEqual(['lastname']);
    expect(hs.objects.contacts!.get(grace!.id)!.properties).toMatchObject({ firstname: 'Grace', lastname: 'Brewster Hopper' });
    expect(body).toMatchObject({ id: grace!.id, operation: 'update', record: { id: grace!.id, lastname: 'Brewster Hopper' } });
  });

  it('upserts by email: the first creates, the second updates the same record', async () => {
    const upsert = (first: string) =>
      ok(write({ object_type: 'common', object: 'contact', operation: 'upsert', match: { field: 'email' }, record: contact(first, 'ada@example.com') }));
    const created = await upsert('Ada');
    const updated = await upsert('Augusta');
    expect(byEmail('ada@example.com')).toHaveLength(1);
    expect(updated.id).toBe(created.id);
    expect(hs.objects.contacts!.get(created.id)!.properties.firstname).toBe('Augusta');
    const last = hs.requests('/crm/v3/objects/contacts/batch/upsert', 'POST').at(-1)!;
    const inputs = (last.json as { inputs: Array<Record<string, unknown>> }).inputs;
    expect(inputs).toHaveLength(1);
    expect(inputs[0]).toMatchObject({ id: 'ada@example.com', idProperty: 'email' });
    // The email is the upsert's id; the given email list replaces the additional ones.
    expect(inputs[0]!.properties).toEqual({ firstname: 'Augusta', lastname: 'Test', hs_additional_emails: '' });
  });

  it('refuses an unknown common object, an unknown operation and a missing id, field by field, before asking HubSpot', async () => {
    const before = hs.sim.requests.length;
    const cases: Array<[unknown, string]> = [
      [{ object_type: 'common', object: 'widget', operation: 'create', record: {} }, 'object'],
      [{ object_type: 'common', object: 'contact', operation: 'delete', record: {} }, 'operation'],
      [{ object_type: 'common', object: 'contact', operation: 'update', record: { first_name: 'x' } }, 'id'],
      [{ object_type: 'common', object: 'contact', operation: 'upsert', record: contact('x', 'x@example.com') }, 'match'],
    ];
    for (const [body, field] of cases) {
      const res = await write(body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.errors[0].meta.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    expect(hs.sim.requests.length).toBe(before);
  });

  it('replays the stored outcome for a repeated Idempotency-Key instead of writing twice, and refuses the key for another body', async () => {
    const before = hs.requests('/crm/v3/objects/contacts/batch/create', 'POST').length;
    const req = { object_type: 'common', object: 'contact', operation: 'create', record: contact('Once', 'once@example.com') };
    const first = await write(req, { 'Idempotency-Key': 'key-1' });
    const again = await write(req, { 'Idempotency-Key': 'key-1' });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(hs.requests('/crm/v3/objects/contacts/batch/create', 'POST').length - before).toBe(1);
    expect(byEmail('once@example.com')).toHaveLength(1);

    const other = await write({ ...req, record: contact('Other', 'other@example.com') }, { 'Idempotency-Key': 'key-1' });
    expect(other.status).toBe(422);
    expect(byEmail('other@example.com')).toHaveLength(0);
  });

  it('answers an outage with 499 REMOTE_PROVIDER_ERROR and does not resend a create the provider may have carried out', async () => {
    const before = hs.requests('/crm/v3/objects/contacts/batch/create', 'POST').length;
    hs.failOnce((r) => r.path === '/crm/v3/objects/contacts/batch/create', { status: 502, processed: true });
    const res = await write({ object_type: 'common', object: 'contact', operation: 'create', record: contact('Lost', 'lost@example.com') });
    expect(res.status, JSON.stringify(res.body)).toBe(499);
    expect(res.body.errors[0]).toMatchObject({ code: 'REMOTE_PROVIDER_ERROR', meta: { origin: 'remote-provider' } });
    expect(res.body.errors[0].detail).toMatch(/may have carried it out/);
    expect(hs.requests('/crm/v3/objects/contacts/batch/create', 'POST').length - before).toBe(1);
    expect(byEmail('lost@example.com')).toHaveLength(1);
  });

  it('waits out a 429 with Retry-After through the connection runtime and writes once', async () => {
    const before = hs.requests('/crm/v3/objects/contacts/batch/create', 'POST').length;
    const hits = hs.rateLimit.hits;
    hs.rateLimit.once((r) => r.path === '/crm/v3/objects/contacts/batch/create', '1');
    const started = Date.now();
    const body = await ok(write({ object_type: 'common', object: 'contact', operation: 'create', record: contact('Patient', 'patient@example.com') }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(hs.rateLimit.hits - hits).toBe(1);
    // The throttled attempt and the one after it; one record.
    expect(hs.requests('/crm/v3/objects/contacts/batch/create', 'POST').length - before).toBe(2);
    expect(byEmail('patient@example.com').map((r) => r.id)).toEqual([body.id]);
  });

  it('refreshes an expired access token on the first write, stores the new one encrypted, and writes once', async () => {
    const customerId = 'expired-customer';
    await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: customerId, name: 'Exp', email: 'e@example.com' } }));
    const expired = hs.oauth.issue({ ttlMs: -1000 });
    hs.oauth.refreshTokens.add('refresh-2');
    const conn = await ok(
      s.tenant.request('POST', `/customers/${customerId}/connections`, {
        body: { provider_name: 'hubspot', type: 'oauth2', access_token: expired, refresh_token: 'refresh-2', expires_at: '2020-01-01T00:00:00Z', instance_url: hs.url },
      }),
    );
    const tokenRequests = hs.oauth.tokenRequests;
    const res = await s.tenant.request('POST', `/customers/${customerId}/connections/hubspot/_write`, {
      body: { object_type: 'common', object: 'contact', operation: 'create', record: contact('Fresh', 'fresh@example.com') },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(hs.oauth.tokenRequests - tokenRequests).toBe(1);
    expect(byEmail('fresh@example.com')).toHaveLength(1);
    const row = await s.api.tdb.db.selectFrom('connections').selectAll().where('id', '=', conn.id).executeTakeFirstOrThrow();
    const creds = s.api.deps.secrets.decryptJson(row.credentials_encrypted!) as Record<string, string>;
    expect(creds.access_token).not.toBe(expired);
    expect(JSON.stringify(row)).not.toContain(creds.access_token);
    // No write went out with the expired token.
    expect(hs.sim.requests.filter((r) => r.path.startsWith('/crm/') && r.headers.authorization === `Bearer ${expired}`)).toEqual([]);
  });

  it('is read back once by the next sync, with _supaglue_raw_data as HubSpot holds the record', async () => {
    await s.worker.run(async () => {
      // The connection's auto-started full run first, then an incremental one after the write.
      await waitForRuns(s.tenant, crm.customerId, 1, 60_000);
      const written = await ok(write({ object_type: 'common', object: 'contact', operation: 'create', record: contact('Synced', 'synced@example.com') }));
      await crm.trigger('common', 'contact');
      const runs = await waitForRuns(s.tenant, crm.customerId, 2, 60_000);
      expect(runs.filter((r) => r.status !== 'IN_PROGRESS').map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS']);
      // Another customer's connection to the same portal syncs too: this customer's rows only.
      const { rows } = await s.destPool.query(
        'select _supaglue_raw_data as raw, _supaglue_unified_data as unified from public.crm_contacts where _supaglue_customer_id = $1 and _supaglue_id = $2',
        [crm.customerId, written.id],
      );
      expect(rows).toHaveLength(1);
      const held = hs.objects.contacts!.get(written.id)!;
      expect(rows[0]!.raw).toMatchObject({ id: held.id, firstname: 'Synced', email: 'synced@example.com', updatedAt: held.updatedAt });
      expect(rows[0]!.unified).toMatchObject({ first_name: 'Synced', email_addresses: [{ email_address: 'synced@example.com', email_address_type: 'primary' }] });
    });
  });
});

describe('write jobs', () => {
  it('writes 250 contacts in batches of 100, reports the refused one with its reason, and announces the job signed', async () => {
    const endpoint = await ok(s.tenant.request('POST', '/webhook_endpoints', { body: { url: receiver.url('jobs'), event_types: ['write_job.complete'] } }), 201);
    receiver.setSecrets('jobs', endpoint.secret);
    const records = Array.from({ length: 250 }, (_, i) => contact(`Bulk${i}`, `bulk${i}@example.com`));
    // One duplicate of an existing contact, in the middle of the second batch.
    records[150] = contact('Dup', 'grace@example.com');
    const listener = startWebhookKickListener(s.worker.deps, { databaseUrl: s.api.tdb.url });
    try {
      await s.worker.run(async () => {
        const res = await s.tenant.request('POST', `${base()}/_write_jobs`, { body: { object_type: 'common', object: 'contact', operation: 'create', records } });
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        expect(res.headers.get('location')).toBe(`/mgmt/v2/jobs/${res.body.id}`);
        expect(res.body).toMatchObject({
          type: 'write',
          status: 'queued',
          write: { customer_id: crm.customerId, provider_name: 'hubspot', records_total: 250, records_pending: 250 },
        });
        let job = res.body;
        for (const deadline = Date.now() + 60_000; job.status !== 'succeeded' && job.status !== 'failed' && Date.now() < deadline; ) {
          await new Promise((r) => setTimeout(r, 200));
          job = await ok(s.tenant.request('GET', `/jobs/${res.body.id}`));
        }
        expect(job).toMatchObject({ status: 'succeeded', write: { records_total: 250, records_succeeded: 249, records_failed: 1, records_unknown: 0, records_pending: 0 } });

        for (let i = 0; i < 250; i++) if (i !== 150) expect(byEmail(`bulk${i}@example.com`)).toHaveLength(1);
        expect(byEmail('grace@example.com')).toHaveLength(1);

        const pages: any[] = [];
        for (let cursor: string | null = ''; cursor !== null; ) {
          const page: any = await ok(s.tenant.request('GET', `/jobs/${job.id}/results?page_size=100${cursor ? `&cursor=${cursor}` : ''}`));
          pages.push(page);
          cursor = page.next;
        }
        const results = pages.flatMap((p) => p.results);
        expect(pages).toHaveLength(3);
        expect(results.map((r) => r.index)).toEqual([...Array(250).keys()]);
        expect(results[150]).toMatchObject({ index: 150, status: 'failed', error: { status: 409 } });
        expect(results[150].error.message).toMatch(/Contact already exists/);
        expect(results[149]).toMatchObject({ status: 'succeeded', id: byEmail('bulk149@example.com')[0]!.id, operation: 'create' });

        await receiver.waitFor(() => receiver.accepted('jobs').length === 1, 30_000, 'write_job.complete');
        const [event] = receiver.accepted('jobs');
        expect(event!.request.verified).toBe(true);
        expect(event!.body).toMatchObject({
          webhook_event_type: 'write_job.complete',
          job_id: job.id,
          customer_id: crm.customerId,
          provider_name: 'hubspot',
          result: 'SUCCESS',
          num_records: 250,
          num_succeeded: 249,
          num_failed: 1,
        });
      });
    } finally {
      await listener.close();
    }
  });

  it('takes NDJSON with the target in the query, and upserts by email without duplicates', async () => {
    const lines = ['Nd1', 'Nd2', 'Nd1'].map((first, i) => JSON.stringify(contact(`${first}-${i}`, `${first.toLowerCase()}@example.com`))).join('\n');
    await s.worker.run(async () => {
      const res = await s.tenant.request('POST', `${base()}/_write_jobs?object_type=common&object=contact&operation=upsert&match_field=email`, {
        rawBody: `${lines}\n`,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      let job = res.body;
      for (const deadline = Date.now() + 60_000; job.status !== 'succeeded' && job.status !== 'failed' && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 200));
        job = await ok(s.tenant.request('GET', `/jobs/${res.body.id}`));
      }
      expect(job).toMatchObject({ status: 'succeeded', write: { operation: 'upsert', match_field: 'email', records_total: 3, records_succeeded: 3 } });
    });
    expect(byEmail('nd1@example.com')).toHaveLength(1);
    expect(byEmail('nd2@example.com')).toHaveLength(1);
  });

  it('refuses a job with records that cannot be written, naming the records, and stores nothing', async () => {
    const before = await s.api.tdb.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const res = await s.tenant.request('POST', `${base()}/_write_jobs`, {
      body: { object_type: 'common', object: 'contact', operation: 'update', records: [{ id: '1', first_name: 'ok' }, { first_name: 'no id' }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].meta.fields.map((f: { field: string }) => f.field)).toEqual(['records.1.id']);
    const after = await s.api.tdb.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});
