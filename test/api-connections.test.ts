import { beforeAll, describe, expect, it } from 'vitest';
import { loadConnectionWithSecrets, saveConnectionCredentials } from '../services/connections/connections';
import { useTenants } from './helpers/tenants';
import { eventsOf, insertCustomer, insertDestination, insertProvider } from './helpers/fixtures';
import { NotFoundError } from '../lib/errors';

const { api, a, b } = useTenants();
let apolloId: string;
let salesforceId: string;

beforeAll(async () => {
  const db = api.tdb.db;
  await insertCustomer(db, a.applicationId, 'cust-1');
  await insertCustomer(db, a.applicationId, 'cust-2');
  await insertCustomer(db, b.applicationId, 'cust-1');
  apolloId = (await insertProvider(db, a.applicationId, { name: 'apollo', category: 'engagement', auth_type: 'api_key' })).id;
  salesforceId = (await insertProvider(db, a.applicationId, { name: 'salesforce', category: 'crm', auth_type: 'oauth2' })).id;
  await insertProvider(db, b.applicationId, { name: 'apollo', category: 'engagement', auth_type: 'api_key' });
});

const seedRateLimits = (keys: string[]) =>
  api.tdb.db
    .insertInto('connection_rate_limits')
    .values(keys.map((connection_id) => ({ connection_id, tokens: 1, refilled_at: new Date() })))
    .onConflict((c) => c.doNothing())
    .execute();
const rateLimitKeys = async () => (await api.tdb.db.selectFrom('connection_rate_limits').select('connection_id').orderBy('connection_id').execute()).map((r) => r.connection_id);

