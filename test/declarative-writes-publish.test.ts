import { describe, expect, it } from 'vitest';
import { useTenants } from './helpers/tenants';
import { writableConnector } from './helpers/writable-api';

const { a } = useTenants();

describe('publishing a connector with a write section (PUT /connectors/{id})', () => {
  it('stores it with its defaults, and answers a broken one with field-level 400s', async () => {
    const created = await a.request('PUT', '/connectors/acme-writable', { body: writableConnector() });
    expect(created.status).toBe(201);
    expect(created.body.definition.streams[0].write).toMatchObject({
      batch_size: 1,
      create: { method: 'POST', path: '/contacts', id_path: '$.data.id' },
      update: { method: 'PATCH', path: '/contacts/{target.id}' },
      upsert: { method: 'PUT', match_fields: ['email'], created_statuses: [201] },
    });

    const fields = (res: { body: any }) => Object.fromEntries((res.body.errors[0].meta.fields as { field: string; message: string }[]).map((f) => [f.field, f.message]));
    const broken = writableConnector();
    broken.id = 'acme-broken';
    delete broken.streams[0].write.upsert.match_fields;
    broken.streams[0].write.batch_size = 0;
    const bad = await a.request('PUT', '/connectors/acme-broken', { body: broken });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ code: 'VALIDATION_ERROR', status: '400', meta: { location: 'json' } });
    expect(fields(bad)).toEqual({
      'streams.0.write.upsert.match_fields': 'match_fields lists the fields the upsert can match on, e.g. ["email"]',
      'streams.0.write.batch_size': 'batch_size must be at least 1',
    });

    // Checks across fields (templates, the id an update needs) run once each field is well-formed, as for the rest of the definition.
    const noId = writableConnector();
    noId.id = 'acme-broken';
    noId.streams[0].write.update.path = '/contacts';
    noId.streams[0].write.create.body = { name: '{record.name}', tenant: '{config.tenant}' };
    const crossRef = await a.request('PUT', '/connectors/acme-broken', { body: noId });
    expect(crossRef.status).toBe(400);
    expect(fields(crossRef)).toEqual({
      'streams.0.write.create.body.tenant': '{config.tenant} refers to undeclared parameter "tenant" (declared: base_url, api_key)',
      'streams.0.write.update.path': 'the update must carry the record id: put {target.id} in the path, e.g. "/contacts/{target.id}"',
    });
    expect((await a.request('GET', '/connectors/acme-broken')).status).toBe(404);
  });
});
