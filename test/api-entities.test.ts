import { describe, expect, it } from 'vitest';
import { useTenants } from './helpers/tenants';

const { a, b } = useTenants();

const config = { fields: [{ name: 'first_name' }, { name: 'email' }], allow_additional_field_mappings: false };
const fields = (res: { body: any }) => res.body.errors[0].meta.fields.map((f: { field: string }) => f.field);

describe('entities', () => {
  it('creates, reads, lists, updates and deletes', async () => {
    const created = await a.request('POST', '/entities', { body: { name: 'contact', config } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), application_id: a.applicationId, name: 'contact', config });
    const id = created.body.id;
    expect((await a.request('GET', `/entities/${id}`)).body).toEqual(created.body);
    expect((await a.request('GET', '/entities')).body).toEqual([created.body]);

    const next = { fields: [{ name: 'email' }], allow_additional_field_mappings: true };
    const put = await a.request('PUT', `/entities/${id}`, { body: { name: 'contact-v2', config: next } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ id, application_id: a.applicationId, name: 'contact-v2', config: next });

    const del = await a.request('DELETE', `/entities/${id}`);
    expect(del.status).toBe(204);
    expect((await a.request('GET', `/entities/${id}`)).status).toBe(404);
    expect((await a.request('DELETE', `/entities/${id}`)).status).toBe(404);
  });

  it('refuses duplicate field names (400) and duplicate entity names (409)', async () => {
    const dupFields = await a.request('POST', '/entities', {
      body: { name: 'dup', config: { fields: [{ name: 'x' }, { name: 'y' }, { name: 'x' }], allow_additional_field_mappings: false } },
    });
    expect(dupFields.status).toBe(400);
    expect(fields(dupFields)).toEqual(['config.fields.2.name']);

    await a.request('POST', '/entities', { body: { name: 'taken', config } });
    expect((await a.request('POST', '/entities', { body: { name: 'taken', config } })).status).toBe(409);
    const other = (await a.request('POST', '/entities', { body: { name: 'other', config } })).body;
    expect((await a.request('PUT', `/entities/${other.id}`, { body: { name: 'taken', config } })).status).toBe(409);
    expect((await b.request('POST', '/entities', { body: { name: 'taken', config } })).status).toBe(201);
  });

  it('refuses deleting an entity a provider maps (409)', async () => {
    const entity = (await a.request('POST', '/entities', { body: { name: 'used', config } })).body;
    await a.request('PUT', '/connectors/acme', { body: { name: 'Acme', base_url: 'https://acme.example', streams: [{ id: 'contacts', path: '/contacts' }] } });
    const provider = (await a.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: 'acme' } })).body;
    const put = await a.request('PUT', `/providers/${provider.id}`, {
      body: { auth_type: 'api_key', category: 'no_category', name: 'acme', entity_mappings: [{ entity_id: entity.id }] },
    });
    expect(put.status).toBe(200);
    const del = await a.request('DELETE', `/entities/${entity.id}`);
    expect(del.status).toBe(409);
    expect(del.body.errors[0].detail).toContain('acme');
    await a.request('PUT', `/providers/${provider.id}`, { body: { auth_type: 'api_key', category: 'no_category', name: 'acme', entity_mappings: [] } });
    expect((await a.request('DELETE', `/entities/${entity.id}`)).status).toBe(204);
  });

  it('rejects malformed bodies with field-level detail', async () => {
    const res = await a.request('POST', '/entities', { body: { name: 7, config: { fields: [{ nom: 'X' }] } } });
    expect(res.status).toBe(400);
    expect(fields(res)).toEqual(expect.arrayContaining(['name', 'config.fields.0.name', 'config.allow_additional_field_mappings']));
    expect((await a.request('POST', '/entities', { rawBody: '[' })).status).toBe(400);
  });

  it('answers 404 for unknown and malformed ids, and keeps tenants apart', async () => {
    for (const id of ['not-a-uuid', '00000000-0000-0000-0000-000000000000']) {
      expect((await a.request('GET', `/entities/${id}`)).status).toBe(404);
      expect((await a.request('PUT', `/entities/${id}`, { body: { name: 'n', config } })).status).toBe(404);
      expect((await a.request('DELETE', `/entities/${id}`)).status).toBe(404);
    }
    const s = (await a.request('POST', '/entities', { body: { name: 'private', config } })).body;
    expect((await b.request('GET', `/entities/${s.id}`)).status).toBe(404);
    expect((await b.request('PUT', `/entities/${s.id}`, { body: { name: 'stolen', config } })).status).toBe(404);
    expect((await b.request('DELETE', `/entities/${s.id}`)).status).toBe(404);
    expect((await b.request('GET', '/entities')).body.map((x: { id: string }) => x.id)).not.toContain(s.id);
    expect((await a.request('GET', `/entities/${s.id}`)).body.name).toBe('private');
  });
});
