import { beforeAll, describe, expect, it } from 'vitest';
import { useTenants } from './helpers/tenants';
import { eventsOf, insertCustomer, insertEntity, insertProvider } from './helpers/fixtures';

const { api, a, b } = useTenants();
let person: string;
let company: string;
let connectionId: string;
const headers = { 'x-customer-id': 'cust-1', 'x-provider-name': 'salesforce' };

beforeAll(async () => {
  const db = api.tdb.db;
  person = (await insertEntity(db, a.applicationId, { name: 'person', fields: ['first', 'last'], allow_additional_field_mappings: true })).id;
  company = (await insertEntity(db, a.applicationId, { name: 'company', fields: ['domain'] })).id;
  await insertProvider(db, a.applicationId, {
    name: 'salesforce',
    auth_type: 'oauth2',
    entity_mappings: [{ entity_id: person, object: { type: 'standard', name: 'Contact' }, field_mappings: [{ entity_field: 'first', mapped_field: 'FirstName' }] }],
  });
  await insertCustomer(db, a.applicationId, 'cust-1');
  await insertCustomer(db, b.applicationId, 'cust-1');
  await insertProvider(db, b.applicationId, { name: 'salesforce', auth_type: 'oauth2' });
  connectionId = (await a.request('POST', '/customers/cust-1/connections', { body: { provider_name: 'salesforce', type: 'oauth2', refresh_token: 'r' } })).body.id;
});

const mappingEvents = async () => (await eventsOf(api.tdb.db, a.applicationId)).filter((e) => e.type.startsWith('entity.entity_mapping'));

describe('entity mappings', () => {
  it('lists every entity with the developer mapping laid over it', async () => {
    const res = await a.request('GET', '/entity_mappings', { headers });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      {
        entity_id: person,
        entity_name: 'person',
        allow_additional_field_mappings: true,
        object: { type: 'standard', name: 'Contact', from: 'developer' },
        field_mappings: [
          { entity_field: 'first', mapped_field: 'FirstName', from: 'developer', is_additional: false },
          { entity_field: 'last', is_additional: false },
        ],
      },
      { entity_id: company, entity_name: 'company', allow_additional_field_mappings: false, field_mappings: [{ entity_field: 'domain', is_additional: false }] },
    ]);
  });

  it('upserts the customer mapping (created, then updated) and deletes it, one event each', async () => {
    const body = {
      entity_id: person,
      object: { type: 'custom', name: 'Person__c' },
      field_mappings: [
        { entity_field: 'last', mapped_field: 'Surname__c' },
        { entity_field: 'nickname', mapped_field: 'Nick__c' },
      ],
    };
    const put = await a.request('PUT', `/entity_mappings/${person}`, { headers, body });
    expect(put.status).toBe(200);
    expect(put.body).toBeNull();
    const listed = (await a.request('GET', '/entity_mappings', { headers })).body[0];
    expect(listed).toEqual({
      entity_id: person,
      entity_name: 'person',
      allow_additional_field_mappings: true,
      object: { type: 'custom', name: 'Person__c', from: 'customer' },
      field_mappings: [
        { entity_field: 'first', mapped_field: 'FirstName', from: 'developer', is_additional: false },
        { entity_field: 'last', mapped_field: 'Surname__c', from: 'customer', is_additional: false },
        { entity_field: 'nickname', mapped_field: 'Nick__c', from: 'customer', is_additional: true },
      ],
    });
    expect((await a.request('GET', '/customers/cust-1/connections/salesforce')).body.entity_mappings).toEqual([body]);

    expect((await a.request('PUT', `/entity_mappings/${person}`, { headers, body: { entity_id: person } })).status).toBe(200);
    expect((await a.request('DELETE', `/entity_mappings/${person}`, { headers })).status).toBe(204);
    expect((await a.request('DELETE', `/entity_mappings/${person}`, { headers })).status).toBe(404);
    expect((await a.request('GET', '/entity_mappings', { headers })).body[0].object).toEqual({ type: 'standard', name: 'Contact', from: 'developer' });

    const events = await mappingEvents();
    expect(events.map((e) => e.type)).toEqual(['entity.entity_mapping.created', 'entity.entity_mapping.updated', 'entity.entity_mapping.deleted']);
    expect(events[0]!.payload).toEqual({
      webhook_event_type: 'entity.entity_mapping.created',
      entity_id: person,
      application_id: a.applicationId,
      connection_id: connectionId,
      customer_id: 'cust-1',
      provider_name: 'salesforce',
      object_name: 'Person__c',
      object_type: 'custom',
      result: 'SUCCESS',
    });
  });

  it('rejects invalid mappings (400) and unknown entities (404) without events', async () => {
    const before = (await mappingEvents()).length;
    const put = (id: string, body: unknown) => a.request('PUT', `/entity_mappings/${id}`, { headers, body });
    expect((await put(company, { entity_id: company, field_mappings: [{ entity_field: 'extra', mapped_field: 'X' }] })).status).toBe(400);
    expect((await put(company, { entity_id: person })).status).toBe(400);
    expect(
      (
        await put(person, {
          entity_id: person,
          field_mappings: [
            { entity_field: 'first', mapped_field: 'X' },
            { entity_field: 'last', mapped_field: 'X' },
          ],
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await put(person, {
          entity_id: person,
          field_mappings: [
            { entity_field: 'first', mapped_field: 'X' },
            { entity_field: 'first', mapped_field: 'Y' },
          ],
        })
      ).status,
    ).toBe(400);
    const bad = await put(person, { entity_id: person, object: { type: 'common', name: 'x' }, field_mappings: [{ entity_field: 'first' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].meta.fields.map((f: { field: string }) => f.field)).toEqual(['object.type', 'field_mappings.0.mapped_field']);
    expect((await a.request('PUT', `/entity_mappings/${person}`, { headers, rawBody: '{"entity_id"' })).status).toBe(400);
    expect((await put('00000000-0000-4000-8000-000000000000', { entity_id: '00000000-0000-4000-8000-000000000000' })).status).toBe(404);
    expect((await put('not-a-uuid', { entity_id: 'not-a-uuid' })).status).toBe(404);
    expect((await a.request('DELETE', '/entity_mappings/not-a-uuid', { headers })).status).toBe(404);
    expect((await a.request('GET', '/entity_mappings')).status).toBe(400);
    expect(await mappingEvents()).toHaveLength(before);
  });

  it('keeps tenants apart', async () => {
    await a.request('PUT', `/entity_mappings/${company}`, { headers, body: { entity_id: company, field_mappings: [{ entity_field: 'domain', mapped_field: 'Website' }] } });
    expect((await b.request('GET', '/entity_mappings', { headers })).status).toBe(404);
    expect((await b.request('PUT', `/entity_mappings/${company}`, { headers, body: { entity_id: company } })).status).toBe(404);
    expect((await b.request('DELETE', `/entity_mappings/${company}`, { headers })).status).toBe(404);
    expect((await a.request('GET', '/entity_mappings', { headers })).body[1].field_mappings[0]).toEqual({
      entity_field: 'domain',
      mapped_field: 'Website',
      from: 'customer',
      is_additional: false,
    });
  });
});
