import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTenants } from './helpers/tenants';
import { startApiSimulator, type ApiSimulator } from './helpers/http-api-simulator';

const { api, a, b } = useTenants();
let sim: ApiSimulator;

const notes = [
  { id: 1, body: 'hello', created: '2026-01-01T00:00:00Z', pinned: true, author: { name: 'Ann' } },
  { id: 2, body: null, created: '2026-01-02T00:00:00Z', pinned: false, author: { name: 'Bob' }, score: 1.5 },
];

beforeAll(async () => {
  sim = await startApiSimulator((req) => {
    if (req.headers['x-api-key'] !== 'good-key') return { status: 401, json: { error: 'bad key' } };
    if (req.path === '/notes') return { json: { items: notes } };
    if (req.path === '/empty') return { json: { items: [] } };
    return { status: 404, json: {} };
  });
  const definition = {
    name: 'Notes API',
    base_url: sim.url,
    auth: { type: 'api_key', location: 'header', name: 'x-api-key', value: '{config.api_key}' },
    parameters: [{ name: 'api_key', required: true, secret: true }],
    streams: [
      {
        id: 'contacts',
        name: 'Contacts',
        path: '/contacts',
        incremental: { replication_key: 'updated_at', param: 'since' },
        schema: { type: 'object', properties: { id: { type: 'string' }, updated_at: { type: 'string', format: 'date-time' }, age: { type: ['integer', 'null'] } } },
      },
      { id: 'notes', path: '/notes', records_selector: '$.items' },
      { id: 'empty', path: '/empty', records_selector: '$.items' },
    ],
  };
  for (const t of [a, b]) {
    await t.request('PUT', '/connectors/notes-api', { body: definition });
    await t.request('POST', '/providers', { body: { auth_type: 'api_key', name: 'notes-api' } });
    await t.request('PUT', '/customers', { body: { customer_id: 'c1', name: 'C', email: 'c@example.com' } });
  }
  await a.request('POST', '/customers/c1/connections', { body: { provider_name: 'notes-api', type: 'api_key', api_key: 'good-key' } });
  await b.request('POST', '/customers/c1/connections', { body: { provider_name: 'notes-api', type: 'api_key', api_key: 'wrong-key' } });
});
afterAll(() => sim?.close());

describe('GET /customers/{customer_id}/connections/{provider_name}/_discover (extension)', () => {
  it('lists streams with fields from their schema, or inferred from one sampled page', async () => {
    const before = sim.requests.length;
    const res = await a.request('GET', '/customers/c1/connections/notes-api/_discover');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      objects: [
        {
          name: 'contacts',
          object_type: 'standard',
          label: 'Contacts',
          supports_incremental: true,
          fields: [
            // jsonb keeps object keys shortest first
            { name: 'id', type: 'string', nullable: false },
            { name: 'age', type: 'integer', nullable: true },
            { name: 'updated_at', type: 'string', nullable: false, format: 'date-time' },
          ],
        },
        {
          name: 'notes',
          object_type: 'standard',
          label: 'notes',
          supports_incremental: false,
          fields: [
            { name: 'id', type: 'integer', nullable: false },
            { name: 'body', type: 'string', nullable: true },
            { name: 'created', type: 'string', nullable: false, format: 'date-time' },
            { name: 'pinned', type: 'boolean', nullable: false },
            { name: 'author', type: 'object', nullable: false },
            { name: 'score', type: 'number', nullable: true },
          ],
        },
        { name: 'empty', object_type: 'standard', label: 'empty', supports_incremental: false, fields: [] },
      ],
    });
    // Only the schemaless streams were sampled, one page each.
    expect(sim.requests.slice(before).map((r) => r.path)).toEqual(['/notes', '/empty']);
  });

  it('answers 422 when the provider rejects the credentials, 404 for unknown connections and other tenants', async () => {
    const rejected = await b.request('GET', '/customers/c1/connections/notes-api/_discover');
    expect(rejected.status).toBe(422);
    expect(rejected.body.errors[0].detail).toMatch(/sampling notes .*HTTP 401.*check the connection credentials/);
    expect(rejected.body.errors[0].detail).not.toContain('wrong-key');
    expect((await a.request('GET', '/customers/c2/connections/notes-api/_discover')).status).toBe(404);
    expect((await a.request('GET', '/customers/c1/connections/other/_discover')).status).toBe(404);
    // b's connection is b's: a's key never reaches it and vice versa.
    await b.request('PUT', '/customers', { body: { customer_id: 'only-b', name: 'B', email: 'b@example.com' } });
    expect((await a.request('GET', '/customers/only-b/connections/notes-api/_discover')).status).toBe(404);
  });

  it('is documented as an extension', async () => {
    const doc = (await (await fetch(`${api.base}/mgmt/v2/openapi.json`)).json()) as any;
    const op = doc.paths['/customers/{customer_id}/connections/{provider_name}/_discover'].get;
    expect(op.description).toMatch(/Syncwell extension/);
    expect(op['x-extension']).toBe(true);
  });
});
