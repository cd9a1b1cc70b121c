import { beforeAll, describe, expect, it } from 'vitest';
import { useTenants } from './helpers/tenants';
import { insertCustomer, insertDestination, insertProvider } from './helpers/fixtures';

const { api, a, b } = useTenants();
let connectionId: string;
const headers = { 'x-customer-id': 'cust-1', 'x-provider-name': 'salesforce' };

beforeAll(async () => {
  const db = api.tdb.db;
  await insertCustomer(db, a.applicationId, 'cust-1');
  await insertCustomer(db, b.applicationId, 'cust-1');
  await insertProvider(db, a.applicationId, { name: 'salesforce', auth_type: 'oauth2' });
  await insertProvider(db, b.applicationId, { name: 'salesforce', auth_type: 'oauth2' });
  await insertDestination(db, a.applicationId, { name: 'warehouse', type: 'postgres' });
  const sc = await a.request('POST', '/sync_configs', {
    body: {
      destination_name: 'warehouse',
      provider_name: 'salesforce',
      config: {
        default_config: { period_ms: 3_600_000, strategy: 'full only', auto_start_on_connection: false },
        standard_objects: [{ object: 'Contact' }, { object: 'Account' }],
      },
    },
  });
  expect(sc.status).toBe(201);
  const conn = await a.request('POST', '/customers/cust-1/connections', { body: { provider_name: 'salesforce', type: 'oauth2', refresh_token: 'r' } });
  expect(conn.status).toBe(200);
  connectionId = conn.body.id;
});

const syncObjects = async () => (await api.tdb.db.selectFrom('syncs').select('object').where('connection_id', '=', connectionId).orderBy('object').execute()).map((s) => s.object);

describe('connection sync configs', () => {
  it('404 before one is set; upsert, read, reconcile the syncs, delete', async () => {
    expect((await a.request('GET', '/connection_sync_configs', { headers })).status).toBe(404);
    expect(await syncObjects()).toEqual(['Account', 'Contact']);

    const body = { destination_config: { type: 'postgres', schema: 'customer_1' }, standard_objects: [{ object: 'Contact', table: 'my_contacts' }] };
    const put = await a.request('PUT', '/connection_sync_configs', { headers, body });
    expect(put.status).toBe(200);
    expect(put.body).toEqual(body);
    const got = await a.request('GET', '/connection_sync_configs', { headers });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(body);
    expect((await a.request('GET', '/customers/cust-1/connections/salesforce')).body.connection_sync_config).toEqual(body);
    expect(await syncObjects()).toEqual(['Contact']); // the override narrows the objects

    const del = await a.request('DELETE', '/connection_sync_configs', { headers });
    expect(del.status).toBe(204);
    expect((await a.request('GET', '/connection_sync_configs', { headers })).status).toBe(404);
    expect(await syncObjects()).toEqual(['Account', 'Contact']);
  });

  it('validates the body and the headers', async () => {
    const fields = async (body: unknown) => {
      const res = await a.request('PUT', '/connection_sync_configs', { headers, body });
      expect(res.status).toBe(400);
      return res.body.errors[0].meta?.fields?.map((f: { field: string }) => f.field);
    };
    expect(await fields({ destination_config: { type: 'postgres' } })).toEqual(['destination_config.schema']);
    expect(await fields({ destination_config: { type: 'oracle', schema: 's' } })).toEqual(['destination_config.type']);
    expect(await fields({ standard_objects: [{ object: 'A' }, { object: 'A' }] })).toEqual(['standard_objects.1.object']);
    expect(await fields({ custom_objects: 'x' })).toEqual(['custom_objects']);
    // BigQuery override against a postgres sync config: 400, not silently stored.
    expect(await fields({ destination_config: { type: 'bigquery', dataset: 'd' } })).toBeUndefined();
    expect((await a.request('PUT', '/connection_sync_configs', { headers, rawBody: '{' })).status).toBe(400);
    const noHeaders = await a.request('GET', '/connection_sync_configs');
    expect(noHeaders.status).toBe(400);
    expect(noHeaders.body.errors[0].meta.location).toBe('header');
  });

  it('keeps tenants apart', async () => {
    await a.request('PUT', '/connection_sync_configs', { headers, body: { standard_objects: [{ object: 'Contact' }] } });
    expect((await b.request('GET', '/connection_sync_configs', { headers })).status).toBe(404);
    expect((await b.request('PUT', '/connection_sync_configs', { headers, body: {} })).status).toBe(404);
    expect((await b.request('DELETE', '/connection_sync_configs', { headers })).status).toBe(404);
    expect((await a.request('GET', '/connection_sync_configs', { headers })).body).toEqual({ standard_objects: [{ object: 'Contact' }] });
    expect((await a.request('GET', '/connection_sync_configs', { headers: { ...headers, 'x-customer-id': 'ghost' } })).status).toBe(404);
  });
});
