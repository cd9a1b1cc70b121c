import { describe, expect, it } from 'vitest';
import { useTenants } from './helpers/tenants';

const { api, a, b } = useTenants();

const SECRET = 'hubspot-client-secret-8f7e6d';
const hubspot = (overrides: Record<string, unknown> = {}) => ({
  category: 'crm',
  auth_type: 'oauth2',
  name: 'hubspot',
  config: {
    provider_app_id: 'app-1',
    use_managed_oauth: false,
    oauth: { oauth_scopes: ['crm.objects.contacts.read'], credentials: { oauth_client_id: 'client-1', oauth_client_secret: SECRET } },
  },
  ...overrides,
});

const fields = (res: { body: any }) => res.body.errors[0].meta.fields.map((f: { field: string }) => f.field);

describe('providers', () => {
  it('creates an oauth2 provider, encrypts the client secret and never returns it (the placeholder stands in)', async () => {
    const created = await a.request('POST', '/providers', { body: hubspot() });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      application_id: a.applicationId,
      category: 'crm',
      auth_type: 'oauth2',
      name: 'hubspot',
      config: {
        provider_app_id: 'app-1',
        use_managed_oauth: false,
        oauth: { oauth_scopes: ['crm.objects.contacts.read'], credentials: { oauth_client_id: 'client-1', oauth_client_secret: '********' } },
      },
      objects: {},
      entity_mappings: [],
    });
    const id = created.body.id;

    const get = await a.request('GET', `/providers/${id}`);
    expect(get.body).toEqual(created.body);
    const list = await a.request('GET', '/providers');
    expect(list.body).toEqual([created.body]);
    for (const res of [created, get, list]) expect(JSON.stringify(res.body)).not.toContain(SECRET);

    const raw = await api.tdb.db.selectFrom('providers').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(raw.client_secret_encrypted).toBeTruthy();
    expect(raw.client_secret_encrypted).not.toContain(SECRET);
    expect(JSON.stringify(raw.config)).not.toContain(SECRET);
    expect(api.deps.secrets.decrypt(raw.client_secret_encrypted!)).toBe(SECRET);

    const { loadProviderWithSecrets } = await import('../services/catalog/providers');
    const loaded = await loadProviderWithSecrets(api.deps, a.applicationId, id);
    expect(loaded.config?.oauth.credentials.oauth_client_secret).toBe(SECRET);
  });

  it('updates keeping the stored secret when omitted, replacing it when given', async () => {
    const created = (await a.request('POST', '/providers', { body: hubspot({ name: 'salesforce' }) })).body;
    const update = (secret?: string) => ({
      category: 'crm',
      auth_type: 'oauth2',
      name: 'salesforce',
      config: {
        provider_app_id: 'app-2',
        oauth: { oauth_scopes: ['api', 'refresh_token'], credentials: { oauth_client_id: 'client-2', ...(secret ? { oauth_client_secret: secret } : {}) } },
      },
    });
    const put = await a.request('PUT', `/providers/${created.id}`, { body: update() });
    expect(put.status).toBe(200);
    expect(put.body.config).toEqual({
      provider_app_id: 'app-2',
      oauth: { oauth_scopes: ['api', 'refresh_token'], credentials: { oauth_client_id: 'client-2', oauth_client_secret: '********' } },
    });
    const row = () => api.tdb.db.selectFrom('providers').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(api.deps.secrets.decrypt((await row()).client_secret_encrypted!)).toBe(SECRET);

    const put2 = await a.request('PUT', `/providers/${created.id}`, { body: update('new-secret-xyz-123') });
    expect(JSON.stringify(put2.body)).not.toContain('new-secret-xyz-123');
    expect(api.deps.secrets.decrypt((await row()).client_secret_encrypted!)).toBe('new-secret-xyz-123');

    // Name and category are fixed.
    const rename = await a.request('PUT', `/providers/${created.id}`, { body: { ...update(), name: 'pipedrive' } });
    expect(rename.status).toBe(422);
  });

  it('keeps the secret encrypted and unchanged through a GET then PUT of what was read (the placeholder)', async () => {
    const created = (await b.request('POST', '/providers', { body: hubspot({ name: 'zoho_crm' }) })).body;
    const row = () => api.tdb.db.selectFrom('providers').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    const storedBefore = (await row()).client_secret_encrypted;

    const read = await b.request('GET', `/providers/${created.id}`);
    expect(read.body.config.oauth.credentials).toEqual({ oauth_client_id: 'client-1', oauth_client_secret: '********' });
    const { id: _id, application_id: _app, ...body } = read.body;
    const put = await b.request('PUT', `/providers/${created.id}`, { body: { ...body, config: { ...body.config, provider_app_id: 'app-9' } } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ ...read.body, config: { ...read.body.config, provider_app_id: 'app-9' } });

    const after = await row();
    expect(after.client_secret_encrypted).toBe(storedBefore);
    expect(api.deps.secrets.decrypt(after.client_secret_encrypted!)).toBe(SECRET);
    expect(JSON.stringify(after.config)).not.toContain('********');
  });

  it('refuses the placeholder as the secret of a new provider: there is none to keep', async () => {
    const res = await b.request('POST', '/providers', {
      body: hubspot({ name: 'capsule', config: { oauth: { oauth_scopes: [], credentials: { oauth_client_id: 'c', oauth_client_secret: '********' } } } }),
    });
    expect(res.status).toBe(400);
    expect(fields(res)).toContain('config.oauth.credentials.oauth_client_secret');
    expect(await api.tdb.db.selectFrom('providers').select('id').where('name', '=', 'capsule').execute()).toEqual([]);
  });

  it('accepts declarative connector names for api_key providers (extension) and keeps spec names in their categories', async () => {
    const unpublished = await a.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: 'acme-crm2' } });
    expect(unpublished.status).toBe(404);
    expect(unpublished.body.errors[0].detail).toMatch(/PUT \/connectors\/acme-crm2/);
    await a.request('PUT', '/connectors/acme-crm2', { body: { name: 'Acme 2', base_url: 'https://acme.example', streams: [{ id: 'contacts', path: '/contacts' }] } });
    const res = await a.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: 'acme-crm2' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      application_id: a.applicationId,
      category: 'no_category',
      auth_type: 'api_key',
      name: 'acme-crm2',
      objects: {},
      entity_mappings: [],
    });
    // category may be omitted, as in the spec's no_category variant
    const gong = await a.request('POST', '/providers', { body: { auth_type: 'api_key', name: 'gong' } });
    expect(gong.status).toBe(201);
    expect(gong.body.category).toBe('no_category');

    const bad = await a.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: 'Bad Name!' } });
    expect(bad.status).toBe(400);
    expect(fields(bad)).toContain('name');
    const crmAsNoCategory = await a.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: 'pipedrive' } });
    expect(crmAsNoCategory.status).toBe(400);
    const unknownCrm = await a.request('POST', '/providers', { body: hubspot({ name: 'acme-crm2' }) });
    expect(unknownCrm.status).toBe(400);
    expect(fields(unknownCrm)).toContain('name');
  });

  it('refuses duplicate names with 409', async () => {
    await a.request('POST', '/providers', { body: hubspot({ name: 'pipedrive' }) });
    const dup = await a.request('POST', '/providers', { body: hubspot({ name: 'pipedrive' }) });
    expect(dup.status).toBe(409);
    expect(dup.body.errors[0].code).toBe('CONFLICT_ERROR');
    // Another application may use the same name.
    expect((await b.request('POST', '/providers', { body: hubspot({ name: 'pipedrive' }) })).status).toBe(201);
  });

  it('checks schema and entity references belong to the application', async () => {
    const schema = (await a.request('POST', '/schemas', { body: { name: 'contact-fields', config: { fields: [{ name: 'email' }], allow_additional_field_mappings: false } } }))
      .body;
    const otherSchema = (await b.request('POST', '/schemas', { body: { name: 'b-fields', config: { fields: [], allow_additional_field_mappings: true } } })).body;
    const entity = (await a.request('POST', '/entities', { body: { name: 'contact', config: { fields: [{ name: 'email' }], allow_additional_field_mappings: false } } })).body;

    const objects = { common: [{ name: 'contact', schema_id: schema.id }], standard: [{ name: 'Lead' }] };
    const created = await a.request('POST', '/providers', { body: hubspot({ name: 'zoho_crm', objects }) });
    expect(created.status).toBe(201);
    expect(created.body.objects).toEqual(objects);

    const foreign = await a.request('POST', '/providers', { body: hubspot({ name: 'capsule', objects: { common: [{ name: 'contact', schema_id: otherSchema.id }] } }) });
    expect(foreign.status).toBe(404);
    const malformed = await a.request('POST', '/providers', { body: hubspot({ name: 'capsule', objects: { common: [{ name: 'contact', schema_id: 'nope' }] } }) });
    expect(malformed.status).toBe(404);

    const mappings = [{ entity_id: entity.id, object: { type: 'standard', name: 'Contact' }, field_mappings: [{ entity_field: 'email', mapped_field: 'Email' }] }];
    const put = await a.request('PUT', `/providers/${created.body.id}`, {
      body: { category: 'crm', auth_type: 'oauth2', name: 'zoho_crm', config: hubspot().config, entity_mappings: mappings },
    });
    expect(put.status).toBe(200);
    expect(put.body.entity_mappings).toEqual(mappings);
    expect(put.body.objects).toEqual(objects); // omitted objects keep their value

    const badEntity = await a.request('PUT', `/providers/${created.body.id}`, {
      body: { category: 'crm', auth_type: 'oauth2', name: 'zoho_crm', config: hubspot().config, entity_mappings: [{ entity_id: '00000000-0000-0000-0000-000000000000' }] },
    });
    expect(badEntity.status).toBe(404);

    // Referenced schema and entity cannot be deleted.
    expect((await a.request('DELETE', `/schemas/${schema.id}`)).status).toBe(409);
    expect((await a.request('DELETE', `/entities/${entity.id}`)).status).toBe(409);
  });

  it('refuses deleting a provider with connections (409), deletes and returns it otherwise', async () => {
    const p = (await a.request('POST', '/providers', { body: hubspot({ name: 'ms_dynamics_365_sales' }) })).body;
    await a.request('PUT', '/customers', { body: { customer_id: 'cust-1', name: 'C', email: 'c@x' } });
    const customer = await api.tdb.db
      .selectFrom('customers')
      .select('id')
      .where('application_id', '=', a.applicationId)
      .where('external_id', '=', 'cust-1')
      .executeTakeFirstOrThrow();
    const conn = await api.tdb.db
      .insertInto('connections')
      .values({ application_id: a.applicationId, customer_id: customer.id, provider_id: p.id, provider_name: p.name, category: 'crm' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const refused = await a.request('DELETE', `/providers/${p.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.errors[0].detail).toMatch(/1 connection/);

    await api.tdb.db.deleteFrom('connections').where('id', '=', conn.id).execute();
    const dest = await a.request('POST', '/destinations', {
      body: { name: 'pg', type: 'postgres', config: { host: 'h', port: 5432, database: 'd', schema: 's', user: 'u', password: 'p' } },
    });
    const sc = await api.tdb.db
      .insertInto('sync_configs')
      .values({ application_id: a.applicationId, provider_id: p.id, destination_id: dest.body.id, config: JSON.stringify({}) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const refused2 = await a.request('DELETE', `/providers/${p.id}`);
    expect(refused2.status).toBe(409);
    expect(refused2.body.errors[0].detail).toMatch(/sync config/);
    await api.tdb.db.deleteFrom('sync_configs').where('id', '=', sc.id).execute();
    const deleted = await a.request('DELETE', `/providers/${p.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: p.id, name: 'ms_dynamics_365_sales' });
    expect((await a.request('GET', `/providers/${p.id}`)).status).toBe(404);
  });

  it('rejects malformed bodies with field-level detail', async () => {
    const missing = await a.request('POST', '/providers', { body: { category: 'crm', auth_type: 'oauth2', name: 'hubspot', config: { oauth: { oauth_scopes: 'x' } } } });
    expect(missing.status).toBe(400);
    expect(fields(missing)).toEqual(expect.arrayContaining(['config.oauth.oauth_scopes', 'config.oauth.credentials']));
    const badCategory = await a.request('POST', '/providers', { body: { ...hubspot(), category: 'erp' } });
    expect(badCategory.status).toBe(400);
    expect(fields(badCategory)).toContain('category');
    const badAuth = await a.request('POST', '/providers', { body: { ...hubspot(), auth_type: 'api_key' } });
    expect(fields(badAuth)).toContain('auth_type');
    const dupObjects = await a.request('POST', '/providers', { body: hubspot({ name: 'capsule', objects: { common: [{ name: 'a' }, { name: 'a' }] } }) });
    expect(dupObjects.status).toBe(400);
    expect(fields(dupObjects)).toContain('objects.common.1.name');
    const nul = await a.request('POST', '/providers', { body: hubspot({ objects: { standard: [{ name: 'Lead\u0000' }] } }) });
    expect(nul.status).toBe(400);
    expect(fields(nul)).toEqual(['objects.standard.0.name']);
    const notJson = await a.request('POST', '/providers', { rawBody: '{"name": ' });
    expect(notJson.status).toBe(400);
    const oauthWithoutConfig = await a.request('PUT', '/providers/00000000-0000-0000-0000-000000000000', { body: { category: 'no_category', auth_type: 'oauth2', name: 'gong' } });
    expect(oauthWithoutConfig.status).toBe(400);
    expect(fields(oauthWithoutConfig)).toContain('config');
  });

  it('answers 404 for unknown and malformed ids, and keeps tenants apart', async () => {
    for (const id of ['not-a-uuid', '00000000-0000-0000-0000-000000000000']) {
      expect((await a.request('GET', `/providers/${id}`)).status).toBe(404);
      expect((await a.request('DELETE', `/providers/${id}`)).status).toBe(404);
      expect((await a.request('PUT', `/providers/${id}`, { body: hubspot() })).status).toBe(404);
    }
    const p = (await a.request('POST', '/providers', { body: hubspot({ name: 'zendesk_sell' }) })).body;
    expect((await b.request('GET', `/providers/${p.id}`)).status).toBe(404);
    expect((await b.request('PUT', `/providers/${p.id}`, { body: hubspot({ name: 'zendesk_sell' }) })).status).toBe(404);
    expect((await b.request('DELETE', `/providers/${p.id}`)).status).toBe(404);
    expect((await b.request('GET', '/providers')).body.map((x: { id: string }) => x.id)).not.toContain(p.id);
    expect((await a.request('GET', `/providers/${p.id}`)).status).toBe(200);
  });
});

