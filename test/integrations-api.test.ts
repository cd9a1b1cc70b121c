/**
 * The Cycle-style integrations API (/v1) end to end: the real API and a real Temporal worker, the
 * source simulator with a good and a bad key. Every /v1 response is validated against
 * cycle-integrations.openapi.json (and the error envelope against our own document).
 */
import path from 'node:path';
import { ScheduleNotFoundError } from '@temporalio/client';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { upsertConnector } from '../db/repositories/connectors';
import { AWAITING_VERIFICATION } from '../services/connections/verify';
import { scheduleIdFor } from '../services/orchestration/sync-schedules';
import { deref, formatProblems, loadReferenceSpec, normalizePath, type OpenApiDoc, REFERENCE_DIR, referenceValidator, specOperations } from './helpers/reference-spec';
import { startHubspotSim } from './helpers/hubspot-simulator';
import { makeContacts, sourceConnector, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, ok, startScenario, waitForRuns } from './helpers/sync-scenario';

const spec = loadReferenceSpec(path.join(REFERENCE_DIR, 'cycle-integrations.openapi.json'));
const ops = specOperations(spec);
const validator = referenceValidator(spec);
const ID = /^[a-f0-9]{24}$/;

/** The reference's operation for a request: a literal segment (`/available`) before a parameter. */
function operationOf(method: string, requestPath: string) {
  const matches = ops.filter((o) => o.method === method && new RegExp(`^${o.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(requestPath));
  return matches.sort((x, y) => normalizePath(y.path).split('{}').length - normalizePath(x.path).split('{}').length).at(-1);
}

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let privateKey: Key;

/** Every /v1 answer, for the contract check. */
const answered: Array<{ method: string; path: string; status: number; body: any }> = [];

type Caller = { token: string } | { key: string; hub: string } | { token: string; hub: string } | Record<string, never>;

async function v1(method: string, p: string, caller: Caller, body?: unknown) {
  const headers: Record<string, string> = {};
  if ('token' in caller) headers.authorization = `Bearer ${caller.token}`;
  if ('key' in caller) headers['x-api-key'] = caller.key;
  if ('hub' in caller) headers['x-hub-id'] = caller.hub;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${s.api.base}/v1${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const parsed = text ? JSON.parse(text) : null;
  answered.push({ method, path: p.split('?')[0]!, status: res.status, body: parsed });
  return { status: res.status, body: parsed };
}

const token = (hub: string) =>
  new SignJWT({ tenant: hub }).setProtectedHeader({ alg: 'RS256' }).setIssuer(s.tenant.applicationId).setAudience('syncwell').setExpirationTime('5m').sign(privateKey);
const keyOf = (hub: string) => ({ key: s.tenant.apiKey, hub });

async function waitForJob(caller: Caller, jobId: string) {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    const job = (await ok(v1('GET', `/hubs/current/jobs/${jobId}`, caller))).data;
    if (job.state.current === 'completed' || job.state.current === 'error') return job;
  }
  throw new Error(`job ${jobId} did not finish within 30 s`);
}

async function verify(caller: Caller, id: string) {
  const queued = (await ok(v1('POST', `/hubs/current/integrations/${id}/tasks`, caller, { action: 'verify' }), 202)).data;
  expect(queued).toMatchObject({ action: 'verify', integration_id: id, state: { current: 'queued' } });
  return waitForJob(caller, queued.id);
}

beforeAll(async () => {
  s = await startScenario();
  source = await startSourceApi(makeContacts(3));
  await configure(s, source, { autoStart: true });
  for (const hub of ['customer-2', 'customer-3']) await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: hub, name: hub, email: `${hub}@example.com` } }));
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  await ok(s.tenant.request('PUT', '/application/tenant_token_key', { body: { jwk: await exportJWK(pair.publicKey) } }));
}, 120_000);

afterAll(async () => {
  await source?.close();
  await s?.close();
});

describe('the life of an integration', () => {
  it('create → verify good (live, syncs start) → bad auth (new, then failed with the reason) → good auth (live) → delete as a job', { timeout: 120_000 }, async () => {
    const hub = { token: await token('customer-1') };
    const created = await ok(
      v1('POST', '/hubs/current/integrations', hub, { name: 'My Acme CRM', vendor: 'acme-crm', auth: { api_key: source.apiKey }, extra: { base_url: source.url } }),
      201,
    );
    const id = created.data.id as string;
    expect(id).toMatch(ID);
    expect(created.data).toMatchObject({
      hub_id: 'customer-1',
      name: 'My Acme CRM',
      identifier: 'my-acme-crm',
      vendor: 'acme-crm',
      extra: { base_url: source.url },
      state: { current: 'new' },
    });
    expect(JSON.stringify(created)).not.toContain(source.apiKey);
    // Not verified: no sync exists, the simulator was never called.
    expect((await ok(s.tenant.request('GET', '/syncs?customer_id=customer-1'))).results).toEqual([]);
    expect(source.sim.requests).toHaveLength(0);

    const good = await verify(hub, id);
    expect(good.state).toEqual({ current: 'completed', changed: expect.any(String) });
    // The verification's one request, with the stored key; then the auto-started sync's.
    expect(source.sim.requests[0]).toMatchObject({ path: '/contacts', headers: expect.objectContaining({ 'x-api-key': source.apiKey }) });
    expect((await ok(v1('GET', `/hubs/current/integrations/${id}`, hub))).data.state.current).toBe('live');
    const syncs = (await ok(s.tenant.request('GET', '/syncs?customer_id=customer-1'))).results as Array<{ id: string }>;
    expect(syncs).toHaveLength(1);
    await waitForRuns(s.tenant, 'customer-1', 1);
    expect((await s.worker.client.schedule.getHandle(scheduleIdFor(syncs[0]!.id)).describe()).scheduleId).toBe(scheduleIdFor(syncs[0]!.id));

    // New credentials are not checked yet: back to new, and the sync is held until they are.
    const patched = await ok(v1('PATCH', `/hubs/current/integrations/${id}`, hub, { auth: { api_key: 'wrong-key' } }));
    expect(patched.data.state.current).toBe('new');
    const held = async () => ((await ok(s.tenant.request('GET', '/syncs?customer_id=customer-1'))).results as Array<{ paused: boolean; pause_reason: string | null }>)[0]!;
    expect(await held()).toMatchObject({ paused: true, pause_reason: AWAITING_VERIFICATION });
    // A pause or resume reaches the schedule's own workflow as a signal: describe may lag it (temporalio/cli#569).
    await vi.waitFor(async () => expect((await s.worker.client.schedule.getHandle(scheduleIdFor(syncs[0]!.id)).describe()).state.paused).toBe(true), {
      timeout: 30_000,
      interval: 200,
    });
    const from = source.sim.requests.length;
    const bad = await verify(hub, id);
    expect(bad.state.current).toBe('error');
    expect(bad.state.error.message).toContain('invalid api key');
    expect(source.sim.requests.slice(from).map((r) => r.headers['x-api-key'])).toEqual(['wrong-key']);
    const failed = (await ok(v1('GET', `/hubs/current/integrations/${id}?meta=definition`, hub))).data;
    expect(failed.state).toEqual({ current: 'failed', changed: expect.any(String), error: { message: bad.state.error.message } });
    expect(failed.meta.definition).toMatchObject({ vendor: 'acme-crm', requires_verification: true, fields: { auth: [{ name: 'api_key' }], extra: [{ name: 'base_url' }] } });
    // The same job through /mgmt/v2.
    expect(await ok(s.tenant.request('GET', `/jobs/${bad.id}`))).toMatchObject({
      id: bad.id,
      type: 'connection_verify',
      status: 'failed',
      error: bad.state.error.message,
      connection: { customer_id: 'customer-1', provider_name: 'acme-crm', integration_id: id },
    });

    expect((await held()).paused).toBe(true);

    await ok(v1('PATCH', `/hubs/current/integrations/${id}`, hub, { auth: { api_key: source.apiKey }, name: 'Acme' }));
    expect((await verify(hub, id)).state.current).toBe('completed');
    // Verified: the sync resumes and runs at once, with the new key.
    expect(await held()).toMatchObject({ paused: false, pause_reason: null });
    await vi.waitFor(async () => expect((await s.worker.client.schedule.getHandle(scheduleIdFor(syncs[0]!.id)).describe()).state.paused).toBe(false), {
      timeout: 30_000,
      interval: 200,
    });
    const [latest] = await waitForRuns(s.tenant, 'customer-1', 2);
    expect(latest).toMatchObject({ status: 'SUCCESS', error_message: null });
    expect((await ok(v1('GET', `/hubs/current/integrations/${id}`, hub))).data).toMatchObject({ name: 'Acme', identifier: 'my-acme-crm', state: { current: 'live' } });

    const deleting = (await ok(v1('DELETE', `/hubs/current/integrations/${id}`, hub), 202)).data;
    expect(deleting).toMatchObject({ action: 'delete', integration_id: id });
    const deleted = await waitForJob(hub, deleting.id);
    expect(deleted.state.current).toBe('completed');
    expect((await v1('GET', `/hubs/current/integrations/${id}`, hub)).status).toBe(404);
    await expect(s.worker.client.schedule.getHandle(scheduleIdFor(syncs[0]!.id)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await ok(s.tenant.request('GET', '/syncs?customer_id=customer-1'))).results).toEqual([]);
    expect(await ok(s.tenant.request('GET', `/jobs/${deleting.id}`))).toMatchObject({ type: 'connection_delete', status: 'succeeded' });
    const events = await s.api.tdb.db
      .selectFrom('webhook_events')
      .select(['type', 'payload'])
      .where('application_id', '=', s.tenant.applicationId)
      .where('type', '=', 'connection.deleted')
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ customer_id: 'customer-1', provider_name: 'acme-crm' });
  });
});

describe('deleting while a sync runs', () => {
  it('the delete job waits for the run in progress to end, then deletes; the schedule is gone at once', { timeout: 120_000 }, async () => {
    await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: 'customer-4', name: 'Four', email: 'four@example.com' } }));
    const hub = keyOf('customer-4');
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let seen = 0;
    // The verification's request passes; the sync's first page is held until released.
    source.intercept = async () => {
      if (seen++ === 0) return undefined;
      await gate;
      return undefined;
    };
    try {
      const id = (await ok(v1('POST', '/hubs/current/integrations', hub, { vendor: 'acme-crm', auth: { api_key: source.apiKey }, extra: { base_url: source.url } }), 201)).data.id;
      expect((await verify(hub, id)).state.current).toBe('completed');
      for (const deadline = Date.now() + 20_000; seen < 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
      expect(seen).toBe(2);
      const [sync] = (await ok(s.tenant.request('GET', '/syncs?customer_id=customer-4'))).results as Array<{ id: string }>;

      const job = (await ok(v1('DELETE', `/hubs/current/integrations/${id}`, hub), 202)).data;
      // Schedules first: gone while the run is still held.
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        const gone = await s.worker.client.schedule
          .getHandle(scheduleIdFor(sync!.id))
          .describe()
          .then(() => false)
          .catch((err) => err instanceof ScheduleNotFoundError);
        if (gone) break;
      }
      await expect(s.worker.client.schedule.getHandle(scheduleIdFor(sync!.id)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await ok(v1('GET', `/hubs/current/jobs/${job.id}`, hub))).data.state.current).toBe('running');
      expect((await ok(v1('GET', `/hubs/current/integrations/${id}`, hub))).data.state.current).toBe('deleting');
      release();
      expect((await waitForJob(hub, job.id)).state.current).toBe('completed');
      expect((await v1('GET', `/hubs/current/integrations/${id}`, hub)).status).toBe(404);
      const runs = await s.api.tdb.db.selectFrom('sync_runs').select('status').where('sync_id', '=', sync!.id).execute();
      expect(runs.map((r) => r.status)).not.toContain('IN_PROGRESS');
    } finally {
      source.intercept = undefined;
      release();
    }
  });
});

describe('a built-in definition', () => {
  it('HubSpot requires verification: its "who am I" call with the stored token decides live or failed', { timeout: 60_000 }, async () => {
    const hs = await startHubspotSim();
    // The token's user is an owner of the account: who the connection acts as.
    hs.owners.set('501', {
      id: '501',
      email: hs.tokenUser.user,
      firstName: 'Olive',
      lastName: 'Owner',
      userId: hs.tokenUser.user_id,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-02T00:00:00.000Z',
      archived: false,
    });
    try {
      await ok(
        s.tenant.request('POST', '/providers', {
          body: {
            category: 'crm',
            auth_type: 'oauth2',
            name: 'hubspot',
            config: { oauth: { oauth_scopes: ['crm'], credentials: { oauth_client_id: hs.oauth.clientId, oauth_client_secret: hs.oauth.clientSecret } } },
          },
        }),
        201,
      );
      const hub = keyOf('customer-2');
      const created = (
        await ok(
          v1('POST', '/hubs/current/integrations?meta=definition', hub, {
            vendor: 'hubspot',
            auth: { access_token: hs.oauth.issue(), refresh_token: 'refresh-1' },
            extra: { instance_url: hs.url },
          }),
          201,
        )
      ).data;
      expect(created).toMatchObject({
        state: { current: 'new' },
        extra: { instance_url: hs.url },
        meta: { definition: { vendor: 'hubspot', requires_verification: true, source: 'builtin' } },
      });
      expect(created.meta.definition.fields.auth.map((f: any) => f.name)).toEqual(['access_token', 'refresh_token']);
      const good = await verify(hub, created.id);
      expect(good.state, JSON.stringify(good.state)).toEqual({ current: 'completed', changed: expect.any(String) });
      expect(hs.sim.requests.some((r) => r.path.startsWith('/oauth/v1/access-tokens/'))).toBe(true);
      expect((await ok(v1('GET', `/hubs/current/integrations/${created.id}`, hub))).data.state.current).toBe('live');

      await ok(v1('PATCH', `/hubs/current/integrations/${created.id}`, hub, { auth: { access_token: 'revoked-token' } }));
      const bad = await verify(hub, created.id);
      expect(bad.state.current).toBe('error');
      expect(bad.state.error.message).toMatch(/expired or invalid|401/);
      const failed = (await ok(v1('GET', `/hubs/current/integrations/${created.id}`, hub))).data;
      expect(failed.state.error.message).toBe(bad.state.error.message);
      expect(JSON.stringify(failed)).not.toContain('revoked-token');
    } finally {
      await hs.close();
    }
  });
});

describe('listing', () => {
  const VENDORS = ['crm-a', 'crm-b', 'crm-c', 'crm-d', 'crm-e'];
  const ids: Record<string, string> = {};
  const hub = { key: '', hub: 'customer-3' };

  beforeAll(async () => {
    hub.key = s.tenant.apiKey;
    for (const [i, vendor] of VENDORS.entries()) {
      await upsertConnector(s.api.tdb.db, s.tenant.applicationId, vendor, sourceConnector(vendor));
      await ok(s.tenant.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: vendor } }), 201);
      const key = i % 2 === 0 ? source.apiKey : 'wrong-key';
      ids[vendor] = (
        await ok(v1('POST', '/hubs/current/integrations', hub, { name: `Sales ${vendor.toUpperCase()}`, vendor, auth: { api_key: key }, extra: { base_url: source.url } }), 201)
      ).data.id;
    }
    // b and d fail verification; the others stay new.
    for (const vendor of ['crm-b', 'crm-d']) expect((await verify(hub, ids[vendor]!)).state.current).toBe('error');
  }, 60_000);

  const listed = async (query: string) => ((await ok(v1('GET', `/hubs/current/integrations${query}`, hub))).data as Array<{ id: string; vendor: string }>).map((i) => i.vendor);

  it('pages of page[size], in creation order', async () => {
    expect(await listed('')).toEqual(VENDORS);
    expect(await listed('?page[size]=2&page[number]=1')).toEqual(['crm-a', 'crm-b']);
    expect(await listed('?page[size]=2&page[number]=2')).toEqual(['crm-c', 'crm-d']);
    expect(await listed('?page[size]=2&page[number]=3')).toEqual(['crm-e']);
    expect(await listed('?page[size]=2&page[number]=4')).toEqual([]);
  });

  it('filter[state], filter[search] and filter[vendor], alone and together', async () => {
    expect(await listed('?filter[state]=failed')).toEqual(['crm-b', 'crm-d']);
    expect(await listed('?filter[state]=new,failed')).toEqual(VENDORS);
    expect(await listed('?filter[state]=live')).toEqual([]);
    expect(await listed('?filter[search]=CRM-C')).toEqual(['crm-c']);
    expect(await listed('?filter[search]=sales')).toEqual(VENDORS);
    expect(await listed('?filter[search]=sales&filter[state]=new&page[size]=2&page[number]=2')).toEqual(['crm-e']);
    expect(await listed('?filter[vendor]=crm-d')).toEqual(['crm-d']);
    expect(await listed('?filter[search]=100%25')).toEqual([]);
  });

  it('/mgmt/v2 lists the same connections paged and filtered; without paging params, the array as before', async () => {
    const page1 = await ok(s.tenant.request('GET', '/customers/customer-3/connections?page_size=3'));
    expect(page1.total_count).toBe(5);
    expect(page1.results.map((r: any) => r.provider_name)).toEqual(['crm-a', 'crm-b', 'crm-c']);
    expect(page1.results[1]).toMatchObject({ integration_id: ids['crm-b'], integration_state: 'failed', integration_state_reason: expect.stringContaining('invalid api key') });
    const page2 = await ok(s.tenant.request('GET', `/customers/customer-3/connections?page_size=3&cursor=${page1.next}`));
    expect(page2.results.map((r: any) => r.provider_name)).toEqual(['crm-d', 'crm-e']);
    expect(page2.next).toBeNull();
    const failed = await ok(s.tenant.request('GET', '/customers/customer-3/connections?state=failed&search=crm-d'));
    expect(failed.map((r: any) => r.provider_name)).toEqual(['crm-d']);
    expect((await ok(s.tenant.request('GET', '/customers/customer-3/connections'))).map((r: any) => r.provider_name)).toEqual(VENDORS);
    expect((await s.tenant.request('GET', '/customers/customer-3/connections?state=gone')).status).toBe(400);
  });

  it('/mgmt/v2 _verify and DELETE ?async=true are jobs too', { timeout: 60_000 }, async () => {
    const started = await ok(s.tenant.request('POST', '/customers/customer-3/connections/crm-a/_verify'), 202);
    expect(started).toMatchObject({ type: 'connection_verify', status: 'queued' });
    let job = started;
    for (const deadline = Date.now() + 30_000; job.status !== 'succeeded' && job.status !== 'failed' && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      job = await ok(s.tenant.request('GET', `/jobs/${started.id}`));
    }
    expect(job.status).toBe('succeeded');
    expect((await ok(v1('GET', `/hubs/current/integrations/${ids['crm-a']}`, hub))).data.state.current).toBe('live');

    const deleting = await ok(s.tenant.request('DELETE', '/customers/customer-3/connections/crm-e?async=true'), 202);
    expect(deleting).toMatchObject({ type: 'connection_delete', connection: { integration_id: ids['crm-e'] } });
    expect((await waitForJob(hub, deleting.id)).state.current).toBe('completed');
    expect((await s.tenant.request('GET', '/customers/customer-3/connections/crm-e')).status).toBe(404);
  });
});

describe('tenancy', () => {
  let theirs: string;
  let theirJob: string;

  beforeAll(async () => {
    const hub2 = { token: await token('customer-2') };
    theirs = (await ok(v1('POST', '/hubs/current/integrations', hub2, { vendor: 'acme-crm', auth: { api_key: 'wrong-key' }, extra: { base_url: source.url } }), 201)).data.id;
    theirJob = (await ok(v1('POST', `/hubs/current/integrations/${theirs}/tasks`, hub2, { action: 'verify' }), 202)).data.id;
  });

  it("one hub's token or key is refused another hub's integration and jobs", async () => {
    const other = { token: await token('customer-3') };
    expect((await v1('GET', `/hubs/current/integrations/${theirs}`, other)).status).toBe(404);
    expect((await v1('PATCH', `/hubs/current/integrations/${theirs}`, other, { name: 'mine' })).status).toBe(404);
    expect((await v1('DELETE', `/hubs/current/integrations/${theirs}`, other)).status).toBe(404);
    expect((await v1('POST', `/hubs/current/integrations/${theirs}/tasks`, other, { action: 'verify' })).status).toBe(404);
    expect((await v1('GET', `/hubs/current/jobs/${theirJob}`, other)).status).toBe(404);
    expect((await ok(v1('GET', '/hubs/current/integrations', other))).data.map((i: any) => i.id)).not.toContain(theirs);
    expect((await v1('GET', `/hubs/current/integrations/${theirs}`, keyOf('customer-3'))).status).toBe(404);
    // A token names its hub: X-Hub-Id cannot widen it.
    const widened = await v1('GET', `/hubs/current/integrations/${theirs}`, { token: other.token, hub: 'customer-2' });
    expect(widened.status).toBe(403);
    expect(widened.body.error).toMatchObject({ status: 403, code: '403.forbidden' });
    expect((await ok(v1('GET', `/hubs/current/integrations/${theirs}`, { token: await token('customer-2') }))).data.id).toBe(theirs);
    expect((await ok(v1('GET', `/hubs/current/integrations/${theirs}`, keyOf('customer-2')))).data.id).toBe(theirs);
  });

  it('no credentials, a bad token, or a key without X-Hub-Id: 401', async () => {
    expect((await v1('GET', '/hubs/current/integrations', {})).status).toBe(401);
    expect((await v1('GET', '/hubs/current/integrations', { token: 'not-a-jwt' })).status).toBe(401);
    expect((await v1('GET', '/hubs/current/integrations', { key: 'sk_nope', hub: 'customer-2' })).status).toBe(401);
    const noHub = await fetch(`${s.api.base}/v1/hubs/current/integrations`, { headers: { 'x-api-key': s.tenant.apiKey } });
    expect(noHub.status).toBe(401);
  });
});

describe('bad input', () => {
  const hub = () => keyOf('customer-2');
  const fieldOf = (body: any) => body.error.extra?.fields?.map((f: any) => f.field);

  it('400 naming the field; 404 for an unknown id', async () => {
    const noVendor = await v1('POST', '/hubs/current/integrations', hub(), { name: 'x' });
    expect(noVendor.status).toBe(400);
    expect(noVendor.body.error).toMatchObject({ status: 400, code: '400.invalid_input', source: '/body/vendor' });
    const unknownVendor = await v1('POST', '/hubs/current/integrations', hub(), { vendor: 'nope' });
    expect(unknownVendor.status).toBe(400);
    expect(fieldOf(unknownVendor.body)).toEqual(['vendor']);
    const noAuth = await v1('POST', '/hubs/current/integrations', keyOf('customer-3'), { vendor: 'acme-crm', extra: { base_url: source.url } });
    expect(noAuth.status).toBe(400);
    expect(fieldOf(noAuth.body)).toEqual(['auth.api_key']);
    expect(noAuth.body.error.source).toBe('/body/auth/api_key');
    const unknownParam = await v1('POST', '/hubs/current/integrations', keyOf('customer-3'), {
      vendor: 'acme-crm',
      auth: { api_key: 'k' },
      extra: { base_url: source.url, color: 'red' },
    });
    expect(fieldOf(unknownParam.body)).toEqual(['extra.color']);
    const badId = await v1('GET', '/hubs/current/integrations/xyz', hub());
    expect(badId.status).toBe(400);
    expect(badId.body.error.source).toBe('/path/integrationId');
    expect((await v1('GET', `/hubs/current/integrations/${'0'.repeat(24)}`, hub())).status).toBe(404);
    const badPage = await v1('GET', '/hubs/current/integrations?page[size]=0', hub());
    expect(badPage.status).toBe(400);
    expect(fieldOf(badPage.body)).toEqual(['page[size]']);
    const badState = await v1('GET', '/hubs/current/integrations?filter[state]=gone', hub());
    expect(fieldOf(badState.body)).toEqual(['filter[state]']);
    const badTask = await v1('POST', `/hubs/current/integrations/${'0'.repeat(24)}/tasks`, hub(), { action: 'explode' });
    expect(badTask.status).toBe(400);
    expect(fieldOf(badTask.body)).toEqual(['action']);
    expect((await v1('GET', `/hubs/current/jobs/${'0'.repeat(24)}`, hub())).status).toBe(404);
  });
});

describe('contract', () => {
  it('available integrations: by category, each with its definition', async () => {
    const available = (await ok(v1('GET', '/hubs/current/integrations/available', keyOf('customer-2')))).data;
    // Only what the application has a provider for: HubSpot, not the other built-ins.
    expect(Object.keys(available)).toEqual(['crm', 'no_category']);
    expect(available.crm.map((d: any) => d.vendor)).toEqual(['hubspot']);
    expect(available.no_category.map((d: any) => d.vendor)).toEqual(['acme-crm', 'crm-a', 'crm-b', 'crm-c', 'crm-d', 'crm-e']);
    expect(available.no_category[0]).toMatchObject({ name: 'Acme CRM', requires_verification: true, source: 'declarative' });
  });

  it('the /mgmt/v2 extensions are in its OpenAPI document, each marked x-extension', async () => {
    const doc = (await (await fetch(`${s.api.base}/mgmt/v2/openapi.json`)).json()) as { paths: Record<string, Record<string, any>> };
    const verifyOp = doc.paths['/customers/{customer_id}/connections/{provider_name}/_verify']?.post;
    expect(verifyOp?.['x-extension']).toBe(true);
    expect(verifyOp?.description).toMatch(/^Syncwell extension/);
    const list = doc.paths['/customers/{customer_id}/connections']!.get!;
    for (const name of ['state', 'provider_name', 'search']) expect(list.parameters.find((p: any) => p.name === name)?.['x-extension'], name).toBe(true);
    const del = doc.paths['/customers/{customer_id}/connections/{provider_name}']!.delete!;
    expect(del.parameters.find((p: any) => p.name === 'async')?.['x-extension']).toBe(true);
    expect(del.responses['202']).toBeDefined();
  });

  it('our OpenAPI document describes every path of the reference and the job path', async () => {
    const doc = (await (await fetch(`${s.api.base}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    for (const op of ops) expect(doc.paths[op.path.replace(/^\/v1/, '')]?.[op.method.toLowerCase()], op.key).toBeDefined();
    expect(doc.paths['/hubs/current/jobs/{jobId}']?.get).toBeDefined();
  });

  it('every /v1 response of this file matches cycle-integrations.openapi.json', () => {
    expect(answered.length).toBeGreaterThan(40);
    const seen = new Set<string>();
    for (const a of answered) {
      const op = operationOf(a.method, `/v1${a.path}`);
      if (a.path.startsWith('/hubs/current/jobs/')) {
        expect(a.body.data ?? a.body.error).toBeDefined();
        continue;
      }
      expect(op, `${a.method} ${a.path}`).toBeDefined();
      seen.add(op!.key);
      const schema = a.status < 400 ? validator.responseSchema(op!, a.status) : undefined;
      if (a.status < 400) expect(schema, `${op!.key} ${a.status} is not a status the reference gives`).toBeDefined();
      else expect(deref(spec, op!.operation.responses.default)).toBeDefined();
      if (schema) {
        const problems = validator.validate(schema, a.body);
        expect(problems, `${op!.key} ${a.status}\n${formatProblems(problems)}`).toEqual([]);
      } else {
        expect(a.body.error).toMatchObject({ status: a.status, code: expect.stringMatching(/^\d{3}\.[a-z_]+$/), title: expect.any(String), detail: expect.any(String) });
      }
    }
    expect([...seen].sort()).toEqual(ops.map((o) => o.key).sort());
  });

  it('every /v1 response of this file, errors included, matches our own /v1/openapi.json', async () => {
    const doc = (await (await fetch(`${s.api.base}/v1/openapi.json`)).json()) as OpenApiDoc;
    const own = referenceValidator(doc);
    const ownOps = specOperations(doc);
    for (const a of answered) {
      const matches = ownOps.filter((o) => o.method === a.method && new RegExp(`^${o.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(a.path));
      const op = matches.sort((x, y) => normalizePath(y.path).split('{}').length - normalizePath(x.path).split('{}').length).at(-1);
      expect(op, `${a.method} ${a.path}`).toBeDefined();
      const schema = own.responseSchema(op!, a.status) ?? own.responseSchema(op!, 'default');
      expect(schema, `${op!.key} ${a.status}`).toBeDefined();
      const problems = own.validate(schema, a.body);
      expect(problems, `${op!.key} ${a.status}\n${formatProblems(problems)}`).toEqual([]);
    }
  });
});
