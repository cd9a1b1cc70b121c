import { beforeAll, describe, expect, it } from 'vitest';
import { useTenants } from './helpers/tenants';
import { insertCustomer, insertDestination, insertEntity, insertProvider } from './helpers/fixtures';

const { api, a, b } = useTenants();

beforeAll(async () => {
  const db = api.tdb.db;
  await insertProvider(db, a.applicationId, { name: 'salesforce', auth_type: 'oauth2' });
  await insertProvider(db, a.applicationId, { name: 'hubspot', auth_type: 'oauth2' });
  await insertProvider(db, a.applicationId, { name: 'pipedrive', auth_type: 'oauth2' });
  await insertDestination(db, a.applicationId, { name: 'warehouse', type: 'postgres' });
  await insertDestination(db, a.applicationId, { name: 'snow', type: 'snowflake' });
  await insertDestination(db, a.applicationId, { name: 'red', type: 'redshift' });
  await insertProvider(db, b.applicationId, { name: 'salesforce', auth_type: 'oauth2' });
});

const manual = { period_ms: 3_600_000, strategy: 'full then incremental', auto_start_on_connection: false, full_sync_every_n_incrementals: 5 } as const;
const config = { default_config: manual, standard_objects: [{ object: 'Contact' }, { object: 'Account', associations_to_fetch: ['contact'] }] };