describe('OpenAPI document', () => {
  it("describes the provider, destination, schema, entity and magic link operations with the spec's component names", async () => {
    const doc = (await (await fetch(`${api.base}/mgmt/v2/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, any> };
    };
    const ops = (p: string) => Object.keys(doc.paths[p] ?? {}).sort();
    expect(ops('/providers')).toEqual(['get', 'post']);
    expect(ops('/providers/{provider_id}')).toEqual(['delete', 'get', 'put']);
    expect(ops('/destinations')).toEqual(['get', 'post']);
    expect(ops('/destinations/{destination_id}')).toEqual(['get', 'put']);
    expect(ops('/schemas/{schema_id}')).toEqual(['delete', 'get', 'put']);
    expect(ops('/entities/{entity_id}')).toEqual(['delete', 'get', 'put']);
    expect(ops('/magic_links')).toEqual(['get', 'post']);
    expect(ops('/magic_links/{magic_link_id}')).toEqual(['delete']);
    expect(Object.keys(doc.paths['/providers']!.post!.responses)).toContain('201');
    expect(Object.keys(doc.paths['/providers/{provider_id}']!.delete!.responses)).toContain('200');
    expect(Object.keys(doc.paths['/magic_links/{magic_link_id}']!.delete!.responses)).toContain('204');
    for (const name of [
      'provider',
      'create_provider',
      'update_provider',
      'destination',
      'create_destination',
      'update_destination',
      'schema',
      'entity',
      'magic_link',
      'create_magic_link',
      'postgres_config_safe',
      's3_config_unsafe',
    ]) {
      expect(doc.components.schemas, name).toHaveProperty(name);
    }
    expect(doc.components.schemas.provider_name_no_category['x-extension']).toBe(true);
    expect(JSON.stringify(doc.components.schemas.postgres_config_safe)).not.toContain('password');
  });
});
