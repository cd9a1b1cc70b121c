import { beforeAll, describe, expect, it } from 'vitest';
import { getObjectFieldMapping, resolveFieldMapping } from '../services/catalog/field-mappings';
import { useTenants } from './helpers/tenants';
import { eventsOf, insertCustomer, insertProvider, insertSchema } from './helpers/fixtures';
import { NotFoundError } from '../lib/errors';

const { api, a, b } = useTenants();
let contactSchema: string;
let accountSchema: string;
let connectionId: string;
const headers = { 'x-customer-id': 'cust-1', 'x-provider-name': 'salesforce' };

beforeAll(async () => {
  const db = api.tdb.db;
  contactSchema = (
    await insertSchema(db, a.applicationId, {
      name: 'contact',
      fields: [{ name: 'email', mapped_name: 'Email' }, { name: 'first_name' }, { name: 'score' }],
      allow_additional_field_mappings: false,
    })
  ).id;
  accountSchema = (await insertSchema(db, a.applicationId, { name: 'account', fields: [{ name: 'domain' }], allow_additional_field_mappings: true })).id;
  await insertProvider(db, a.applicationId, {
    name: 'salesforce',
    auth_type: 'oauth2',
    objects: { common: [{ name: 'contact', schema_id: contactSchema }], standard: [{ name: 'Account', schema_id: accountSchema }, { name: 'Lead' }] },
  });
  await insertCustomer(db, a.applicationId, 'cust-1');
  await insertCustomer(db, b.applicationId, 'cust-1');
  await insertProvider(db, b.applicationId, { name: 'salesforce', auth_type: 'oauth2' });
  const conn = await a.request('POST', '/customers/cust-1/connections', { body: { provider_name: 'salesforce', type: 'oauth2', refresh_token: 'r' } });
  connectionId = conn.body.id;
});

describe('resolveFieldMapping', () => {
  const schema = { fields: [{ name: 'email', mapped_name: 'Email' }, { name: 'first_name' }, { name: 'score' }], allow_additional_field_mappings: false };

  it('schema mapped names are fixed; customer fills the rest; additional fields only when allowed', () => {
    expect(resolveFieldMapping(schema)).toEqual({ email: 'Email' });
    expect(
      resolveFieldMapping(schema, undefined, {
        field_mappings: [
          { schema_field: 'email', mapped_field: 'Other' },
          { schema_field: 'first_name', mapped_field: 'FirstName' },
          { schema_field: 'extra', mapped_field: 'Extra__c' },
          { schema_field: 'score' },
        ],
      }),
    ).toEqual({ email: 'Email', first_name: 'FirstName' });
    expect(resolveFieldMapping({ ...schema, allow_additional_field_mappings: true }, null, { field_mappings: [{ schema_field: 'extra', mapped_field: 'Extra__c' }] })).toEqual({
      email: 'Email',
      extra: 'Extra__c',
    });
  });

  it('a provider-level (developer) mapping applies, and the customer may override it (entity style keys work too)', () => {
    const entity = { fields: [{ name: 'first' }, { name: 'last' }] };
    expect(
      resolveFieldMapping(
        entity,
        {
          field_mappings: [
            { entity_field: 'first', mapped_field: 'FirstName' },
            { entity_field: 'last', mapped_field: 'LastName' },
          ],
        },
        { field_mappings: [{ entity_field: 'last', mapped_field: 'Surname__c' }] },
      ),
    ).toEqual({ first: 'FirstName', last: 'Surname__c' });
  });
});