describe('sync configs', () => {
  let id: string;

  it('creates, reads and lists with exact bodies', async () => {
    const res = await a.request('POST', '/sync_configs', { body: { destination_name: 'warehouse', provider_name: 'salesforce', config } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), application_id: a.applicationId, destination_name: 'warehouse', provider_name: 'salesforce', config });
    id = res.body.id;
    expect((await a.request('GET', `/sync_configs/${id}`)).body).toEqual(res.body);
    const list = await a.request('GET', '/sync_configs');
    expect(list.status).toBe(200);
    expect(list.body).toEqual([res.body]);
  });

  it('one sync config per provider (409); unknown provider/destination 404; snowflake/redshift 422', async () => {
    const dup = await a.request('POST', '/sync_configs', { body: { destination_name: 'warehouse', provider_name: 'salesforce', config } });
    expect(dup.status).toBe(409);
    expect((await a.request('POST', '/sync_configs', { body: { destination_name: 'nowhere', provider_name: 'hubspot', config } })).status).toBe(404);
    expect((await a.request('POST', '/sync_configs', { body: { destination_name: 'warehouse', provider_name: 'zoho_crm', config } })).status).toBe(404);
    for (const [name, type] of [
      ['snow', 'snowflake'],
      ['red', 'redshift'],
    ]) {
      const res = await a.request('POST', '/sync_configs', { body: { destination_name: name, provider_name: 'hubspot', config } });
      expect(res.status).toBe(422);
      expect(res.body.errors[0].detail).toBe(`no writer for destination type ${type} yet`);
    }
    const ghostEntity = { ...config, entities: [{ entity_id: '00000000-0000-4000-8000-000000000000' }, { entity_id: 'not-a-uuid' }] };
    expect((await a.request('POST', '/sync_configs', { body: { destination_name: 'warehouse', provider_name: 'hubspot', config: ghostEntity } })).status).toBe(404);
    expect((await a.request('GET', '/sync_configs')).body).toHaveLength(1);
  });

  it('refuses to switch a destination a sync config writes to onto a type without a writer (422)', async () => {
    const warehouse = ((await a.request('GET', '/destinations')).body as Array<{ id: string; name: string; version: number }>).find((d) => d.name === 'warehouse')!;
    const snowflake = { host: 'acct.snowflakecomputing.com', role: 'r', warehouse: 'w', database: 'd', schema: 's', username: 'u', password: 'p' };
    const res = await a.request('PUT', `/destinations/${warehouse.id}`, { body: { name: 'warehouse', type: 'snowflake', config: snowflake, version: warehouse.version } });
    expect(res.status).toBe(422);
    expect(res.body.errors[0].detail).toMatch(/no writer for destination type snowflake/);
    expect((await a.request('GET', `/destinations/${warehouse.id}`)).body).toMatchObject({ type: 'postgres', version: warehouse.version });
  });

  it('validates sync_config_data with field detail', async () => {
    const fields = async (cfg: unknown, extra: Record<string, unknown> = {}) => {
      const res = await a.request('POST', '/sync_configs', { body: { destination_name: 'warehouse', provider_name: 'hubspot', config: cfg, ...extra } });
      expect(res.status).toBe(400);
      return res.body.errors[0].meta.fields.map((f: { field: string }) => f.field.replace(/^config\./, ''));
    };
    expect(await fields({ default_config: { ...manual, period_ms: 59_999 } })).toEqual(['default_config.period_ms']);
    // Found by the API fuzz: a period of 21,000 years passed validation and Temporal refused the schedule (500).
    expect(await fields({ default_config: { ...manual, period_ms: 685599061617547 } })).toEqual(['default_config.period_ms']);
    expect(await fields({ default_config: { ...manual, strategy: 'sometimes' } })).toEqual(['default_config.strategy']);
    expect(await fields({ default_config: { ...manual, full_sync_every_n_incrementals: 0 } })).toEqual(['default_config.full_sync_every_n_incrementals']);
    expect(await fields({ default_config: { ...manual, full_sync_every_n_incrementals: 1.5 } })).toEqual(['default_config.full_sync_every_n_incrementals']);
    expect(await fields({ default_config: { ...manual, strategy: 'full only' } })).toEqual(['default_config.full_sync_every_n_incrementals']);
    expect(await fields({ standard_objects: [] })).toEqual(['default_config']);
    expect(await fields({ default_config: manual, standard_objects: [{ object: 'Contact' }, { object: 'Contact' }] })).toEqual(['standard_objects.1.object']);
    expect(await fields({ default_config: manual, common_objects: [{ object: 'contact', sync_strategy_override: { period_ms: 'x', strategy: 'full only' } }] })).toEqual([
      'common_objects.0.sync_strategy_override.period_ms',
    ]);
    expect(await fields(config, { destination_name: 7 })).toEqual(['destination_name']);
    expect((await a.request('POST', '/sync_configs', { rawBody: '{"config":' })).status).toBe(400);
    expect((await a.request('PUT', `/sync_configs/${id}`, { body: {} })).status).toBe(400);
    expect((await a.request('PUT', `/sync_configs/${id}?force_delete_syncs=maybe`, { body: { config } })).status).toBe(400);
  });

  it('refuses to drop objects that have syncs unless force_delete_syncs=true', async () => {
    const db = api.tdb.db;
    await insertCustomer(db, a.applicationId, 'cust-1');
    const conn = await a.request('POST', '/customers/cust-1/connections', { body: { provider_name: 'salesforce', type: 'oauth2', refresh_token: 'r' } });
    expect(conn.status).toBe(200);
    const syncObjects = async () => (await db.selectFrom('syncs').select('object').where('connection_id', '=', conn.body.id).orderBy('object').execute()).map((s) => s.object);
    expect(await syncObjects()).toEqual(['Account', 'Contact']);

    // Changing strategy and adding an object removes nothing.
    const grown = { default_config: { ...manual, period_ms: 7_200_000 }, standard_objects: [...config.standard_objects, { object: 'Lead' }] };
    const ok = await a.request('PUT', `/sync_configs/${id}`, { body: { config: grown } });
    expect(ok.status).toBe(200);
    expect(ok.body.config).toEqual(grown);
    expect(await syncObjects()).toEqual(['Account', 'Contact', 'Lead']);

    const shrunk = { default_config: manual, standard_objects: [{ object: 'Contact' }] };
    const refused = await a.request('PUT', `/sync_configs/${id}`, { body: { config: shrunk } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].detail).toContain('force_delete_syncs');
    expect((await a.request('GET', `/sync_configs/${id}`)).body.config).toEqual(grown);
    expect(await syncObjects()).toEqual(['Account', 'Contact', 'Lead']);

    const forced = await a.request('PUT', `/sync_configs/${id}?force_delete_syncs=true`, { body: { config: shrunk } });
    expect(forced.status).toBe(200);
    expect(forced.body.config).toEqual(shrunk);
    expect(await syncObjects()).toEqual(['Contact']);

    const refusedDelete = await a.request('DELETE', `/sync_configs/${id}?force_delete_syncs=false`);
    expect(refusedDelete.status).toBe(400);
    const deleted = await a.request('DELETE', `/sync_configs/${id}?force_delete_syncs=true`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id, application_id: a.applicationId, destination_name: 'warehouse', provider_name: 'salesforce', config: shrunk });
    expect(await syncObjects()).toEqual([]);
    expect((await a.request('GET', `/sync_configs/${id}`)).status).toBe(404);
    expect((await a.request('DELETE', `/sync_configs/${id}`)).status).toBe(404);
  });

  it('deletes a sync config without syncs without force; accepts known entities', async () => {
    const entity = await insertEntity(api.tdb.db, a.applicationId, { name: 'person', fields: ['email'] });
    const cfg = { ...config, entities: [{ entity_id: entity.id }] };
    const created = await a.request('POST', '/sync_configs', { body: { destination_name: 'warehouse', provider_name: 'pipedrive', config: cfg } });
    expect(created.status).toBe(201);
    expect(created.body.config).toEqual(cfg);
    const del = await a.request('DELETE', `/sync_configs/${created.body.id}`);
    expect(del.status).toBe(200);
    expect(del.body.provider_name).toBe('pipedrive');
  });

  it('keeps tenants apart; malformed ids are 404', async () => {
    const created = await a.request('POST', '/sync_configs', { body: { destination_name: 'warehouse', provider_name: 'hubspot', config } });
    expect(created.status).toBe(201);
    const other = created.body.id as string;
    expect((await b.request('GET', '/sync_configs')).body).toEqual([]);
    for (const [method, body] of [['GET'], ['PUT', { config }], ['DELETE']] as const) {
      expect((await b.request(method, `/sync_configs/${other}`, body ? { body } : {})).status).toBe(404);
      expect((await a.request(method, '/sync_configs/not-a-uuid', body ? { body } : {})).status).toBe(404);
    }
    // b has a salesforce provider but no destination called warehouse (that one is a's).
    expect((await b.request('POST', '/sync_configs', { body: { destination_name: 'warehouse', provider_name: 'salesforce', config } })).status).toBe(404);
    expect((await a.request('GET', `/sync_configs/${other}`)).status).toBe(200);
  });
});
