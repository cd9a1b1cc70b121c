import { describe, expect, it } from 'vitest';
import { useTenants } from './helpers/tenants';

const { a, b } = useTenants();

const config = { fields: [{ name: 'first_name', mapped_name: 'FirstName' }, { name: 'email' }], allow_additional_field_mappings: false };
const fields = (res: { body: any }) => res.body.errors[0].meta.fields.map((f: { field: string }) => f.field);

describe('schemas', () => {
  it('creates, reads, lists, updates and deletes', async () => {
    const created = await a.request('POST', '/schemas', { body: { name: 'contact', config } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), application_id: a.applicationId, name: 'contact', config });
    const id = created.body.id;
    expect((await a.request('GET', `/schemas/${id}`)).body).toEqual(created.body);
    expect((await a.request('GET', '/schemas')).body).toEqual([created.body]);

    const next = { fields: [{ name: 'email', mapped_name: 'Email' }], allow_additional_field_mappings: true };
    const put = await a.request('PUT', `/schemas/${id}`, { body: { name: 'contact-v2', config: next } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ id, application_id: a.applicationId, name: 'contact-v2', config: next });

    const del = await a.request('DELETE', `/schemas/${id}`);
    expect(del.status).toBe(204);
    expect((await a.request('GET', `/schemas/${id}`)).status).toBe(404);
    expect((await a.request('DELETE', `/schemas/${id}`)).status).toBe(404);
  });

  it('refuses duplicate field names (400) and duplicate schema names (409)', async () => {
    const dupFields = await a.request('POST', '/schemas', {
      body: { name: 'dup', config: { fields: [{ name: 'x' }, { name: 'y' }, { name: 'x' }], allow_additional_field_mappings: false } },
    });
    expect(dupFields.status).toBe(400);
    expect(fields(dupFields)).toEqual(['config.fields.2.name']);

    await a.request('POST', '/schemas', { body: { name: 'taken', config } });
    expect((await a.request('POST', '/schemas', { body: { name: 'taken', config } })).status).toBe(409);
    const other = (await a.request('POST', '/schemas', { body: { name: 'other', config } })).body;
    expect((await a.request('PUT', `/schemas/${other.id}`, { body: { name: 'taken', config } })).status).toBe(409);
    expect((await b.request('POST', '/schemas', { body: { name: 'taken', config } })).status).toBe(201);
  });

  it('refuses deleting a schema a provider references (409)', async () => {
    const schema = (await a.request('POST', '/schemas', { body: { name: 'used', config } })).body;
    await a.request('PUT', '/connectors/acme', { body: { name: 'Acme', base_url: 'https://acme.example', streams: [{ id: 'contacts', path: '/contacts' }] } });
    const provider = await a.request('POST', '/providers', {
      body: { auth_type: 'api_key', category: 'no_category', name: 'acme', objects: { standard: [{ name: 'Contact', schema_id: schema.id }] } },
    });
    expect(provider.status).toBe(201);
    const del = await a.request('DELETE', `/schemas/${schema.id}`);
    expect(del.status).toBe(409);
    expect(del.body.errors[0].detail).toContain('acme');
  });

  it('rejects malformed bodies with field-level detail', async () => {
    const res = await a.request('POST', '/schemas', { body: { name: 7, config: { fields: [{ mapped_name: 'X' }] } } });
    expect(res.status).toBe(400);
    expect(fields(res)).toEqual(expect.arrayContaining(['name', 'config.fields.0.name', 'config.allow_additional_field_mappings']));
    expect((await a.request('POST', '/schemas', { rawBody: '[' })).status).toBe(400);
    // Postgres cannot store U+0000: a 400 naming the field, not a 500.
    const nul = await a.request('POST', '/schemas', { body: { name: 'a\u0000', config: { fields: [{ name: 'x\u0000' }], allow_additional_field_mappings: false } } });
    expect(nul.status).toBe(400);
    expect(fields(nul)).toEqual(['name', 'config.fields.0.name']);
  });

  it('answers 404 for unknown and malformed ids, and keeps tenants apart', async () => {
    for (const id of ['not-a-uuid', '00000000-0000-0000-0000-000000000000']) {
      expect((await a.request('GET', `/schemas/${id}`)).status).toBe(404);
      expect((await a.request('PUT', `/schemas/${id}`, { body: { name: 'n', config } })).status).toBe(404);
      expect((await a.request('DELETE', `/schemas/${id}`)).status).toBe(404);
    }
    const s = (await a.request('POST', '/schemas', { body: { name: 'private', config } })).body;
    expect((await b.request('GET', `/schemas/${s.id}`)).status).toBe(404);
    expect((await b.request('PUT', `/schemas/${s.id}`, { body: { name: 'stolen', config } })).status).toBe(404);
    expect((await b.request('DELETE', `/schemas/${s.id}`)).status).toBe(404);
    expect((await b.request('GET', '/schemas')).body.map((x: { id: string }) => x.id)).not.toContain(s.id);
    expect((await a.request('GET', `/schemas/${s.id}`)).body.name).toBe('private');
  });
});