describe('field mappings', () => {
  it('lists objects with schemas and their merged fields', async () => {
    const res = await a.request('GET', '/field_mappings', { headers });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      {
        object_name: 'contact',
        object_type: 'common',
        allow_additional_field_mappings: false,
        schema_id: contactSchema,
        fields: [
          { name: 'email', is_added_by_customer: false, schema_mapped_name: 'Email' },
          { name: 'first_name', is_added_by_customer: false },
          { name: 'score', is_added_by_customer: false },
        ],
      },
      {
        object_name: 'Account',
        object_type: 'standard',
        allow_additional_field_mappings: true,
        schema_id: accountSchema,
        fields: [{ name: 'domain', is_added_by_customer: false }],
      },
    ]);
  });

  it('updates an object mapping with a created then an updated event', async () => {
    const put = await a.request('PUT', '/field_mappings/_update_object', {
      headers,
      body: { name: 'contact', type: 'common', field_mappings: [{ schema_field: 'first_name', mapped_field: 'FirstName' }] },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      object_name: 'contact',
      object_type: 'common',
      allow_additional_field_mappings: false,
      schema_id: contactSchema,
      fields: [
        { name: 'email', is_added_by_customer: false, schema_mapped_name: 'Email' },
        { name: 'first_name', is_added_by_customer: false, customer_mapped_name: 'FirstName' },
        { name: 'score', is_added_by_customer: false },
      ],
    });
    expect((await a.request('GET', '/field_mappings', { headers })).body[0]).toEqual(put.body);

    const again = await a.request('PUT', '/field_mappings/_update_object', {
      headers,
      body: {
        name: 'contact',
        type: 'common',
        field_mappings: [
          { schema_field: 'first_name', mapped_field: 'GivenName' },
          { schema_field: 'score', mapped_field: 'Score__c' },
        ],
      },
    });
    expect(again.status).toBe(200);
    const extra = await a.request('PUT', '/field_mappings/_update_object', {
      headers,
      body: {
        name: 'Account',
        type: 'standard',
        field_mappings: [
          { schema_field: 'domain', mapped_field: 'Website' },
          { schema_field: 'tier', mapped_field: 'Tier__c' },
        ],
      },
    });
    expect(extra.status).toBe(200);
    expect(extra.body.fields).toEqual([
      { name: 'domain', is_added_by_customer: false, customer_mapped_name: 'Website' },
      { name: 'tier', is_added_by_customer: true, customer_mapped_name: 'Tier__c' },
    ]);

    const events = await eventsOf(api.tdb.db, a.applicationId);
    const mappingEvents = events.filter((e) => e.type.startsWith('object.field_mapping'));
    expect(mappingEvents.map((e) => e.type)).toEqual(['object.field_mapping.created', 'object.field_mapping.updated', 'object.field_mapping.created']);
    expect(mappingEvents[1]!.payload).toEqual({
      webhook_event_type: 'object.field_mapping.updated',
      connection_id: connectionId,
      application_id: a.applicationId,
      customer_id: 'cust-1',
      provider_name: 'salesforce',
      object_name: 'contact',
      object_type: 'common',
      schema_id: contactSchema,
      result: 'SUCCESS',
    });

    expect(await getObjectFieldMapping(api.deps, a.applicationId, connectionId, 'common', 'contact')).toEqual({
      email: 'Email',
      first_name: 'GivenName',
      score: 'Score__c',
    });
    expect(await getObjectFieldMapping(api.deps, a.applicationId, connectionId, 'standard', 'Lead')).toBeNull();
  });

  it('rejects invalid mappings with 400 and writes no event', async () => {
    const before = (await eventsOf(api.tdb.db, a.applicationId)).length;
    const put = (body: unknown) => a.request('PUT', '/field_mappings/_update_object', { headers, body });
    const cases: Array<[unknown, RegExp]> = [
      [{ name: 'contact', type: 'common', field_mappings: [{ schema_field: 'nope', mapped_field: 'X' }] }, /not in the schema/],
      [
        {
          name: 'contact',
          type: 'common',
          field_mappings: [
            { schema_field: 'first_name', mapped_field: 'X' },
            { schema_field: 'score', mapped_field: 'X' },
          ],
        },
        /both map to/,
      ],
      [{ name: 'contact', type: 'common', field_mappings: [{ schema_field: 'first_name', mapped_field: 'Email' }] }, /both map to/],
      [{ name: 'contact', type: 'common', field_mappings: [{ schema_field: 'email', mapped_field: 'Mail' }] }, /already mapped/],
      [{ name: 'contact', type: 'common', field_mappings: [{ schema_field: 'score' }, { schema_field: 'score' }] }, /more than once/],
      [{ name: 'Lead', type: 'standard', field_mappings: [] }, /No schema/],
      [{ name: 'Ghost', type: 'standard', field_mappings: [] }, /No schema/],
    ];
    for (const [body, detail] of cases) {
      const res = await put(body);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].detail).toMatch(detail);
    }
    const invalid = await put({ name: 'contact', type: 'custom', field_mappings: [{ mapped_field: 'x' }] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors[0].meta.fields.map((f: { field: string }) => f.field)).toEqual(['type', 'field_mappings.0.schema_field']);
    expect((await a.request('PUT', '/field_mappings/_update_object', { headers, rawBody: '[' })).status).toBe(400);
    expect((await a.request('GET', '/field_mappings')).status).toBe(400);
    expect(await eventsOf(api.tdb.db, a.applicationId)).toHaveLength(before);
  });

  it('keeps tenants apart', async () => {
    expect((await b.request('GET', '/field_mappings', { headers })).status).toBe(404);
    const put = await b.request('PUT', '/field_mappings/_update_object', { headers, body: { name: 'contact', type: 'common', field_mappings: [] } });
    expect(put.status).toBe(404);
    await expect(getObjectFieldMapping(api.deps, b.applicationId, connectionId, 'common', 'contact')).rejects.toBeInstanceOf(NotFoundError);
    expect((await a.request('GET', '/field_mappings', { headers: { ...headers, 'x-provider-name': 'hubspot' } })).status).toBe(404);
  });
});
