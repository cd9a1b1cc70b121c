import { describe, expect, it } from 'vitest';
import { useTenants } from './helpers/tenants';

const { api, a, b } = useTenants();

const definition = (o: Record<string, unknown> = {}) => ({
  name: 'Acme CRM',
  base_url: 'https://api.acme.example/v1',
  auth: { type: 'api_key', location: 'header', name: 'x-api-key', value: '{config.api_key}' },
  parameters: [
    { name: 'api_key', required: true, secret: true },
    { name: 'region', required: false },
  ],
  streams: [
    { id: 'contacts', path: '/contacts', primary_key: 'id', records_selector: '$.data', pagination: { type: 'offset', offset_param: 'offset', limit_param: 'limit', limit: 50 } },
  ],
  ...o,
});
const fields = (res: { body: any }) => res.body.errors[0].meta.fields as Array<{ field: string; message: string }>;

describe('connectors API (extension)', () => {
  it('creates (201), replaces (200), gets, lists and deletes', async () => {
    const created = await a.request('PUT', '/connectors/acme-crm', { body: definition() });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: 'acme-crm',
      application_id: a.applicationId,
      name: 'Acme CRM',
      category: 'no_category',
      definition: expect.objectContaining({ id: 'acme-crm', name: 'Acme CRM', category: 'no_category', base_url: 'https://api.acme.example/v1' }),
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    // Defaults are filled in.
    expect(created.body.definition.streams[0]).toMatchObject({ method: 'GET', headers: {}, query: {} });
    expect(created.body.definition.parameters[1]).toEqual({ name: 'region', required: false, secret: false });

    const replaced = await a.request('PUT', '/connectors/acme-crm', { body: definition({ id: 'acme-crm', name: 'Acme CRM v2' }) });
    expect(replaced.status).toBe(200);
    expect(replaced.body.name).toBe('Acme CRM v2');
    expect(replaced.body.created_at).toBe(created.body.created_at);

    expect((await a.request('GET', '/connectors/acme-crm')).body).toEqual(replaced.body);
    await a.request('PUT', '/connectors/another', { body: definition({ name: 'Another' }) });
    expect((await a.request('GET', '/connectors')).body.map((c: { id: string }) => c.id)).toEqual(['acme-crm', 'another']);

    expect((await a.request('DELETE', '/connectors/another')).status).toBe(204);
    expect((await a.request('GET', '/connectors/another')).status).toBe(404);
    expect((await a.request('DELETE', '/connectors/another')).status).toBe(404);
  });

  it('answers invalid definitions with field-level 400s', async () => {
    const bad = await a.request('PUT', '/connectors/bad-one', {
      body: definition({
        base_url: 'ftp://x',
        streams: [
          { id: 'contacts', path: 'contacts', pagination: { type: 'offset', offset_param: 'offset' } },
          { id: 'notes', path: '/notes/{parent.id}', parent_stream: 'nope' },
        ],
        paginaton: {},
      }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ code: 'VALIDATION_ERROR', status: '400', meta: { location: 'json' } });
    const byField = Object.fromEntries(fields(bad).map((f) => [f.field, f.message]));
    expect(Object.keys(byField)).toEqual(expect.arrayContaining(['streams.0.path', 'streams.0.pagination.limit', '(root)']));
    expect(byField['streams.0.path']).toMatch(/must start with "\/"/);
    expect(bad.body.errors[0].detail).toContain('json.streams.0.path');

    const crossRef = await a.request('PUT', '/connectors/bad-two', {
      body: definition({ base_url: 'ftp://x', streams: [{ id: 'notes', path: '/notes', parent_stream: 'nope' }] }),
    });
    expect(
      fields(crossRef)
        .map((f) => f.field)
        .sort(),
    ).toEqual(['base_url', 'streams.0.parent_stream']);

    const mismatch = await a.request('PUT', '/connectors/acme-x', { body: definition({ id: 'acme-y' }) });
    expect(mismatch.status).toBe(400);
    expect(fields(mismatch)).toEqual([{ field: 'id', message: expect.stringMatching(/differs from the path id "acme-x"/), code: 'invalid_definition' }]);

    const badId = await a.request('PUT', '/connectors/Bad_Id', { body: definition() });
    expect(fields(badId).map((f) => f.field)).toEqual(['id']);
    const reserved = await a.request('PUT', '/connectors/hubspot', { body: definition() });
    expect(fields(reserved)).toEqual([{ field: 'id', message: expect.stringMatching(/built-in provider/), code: 'invalid_definition' }]);

    const notObject = await a.request('PUT', '/connectors/x', { body: [1, 2] });
    expect(notObject.status).toBe(400);
    expect((await a.request('GET', '/connectors/bad-one')).status).toBe(404);
  });

  it('infers a JSON Schema from sample records', async () => {
    const res = await a.request('POST', '/connectors/_infer_schema', {
      body: {
        records: [
          { id: 'a', n: 1, at: '2026-01-01T00:00:00Z', tags: ['x'] },
          { id: 'b', n: 1.5, at: '2026-01-02T00:00:00Z', extra: null },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      type: 'object',
      properties: {
        id: { type: 'string' },
        n: { type: 'number' },
        at: { type: 'string', format: 'date-time' },
        tags: { type: ['array', 'null'], items: { type: 'string' } },
        extra: { type: 'null' },
      },
    });
    const empty = await a.request('POST', '/connectors/_infer_schema', { body: { records: [] } });
    expect(empty.status).toBe(400);
    expect(fields(empty)[0]!.field).toBe('records');
    const scalars = await a.request('POST', '/connectors/_infer_schema', { body: { records: [1] } });
    expect(fields(scalars)[0]!.field).toBe('records.0');
  });

  it('refuses deleting a connector a connection uses (409) and encrypts its secret parameters', async () => {
    await a.request('PUT', '/connectors/used-one', {
      body: definition({ parameters: [{ name: 'api_key', secret: true }, { name: 'workspace_pin', secret: true }, { name: 'region' }] }),
    });
    expect((await a.request('POST', '/providers', { body: { auth_type: 'api_key', name: 'used-one' } })).status).toBe(201);
    await a.request('PUT', '/customers', { body: { customer_id: 'c1', name: 'C', email: 'c@example.com' } });
    const conn = await a.request('POST', '/customers/c1/connections', {
      body: { provider_name: 'used-one', type: 'api_key', api_key: 'k-123', params: { workspace_pin: '9876', region: 'eu' } },
    });
    expect(conn.status).toBe(200);
    const row = await api.tdb.db.selectFrom('connections').selectAll().where('id', '=', conn.body.id).executeTakeFirstOrThrow();
    expect(row.params).toEqual({ region: 'eu' });
    expect(api.deps.secrets.decryptJson(row.credentials_encrypted!)).toEqual({ api_key: 'k-123', workspace_pin: '9876' });
    expect(JSON.stringify(row)).not.toContain('9876');

    // A replaced definition that makes region secret moves it into the encrypted credentials.
    expect(
      (
        await a.request('PUT', '/connectors/used-one', {
          body: definition({
            parameters: [
              { name: 'api_key', secret: true },
              { name: 'workspace_pin', secret: true },
              { name: 'region', secret: true },
            ],
          }),
        })
      ).status,
    ).toBe(200);
    const moved = await api.tdb.db.selectFrom('connections').selectAll().where('id', '=', conn.body.id).executeTakeFirstOrThrow();
    expect(moved.params).toEqual({});
    expect(api.deps.secrets.decryptJson(moved.credentials_encrypted!)).toEqual({ api_key: 'k-123', workspace_pin: '9876', region: 'eu' });

    const del = await a.request('DELETE', '/connectors/used-one');
    expect(del.status).toBe(409);
    expect(del.body.errors[0].detail).toMatch(/1 connection/);
    expect((await a.request('DELETE', '/customers/c1/connections/used-one')).status).toBe(204);
    expect((await a.request('DELETE', '/connectors/used-one')).status).toBe(204);
  });

  it('requires a published connector (or a known provider) for no_category providers', async () => {
    const res = await a.request('POST', '/providers', { body: { auth_type: 'api_key', name: 'never-published' } });
    expect(res.status).toBe(404);
    expect(res.body.errors[0].detail).toMatch(/PUT \/connectors\/never-published/);
    expect((await a.request('POST', '/providers', { body: { auth_type: 'api_key', name: 'linear' } })).status).toBe(201);
  });

  it('keeps tenants apart', async () => {
    await a.request('PUT', '/connectors/private-one', { body: definition() });
    expect((await b.request('GET', '/connectors/private-one')).status).toBe(404);
    expect((await b.request('DELETE', '/connectors/private-one')).status).toBe(404);
    expect((await b.request('GET', '/connectors')).body).toEqual([]);
    // b publishing the same id creates its own connector; a's is untouched.
    expect((await b.request('PUT', '/connectors/private-one', { body: definition({ name: 'B' }) })).status).toBe(201);
    expect((await a.request('GET', '/connectors/private-one')).body.name).toBe('Acme CRM');
    expect((await b.request('POST', '/providers', { body: { auth_type: 'api_key', name: 'acme-crm' } })).status).toBe(404);
  });

  it('documents the routes as extensions', async () => {
    const doc = (await (await fetch(`${api.base}/mgmt/v2/openapi.json`)).json()) as any;
    const paths = doc.paths as Record<string, Record<string, { description?: string }>>;
    expect(Object.keys(paths['/connectors/{connector_id}'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
    expect(paths['/connectors/_infer_schema']?.post?.description).toMatch(/Syncwell extension/);
    expect(paths['/connectors']?.get?.description).toMatch(/Syncwell extension/);
  });
});