const rawRow = (id: string) => api.tdb.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('connections', () => {
  it('creates an api_key connection: exact body, secrets encrypted at rest and never returned, one event', async () => {
    const res = await a.request('POST', '/customers/cust-1/connections', {
      body: { provider_name: 'apollo', type: 'api_key', api_key: 'sk-live-SECRET-1', params: { subdomain: 'acme', password: 'hunter2-SECRET' } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.any(String),
      application_id: a.applicationId,
      customer_id: 'cust-1',
      provider_id: apolloId,
      provider_name: 'apollo',
      category: 'engagement',
      status: 'available',
      instance_url: '',
    });
    const id = res.body.id as string;

    const listed = await a.request('GET', '/customers/cust-1/connections');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([res.body]);
    expect((await a.request('GET', '/customers/cust-1/connections/apollo')).body).toEqual(res.body);
    for (const r of [res, listed]) expect(JSON.stringify(r.body)).not.toMatch(/SECRET|api_key|password/);

    const row = await rawRow(id);
    expect(row.params).toEqual({ subdomain: 'acme' });
    expect(row.credentials_encrypted).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain('SECRET');
    expect(api.deps.secrets.decryptJson(row.credentials_encrypted!)).toEqual({ api_key: 'sk-live-SECRET-1', password: 'hunter2-SECRET' });

    const loaded = await loadConnectionWithSecrets(api.deps, a.applicationId, id);
    expect(loaded).toEqual({
      id,
      customerId: row.customer_id,
      externalCustomerId: 'cust-1',
      providerId: apolloId,
      providerName: 'apollo',
      category: 'engagement',
      params: { subdomain: 'acme', api_key: 'sk-live-SECRET-1', password: 'hunter2-SECRET' },
      instanceUrl: '',
    });

    const events = await eventsOf(api.tdb.db, a.applicationId, 'connection.created');
    expect(events.map((e) => e.payload)).toEqual([
      {
        webhook_event_type: 'connection.created',
        customer_id: 'cust-1',
        provider_id: apolloId,
        category: 'engagement',
        provider_name: 'apollo',
        result: 'SUCCESS',
      },
    ]);
  });

  it('accepts api_key inside params, and stores oauth2 tokens encrypted with instance_url in the clear', async () => {
    const viaParams = await a.request('POST', '/customers/cust-2/connections', {
      body: { provider_name: 'apollo', type: 'api_key', params: { api_key: 'PARAM-SECRET-KEY' } },
    });
    expect(viaParams.status).toBe(200);
    expect(api.deps.secrets.decryptJson((await rawRow(viaParams.body.id)).credentials_encrypted!)).toEqual({ api_key: 'PARAM-SECRET-KEY' });

    const oauth = await a.request('POST', '/customers/cust-2/connections', {
      body: {
        provider_name: 'salesforce',
        type: 'oauth2',
        refresh_token: 'REFRESH-SECRET',
        access_token: 'ACCESS-SECRET',
        expires_at: '2030-01-01T00:00:00.000Z',
        instance_url: 'https://acme.my.salesforce.com',
      },
    });
    expect(oauth.status).toBe(200);
    expect(oauth.body).toMatchObject({ provider_name: 'salesforce', category: 'crm', instance_url: 'https://acme.my.salesforce.com' });
    expect(JSON.stringify(oauth.body)).not.toContain('SECRET');
    const row = await rawRow(oauth.body.id);
    expect(JSON.stringify(row)).not.toContain('SECRET');

    await saveConnectionCredentials(api.deps, a.applicationId, oauth.body.id, { access_token: 'ACCESS-SECRET-2', expires_at: '2031-01-01T00:00:00.000Z' });
    const after = await rawRow(oauth.body.id);
    expect(after.credentials_encrypted).not.toBe(row.credentials_encrypted);
    expect((await loadConnectionWithSecrets(api.deps, a.applicationId, oauth.body.id)).params).toEqual({
      refresh_token: 'REFRESH-SECRET',
      access_token: 'ACCESS-SECRET-2',
      expires_at: '2031-01-01T00:00:00.000Z',
    });
    await expect(loadConnectionWithSecrets(api.deps, b.applicationId, oauth.body.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(loadConnectionWithSecrets(api.deps, a.applicationId, 'nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('409 on a duplicate (no second event); 404 for unknown customer or provider', async () => {
    const before = (await eventsOf(api.tdb.db, a.applicationId, 'connection.created')).length;
    const dup = await a.request('POST', '/customers/cust-1/connections', { body: { provider_name: 'apollo', type: 'api_key', api_key: 'k2' } });
    expect(dup.status).toBe(409);
    expect(dup.body.errors[0]).toMatchObject({ code: 'CONFLICT_ERROR', status: '409' });
    expect(await eventsOf(api.tdb.db, a.applicationId, 'connection.created')).toHaveLength(before);

    expect((await a.request('POST', '/customers/ghost/connections', { body: { provider_name: 'apollo', type: 'api_key', api_key: 'k' } })).status).toBe(404);
    expect((await a.request('POST', '/customers/cust-1/connections', { body: { provider_name: 'hubspot', type: 'api_key', api_key: 'k' } })).status).toBe(404);
    expect((await a.request('GET', '/customers/ghost/connections')).status).toBe(404);
    expect((await a.request('GET', '/customers/cust-1/connections/hubspot')).status).toBe(404);
  });

  it('rejects malformed bodies with 400 and field detail', async () => {
    const fields = async (body: unknown) => {
      const res = await a.request('POST', '/customers/cust-1/connections', { body });
      expect(res.status).toBe(400);
      return res.body.errors[0].meta.fields.map((f: { field: string }) => f.field);
    };
    expect(await fields({ provider_name: 'apollo', type: 'api_key' })).toEqual(['api_key']);
    expect(await fields({ provider_name: 'apollo', type: 'password', api_key: 'k' })).toEqual(['type']);
    expect(await fields({ type: 'api_key', api_key: 5 })).toEqual(expect.arrayContaining(['provider_name', 'api_key']));
    expect(await fields({ provider_name: 'gong', type: 'access_key_secret', access_key: 'x' })).toEqual(['access_key_secret']);
    expect(await fields({ provider_name: 'salesforce', type: 'oauth2' })).toEqual(['refresh_token']);
    expect(await fields({ provider_name: 'apollo', type: 'api_key', api_key: 'k', params: 'nope' })).toEqual(['params']);
    expect(await fields({ provider_name: 'apollo', type: 'api_key', api_key: 'k', params: { api_key: 'other' } })).toEqual(['params.api_key']);
    const malformed = await a.request('POST', '/customers/cust-1/connections', { rawBody: '{"provider_name": ' });
    expect(malformed.status).toBe(400);
  });

  it('returns the stored provider user id (422 when the provider cannot be asked) and empty rate limit info', async () => {
    const unknown = await a.request('GET', '/customers/cust-1/connections/_provider_user_id?provider_name=apollo');
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors[0].detail).toMatch(/apollo connections have no logged-in user/);
    await api.tdb.db.updateTable('connections').set({ provider_user_id: 'user-42' }).where('application_id', '=', a.applicationId).where('provider_name', '=', 'apollo').execute();
    const found = await a.request('GET', '/customers/cust-1/connections/_provider_user_id?provider_name=apollo');
    expect(found.status).toBe(200);
    expect(found.body).toEqual({ user_id: 'user-42' });
    expect((await a.request('GET', '/customers/cust-1/connections/_provider_user_id')).status).toBe(400);
    expect((await a.request('GET', '/customers/cust-1/connections/_provider_user_id?provider_name=hubspot')).status).toBe(404);

    const limits = await a.request('GET', '/customers/cust-1/connections/apollo/_rate_limit_info');
    expect(limits.status).toBe(200);
    expect(limits.body).toEqual({});
    expect((await a.request('GET', '/customers/cust-1/connections/hubspot/_rate_limit_info')).status).toBe(404);
  });

  it('keeps tenants apart on every endpoint', async () => {
    const paths: Array<[string, string]> = [
      ['GET', '/customers/cust-2/connections'],
      ['GET', '/customers/cust-1/connections/salesforce'],
      ['DELETE', '/customers/cust-1/connections/salesforce'],
      ['GET', '/customers/cust-1/connections/_provider_user_id?provider_name=apollo'],
      ['GET', '/customers/cust-1/connections/apollo/_rate_limit_info'],
    ];
    for (const [method, path] of paths) expect({ path, status: (await b.request(method, path)).status }).toEqual({ path, status: 404 });
    // b's own customer cust-1 exists but has no connection; b can't use a's provider salesforce.
    expect((await b.request('GET', '/customers/cust-1/connections')).body).toEqual([]);
    expect((await b.request('POST', '/customers/cust-2/connections', { body: { provider_name: 'apollo', type: 'api_key', api_key: 'k' } })).status).toBe(404);
    expect((await b.request('POST', '/customers/cust-1/connections', { body: { provider_name: 'salesforce', type: 'oauth2', refresh_token: 'r' } })).status).toBe(404);
    expect((await a.request('GET', '/customers/cust-2/connections')).body).toHaveLength(2);
  });

  it('deletes the connection and its syncs with exactly one connection.deleted event', async () => {
    const db = api.tdb.db;
    const dest = await insertDestination(db, a.applicationId, { name: 'pg' });
    await db
      .insertInto('sync_configs')
      .values({
        application_id: a.applicationId,
        provider_id: salesforceId,
        destination_id: dest.id,
        config: JSON.stringify({ default_config: { period_ms: 3_600_000, strategy: 'full only', auto_start_on_connection: false }, standard_objects: [{ object: 'Contact' }] }),
      })
      .execute();
    await insertCustomer(db, a.applicationId, 'cust-3');
    const created = await a.request('POST', '/customers/cust-3/connections', { body: { provider_name: 'salesforce', type: 'oauth2', refresh_token: 'r' } });
    expect(created.status).toBe(200);
    const connectionId = created.body.id as string;
    const syncsOf = () => db.selectFrom('syncs').select('id').where('connection_id', '=', connectionId).execute();
    expect(await syncsOf()).toHaveLength(1); // the sync engine planned the Contact sync
    // Its rows in the shared rate limit store (its own bucket, a named one) go with it; another connection's stay.
    await seedRateLimits([connectionId, `${connectionId}:search`, 'another-connection', 'another-connection:search']);

    const del = await a.request('DELETE', '/customers/cust-3/connections/salesforce');
    expect(del.status).toBe(204);
    expect(await syncsOf()).toEqual([]);
    expect((await rateLimitKeys()).filter((k) => k.startsWith(connectionId) || k.startsWith('another-connection'))).toEqual(['another-connection', 'another-connection:search']);
    expect((await a.request('GET', '/customers/cust-3/connections/salesforce')).status).toBe(404);
    expect((await a.request('DELETE', '/customers/cust-3/connections/salesforce')).status).toBe(404);
    const deleted = (await eventsOf(db, a.applicationId, 'connection.deleted')).map((e) => e.payload);
    expect(deleted).toEqual([
      {
        webhook_event_type: 'connection.deleted',
        connection_id: connectionId,
        customer_id: 'cust-3',
        provider_id: salesforceId,
        category: 'crm',
        provider_name: 'salesforce',
        result: 'SUCCESS',
      },
    ]);
  });

  it("deleting a customer deletes its connections' rate limit rows", async () => {
    await insertCustomer(api.tdb.db, a.applicationId, 'cust-4');
    const ids: string[] = [];
    for (const body of [
      { provider_name: 'apollo', type: 'api_key', api_key: 'k' },
      { provider_name: 'salesforce', type: 'oauth2', refresh_token: 'r' },
    ]) {
      const created = await a.request('POST', '/customers/cust-4/connections', { body });
      expect(created.status).toBe(200);
      ids.push(created.body.id as string);
    }
    const before = await rateLimitKeys();
    await seedRateLimits([...ids, `${ids[1]}:search`]);
    expect((await a.request('DELETE', '/customers/cust-4')).status).toBe(204);
    expect(await rateLimitKeys()).toEqual(before.filter((k) => !ids.some((id) => k.startsWith(id))));
    expect(ids.some((id) => before.includes(id))).toBe(false);
  });

  it('documents its operations in the OpenAPI document, params marked as an extension', async () => {
    const doc = (await (await fetch(`${api.base}/mgmt/v2/openapi.json`)).json()) as any;
    for (const path of [
      '/customers/{customer_id}/connections',
      '/customers/{customer_id}/connections/_provider_user_id',
      '/customers/{customer_id}/connections/{provider_name}',
      '/customers/{customer_id}/connections/{provider_name}/_rate_limit_info',
      '/sync_configs',
      '/sync_configs/{sync_config_id}',
      '/connection_sync_configs',
      '/field_mappings',
      '/field_mappings/_update_object',
      '/entity_mappings',
      '/entity_mappings/{entity_id}',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    expect(doc.components.schemas.create_connection.properties.params['x-extension']).toBe(true);
  });
});
