import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WriteOutcomeUnknownError } from '../providers/errors';
import { createHubspotConnection } from '../providers/hubspot';
import { createHttpRuntime } from '../providers/runtime';
import type { ProviderConnection, WaitInfo, WriteOutcome } from '../providers/types';
import type { RecordedRequest } from './helpers/http-api-simulator';
import { startHubspotSim, type HubspotSim } from './helpers/hubspot-simulator';

let hs: HubspotSim;
let token: string;
let connections = 0;
const T = (m: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + m * 60_000).toISOString();
// Waits are reported (onWait), not slept: the tests stay fast.
const runtime = createHttpRuntime({ sleep: async () => {} });

/** A fresh connection (its own rate limiter) with a private app token. */
function open(): ProviderConnection & Required<Pick<ProviderConnection, 'write' | 'readRecord'>> {
  const conn = createHubspotConnection(
    { applicationId: 'a', customerId: 'c', connectionId: `hs-writes-${++connections}`, providerName: 'hubspot', params: { api_key: token, instance_url: hs.url } },
    runtime,
  );
  if (!conn.write || !conn.readRecord) throw new Error('the HubSpot connection cannot write');
  return conn as ProviderConnection & Required<Pick<ProviderConnection, 'write' | 'readRecord'>>;
}

/** The requests the simulator receives while `fn` runs. */
async function recording<T>(fn: () => Promise<T>): Promise<{ result: T; requests: RecordedRequest[] }> {
  const from = hs.sim.requests.length;
  const result = await fn();
  return { result, requests: hs.sim.requests.slice(from) };
}

const okId = (o: WriteOutcome | undefined) => {
  if (!o?.ok) throw new Error(`expected a written record, got ${JSON.stringify(o)}`);
  return o.id;
};
const contactsWithEmail = (email: string) => [...hs.objects.contacts!.values()].filter((r) => r.properties.email === email);

beforeAll(async () => {
  hs = await startHubspotSim();
  token = hs.oauth.issue();
  hs.extraProperties.contacts = [{ name: 'favorite_food', type: 'string' }];
  hs.defineCustomObject({
    objectTypeId: '2-777',
    name: 'cars',
    singular: 'Car',
    plural: 'Cars',
    properties: [
      { name: 'model', type: 'string' },
      { name: 'year', type: 'number' },
    ],
  });
  hs.upsert('companies', { id: '101', updatedAt: T(0), properties: { name: 'Acme', domain: 'acme.example' } });
  hs.upsert('companies', { id: '102', updatedAt: T(0), properties: { name: 'Globex', domain: 'globex.example' } });
  hs.upsert('contacts', { id: '1', updatedAt: T(1), properties: { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com', hubspot_owner_id: '7' } });
  hs.upsert('deals', { id: '5001', updatedAt: T(3), properties: { dealname: 'Seeded', dealstage: 'appointmentscheduled' } });
  hs.upsert('contacts', { id: '2', updatedAt: T(2), properties: { firstname: 'Charles', lastname: 'Babbage', email: 'charles@example.com' } });
});
afterAll(async () => {
  await hs?.close();
});

const GRACE = {
  first_name: 'Grace',
  last_name: 'Hopper',
  email_addresses: [
    { email_address: 'grace@example.com', email_address_type: 'primary' },
    { email_address: 'g.hopper@example.com', email_address_type: 'work' },
  ],
  phone_numbers: [
    { phone_number: '+1 555 0100', phone_number_type: 'primary' },
    { phone_number: '+1 555 0101', phone_number_type: 'mobile' },
  ],
  addresses: [{ address_type: 'primary', street_1: '1 Navy Way', street_2: null, city: 'Arlington', state: 'VA', postal_code: '22201', country: 'US' }],
  lifecycle_stage: 'lead',
  owner_id: '7',
  account_id: '101',
  custom_fields: { favorite_food: 'cobbler' },
};

describe('HubSpot writes (CRM v3 batch endpoints, on the simulator)', () => {
  it('creates a common contact with its company association, and it reads back the same through readPage and returnRecords', async () => {
    const conn = open();
    const { result, requests } = await recording(() =>
      conn.write({ object: 'contact', objectType: 'common', operation: 'create', records: [{ record: GRACE }], returnRecords: true }),
    );
    const batch = requests.filter((r) => r.path === '/crm/v3/objects/contacts/batch/create');
    expect(batch).toHaveLength(1);
    expect(batch[0]!.json).toEqual({
      inputs: [
        {
          properties: {
            firstname: 'Grace',
            lastname: 'Hopper',
            lifecyclestage: 'lead',
            hubspot_owner_id: '7',
            email: 'grace@example.com',
            hs_additional_emails: 'g.hopper@example.com',
            phone: '+1 555 0100',
            mobilephone: '+1 555 0101',
            address: '1 Navy Way',
            city: 'Arlington',
            state: 'VA',
            zip: '22201',
            country: 'US',
            favorite_food: 'cobbler',
          },
          associations: [{ to: { id: '101' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] }],
          objectWriteTraceId: '0',
        },
      ],
    });
    const id = okId(result[0]);
    expect(result[0]).toMatchObject({ ok: true, operation: 'create' });
    const stored = hs.objects.contacts!.get(id)!;
    expect(stored.companyId).toBe('101');
    expect(stored.properties).toMatchObject({ firstname: 'Grace', email: 'grace@example.com', hs_additional_emails: 'g.hopper@example.com', favorite_food: 'cobbler' });
    expect(stored.properties.fax).toBeUndefined();

    const { custom_fields: _, ...written } = GRACE;
    const page = await open().readPage({ object: 'contact', objectType: 'common', modifiedSince: null, pageState: null });
    const read = page.records.find((r) => r.id === id)!;
    expect(read.unified).toMatchObject({ id, ...written });
    expect(read.raw.favorite_food).toBe('cobbler');
    // The record as HubSpot holds it after the write is what the next sync reads.
    expect(result[0]!.ok && result[0]!.record).toEqual(read);
  });

  it('creates common accounts and opportunities (deal → company 341) that read back the same', async () => {
    const conn = open();
    const account = {
      name: 'Initech',
      description: 'Software',
      industry: 'COMPUTER_SOFTWARE',
      website: 'https://initech.example',
      number_of_employees: 250,
      phone_numbers: [{ phone_number: '+1 555 0200', phone_number_type: 'primary' }],
      addresses: [{ address_type: 'primary', street_1: '4120 Freidrich Ln', street_2: 'Suite 3', city: 'Austin', state: 'TX', postal_code: '78744', country: 'US' }],
      lifecycle_stage: 'customer',
      owner_id: '7',
    };
    const [acc] = await conn.write({ object: 'account', objectType: 'common', operation: 'create', records: [{ record: account }] });
    const accountId = okId(acc);
    expect(hs.objects.companies!.get(accountId)!.properties).toMatchObject({ name: 'Initech', numberofemployees: '250', address2: 'Suite 3', zip: '78744' });

    const deal = {
      name: 'Printers',
      description: 'TPS',
      amount: 100000,
      stage: 'appointmentscheduled',
      close_date: '2026-06-30T00:00:00.000Z',
      pipeline: 'default',
      owner_id: '7',
      account_id: accountId,
    };
    const { result, requests } = await recording(() => conn.write({ object: 'opportunity', objectType: 'common', operation: 'create', records: [{ record: deal }] }));
    expect(requests.find((r) => r.path === '/crm/v3/objects/deals/batch/create')!.json).toEqual({
      inputs: [
        {
          properties: {
            dealname: 'Printers',
            description: 'TPS',
            amount: '100000',
            dealstage: 'appointmentscheduled',
            closedate: '2026-06-30T00:00:00.000Z',
            pipeline: 'default',
            hubspot_owner_id: '7',
          },
          associations: [{ to: { id: accountId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 341 }] }],
          objectWriteTraceId: '0',
        },
      ],
    });
    const dealId = okId(result[0]);
    expect(hs.objects.deals!.get(dealId)!.companyId).toBe(accountId);

    const companies = await open().readPage({ object: 'account', objectType: 'common', modifiedSince: null, pageState: null });
    expect(companies.records.find((r) => r.id === accountId)!.unified).toMatchObject({ id: accountId, ...account });
    const deals = await open().readPage({ object: 'opportunity', objectType: 'common', modifiedSince: null, pageState: null });
    expect(deals.records.find((r) => r.id === dealId)!.unified).toMatchObject({ id: dealId, ...deal, status: 'OPEN' });
  });

  it('creates standard and custom records with HubSpot property names as given', async () => {
    const { result, requests } = await recording(() =>
      open().write({ object: 'companies', objectType: 'standard', operation: 'create', records: [{ record: { name: 'Hooli', domain: 'hooli.example', numberofemployees: 40 } }] }),
    );
    expect(requests.map((r) => [r.method, r.path, r.json])).toEqual([
      ['POST', '/crm/v3/objects/companies/batch/create', { inputs: [{ properties: { name: 'Hooli', domain: 'hooli.example', numberofemployees: 40 }, objectWriteTraceId: '0' }] }],
    ]);
    expect(hs.objects.companies!.get(okId(result[0]))!.properties).toMatchObject({ name: 'Hooli', domain: 'hooli.example', numberofemployees: '40' });

    // A custom object named as the customer knows it is written through its objectTypeId.
    const car = await recording(() => open().write({ object: 'cars', objectType: 'custom', operation: 'create', records: [{ record: { model: 'Zoe', year: 2022 } }] }));
    expect(car.requests.filter((r) => r.method === 'POST').map((r) => [r.path, r.json])).toEqual([
      ['/crm/v3/objects/2-777/batch/create', { inputs: [{ properties: { model: 'Zoe', year: 2022 }, objectWriteTraceId: '0' }] }],
    ]);
    expect(hs.objects['2-777']!.get(okId(car.result[0]))!.properties).toMatchObject({ model: 'Zoe', year: '2022' });
  });

  it('updates only the fields given (a null clears one), moving updatedAt; account_id becomes a v4 association', async () => {
    const before = structuredClone(hs.objects.contacts!.get('1')!);
    const { result, requests } = await recording(() =>
      open().write({ object: 'contact', objectType: 'common', operation: 'update', records: [{ id: '1', record: { last_name: 'King', owner_id: null, account_id: '102' } }] }),
    );
    expect(result).toEqual([{ ok: true, id: '1', operation: 'update' }]);
    expect(requests.map((r) => [r.method, r.path, r.json])).toEqual([
      ['POST', '/crm/v3/objects/contacts/batch/update', { inputs: [{ id: '1', properties: { lastname: 'King', hubspot_owner_id: '' }, objectWriteTraceId: '0' }] }],
      ['PUT', '/crm/v4/objects/contacts/1/associations/default/companies/102', undefined],
    ]);
    const after = hs.objects.contacts!.get('1')!;
    expect(after.properties).toEqual({ ...before.properties, lastname: 'King', hubspot_owner_id: '', lastmodifieddate: after.updatedAt });
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
    expect(after.companyId).toBe('102');
    // The change is found by the next incremental read.
    const changed = await open().readPage({ object: 'contact', objectType: 'common', modifiedSince: new Date(after.updatedAt), pageState: null });
    expect(changed.records.map((r) => [r.id, r.unified?.last_name, r.unified?.owner_id, r.unified?.account_id])).toEqual([['1', 'King', null, '102']]);
  });

  it('an update naming a company HubSpot does not have is written, and rejected on account_id for the association', async () => {
    const [outcome] = await open().write({
      object: 'opportunity',
      objectType: 'common',
      operation: 'update',
      records: [{ id: '5001', record: { stage: 'qualifiedtobuy', account_id: '999' } }],
    });
    expect(outcome).toEqual({
      ok: false,
      error: { message: 'No COMPANY with id 999 exists (the record was written without its company association)', field: 'account_id', code: 'OBJECT_NOT_FOUND', status: 404 },
    });
    expect(hs.objects.deals!.get('5001')).toMatchObject({ properties: { dealstage: 'qualifiedtobuy' } });
    expect(hs.objects.deals!.get('5001')!.companyId).toBeUndefined();
  });

  it('upserts by idProperty: a common contact on email (create, then update), standard companies on domain in one batch', async () => {
    const conn = open();
    const alan = (first: string) => ({ first_name: first, email_addresses: [{ email_address: 'alan@example.com', email_address_type: 'primary' }] });
    const { result: first, requests } = await recording(() =>
      conn.write({ object: 'contact', objectType: 'common', operation: 'upsert', matchField: 'email', records: [{ record: alan('Alan') }] }),
    );
    expect(requests.map((r) => [r.path, r.json])).toEqual([
      [
        '/crm/v3/objects/contacts/batch/upsert',
        { inputs: [{ properties: { firstname: 'Alan', hs_additional_emails: '' }, idProperty: 'email', id: 'alan@example.com', objectWriteTraceId: '0' }] },
      ],
    ]);
    expect(first).toMatchObject([{ ok: true, operation: 'create' }]);
    const second = await conn.write({ object: 'contact', objectType: 'common', operation: 'upsert', matchField: 'email', records: [{ record: alan('Alan M.') }] });
    expect(second).toEqual([{ ok: true, id: okId(first[0]), operation: 'update' }]);
    expect(contactsWithEmail('alan@example.com').map((r) => [r.id, r.properties.firstname])).toEqual([[okId(first[0]), 'Alan M.']]);

    const companies = await conn.write({
      object: 'companies',
      objectType: 'standard',
      operation: 'upsert',
      matchField: 'domain',
      records: [{ record: { domain: 'globex.example', name: 'Globex Corp' } }, { record: { domain: 'umbrella.example', name: 'Umbrella' } }],
    });
    expect(companies).toMatchObject([
      { ok: true, id: '102', operation: 'update' },
      { ok: true, operation: 'create' },
    ]);
    expect(hs.objects.companies!.get('102')!.properties.name).toBe('Globex Corp');
    expect(hs.objects.companies!.get(okId(companies[1]))!.properties).toMatchObject({ domain: 'umbrella.example', name: 'Umbrella' });

    // On id, an upsert is an update by id.
    const byId = await recording(() =>
      conn.write({ object: 'companies', objectType: 'standard', operation: 'upsert', matchField: 'id', records: [{ record: { id: '102', description: 'Unlimited' } }] }),
    );
    expect(byId.result).toEqual([{ ok: true, id: '102', operation: 'update' }]);
    expect(byId.requests.map((r) => [r.path, r.json])).toEqual([
      ['/crm/v3/objects/companies/batch/update', { inputs: [{ id: '102', properties: { description: 'Unlimited' }, objectWriteTraceId: '0' }] }],
    ]);

    await expect(open().write({ object: 'account', objectType: 'common', operation: 'upsert', matchField: 'name', records: [{ record: { name: 'X' } }] })).rejects.toMatchObject({
      name: 'ProviderError',
      kind: 'configuration',
      message: 'HubSpot cannot upsert common account records on "name" (it has no unique common field)',
    });
  });

  it('rejects a record with an unknown property or a bad number with HubSpot message and field, writing the rest of the batch once', async () => {
    const { result, requests } = await recording(() =>
      open().write({
        object: 'deals',
        objectType: 'standard',
        operation: 'create',
        records: [{ record: { dealname: 'Good 1', amount: '10' } }, { record: { dealname: 'Bad', amount: 'lots' } }, { record: { dealname: 'Good 2', amount: '20' } }],
      }),
    );
    // Refused whole without saying which record: halved until the bad one stands alone.
    expect(requests.map((r) => [(r.json as { inputs: Array<{ properties: { dealname: string } }> }).inputs.map((i) => i.properties.dealname)])).toEqual([
      [['Good 1', 'Bad', 'Good 2']],
      [['Good 1', 'Bad']],
      [['Good 1']],
      [['Bad']],
      [['Good 2']],
    ]);
    expect(result[1]).toEqual({ ok: false, error: { message: 'lots was not a valid number.', field: 'amount', code: 'VALIDATION_ERROR', status: 400 } });
    for (const name of ['Good 1', 'Good 2']) expect([...hs.objects.deals!.values()].filter((d) => d.properties.dealname === name)).toHaveLength(1);
    expect([...hs.objects.deals!.values()].filter((d) => d.properties.dealname === 'Bad')).toEqual([]);
    expect([result[0]!.ok, result[2]!.ok]).toEqual([true, true]);

    // Through the common model the field is the common one the caller wrote.
    const [unknown] = await open().write({
      object: 'contact',
      objectType: 'common',
      operation: 'create',
      records: [{ record: { first_name: 'Z', custom_fields: { shoe_size: 44 } } }],
    });
    expect(unknown).toEqual({ ok: false, error: { message: 'Property "shoe_size" does not exist', field: 'custom_fields.shoe_size', code: 'VALIDATION_ERROR', status: 400 } });
  });

  it('rejects a duplicate email with the 409 HubSpot answers, and creates the other contact of the batch', async () => {
    const { result, requests } = await recording(() =>
      open().write({
        object: 'contacts',
        objectType: 'standard',
        operation: 'create',
        records: [{ record: { firstname: 'Ada again', email: 'ada@example.com' } }, { record: { firstname: 'Edsger', email: 'edsger@example.com' } }],
      }),
    );
    expect(result[0]).toEqual({ ok: false, error: { message: 'Contact already exists. Existing ID: 1', code: 'CONFLICT', status: 409 } });
    expect(result[1]).toMatchObject({ ok: true, operation: 'create' });
    expect(requests.map((r) => (r.json as { inputs: unknown[] }).inputs.length)).toEqual([2, 1, 1]);
    expect(contactsWithEmail('ada@example.com').map((r) => [r.id, r.properties.firstname])).toEqual([['1', 'Ada']]);
    expect(contactsWithEmail('edsger@example.com')).toHaveLength(1);
  });

  it('reports an update of an unknown id from the 207 multi-status, the others written in the same request', async () => {
    const { result, requests } = await recording(() =>
      open().write({
        object: 'contacts',
        objectType: 'standard',
        operation: 'update',
        records: [
          { id: '2', record: { firstname: 'Charles' } },
          { id: '999999', record: { firstname: 'Nobody' } },
          { id: '1', record: { firstname: 'Augusta Ada' } },
        ],
      }),
    );
    expect(requests).toHaveLength(1);
    expect(result).toEqual([
      { ok: true, id: '2', operation: 'update' },
      {
        ok: false,
        error: { message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.', code: 'OBJECT_NOT_FOUND', status: 404 },
      },
      { ok: true, id: '1', operation: 'update' },
    ]);
    expect(hs.objects.contacts!.get('1')!.properties.firstname).toBe('Augusta Ada');
    expect(hs.objects.contacts!.has('999999')).toBe(false);
  });

  it('waits out a 429 Retry-After and sends the create again: HubSpot had not carried it out, so it is written once', async () => {
    hs.rateLimit.once((r) => r.path === '/crm/v3/objects/contacts/batch/create', '2');
    const waits: WaitInfo[] = [];
    const { result, requests } = await recording(() =>
      open().write({
        object: 'contacts',
        objectType: 'standard',
        operation: 'create',
        records: [{ record: { firstname: 'Barbara', email: 'barbara@example.com' } }],
        onWait: (w) => waits.push(w),
      }),
    );
    expect(requests.map((r) => r.body)).toEqual([requests[0]!.body, requests[0]!.body]);
    expect(waits.filter((w) => w.status === 429)).toEqual([{ reason: 'rate_limit', status: 429, ms: expect.any(Number) }]);
    expect(waits.find((w) => w.status === 429)!.ms).toBeGreaterThanOrEqual(2000);
    expect(contactsWithEmail('barbara@example.com').map((r) => r.id)).toEqual([okId(result[0])]);
  });

  it('a 5xx on a create is an unknown outcome, never sent again; an update is retried', async () => {
    hs.failOnce((r) => r.path === '/crm/v3/objects/contacts/batch/create', { status: 500, processed: true });
    const create = await recording(() =>
      open()
        .write({ object: 'contacts', objectType: 'standard', operation: 'create', records: [{ record: { firstname: 'Margaret', email: 'margaret@example.com' } }] })
        .catch((e: unknown) => e),
    );
    expect(create.result).toBeInstanceOf(WriteOutcomeUnknownError);
    expect(create.result).toMatchObject({ kind: 'transient', status: 500 });
    expect(create.requests).toHaveLength(1);
    // HubSpot did write it before the answer failed: sending again would have made a second contact.
    expect(contactsWithEmail('margaret@example.com')).toHaveLength(1);

    hs.failOnce((r) => r.path === '/crm/v3/objects/contacts/batch/update', { status: 502 });
    const update = await recording(() => open().write({ object: 'contacts', objectType: 'standard', operation: 'update', records: [{ id: '2', record: { lastname: 'B.' } }] }));
    expect(update.result).toEqual([{ ok: true, id: '2', operation: 'update' }]);
    expect(update.requests.map((r) => r.path)).toEqual(['/crm/v3/objects/contacts/batch/update', '/crm/v3/objects/contacts/batch/update']);
  });

  it('readRecord reads one record live with every property and its company; null for an unknown id', async () => {
    const conn = open();
    const { result, requests } = await recording(() => conn.readRecord({ object: 'contact', objectType: 'common', id: '1' }));
    const get = requests.find((r) => r.path === '/crm/v3/objects/contacts/1')!;
    expect(get.method).toBe('GET');
    expect(get.query.associations).toBe('companies');
    expect(get.query.properties!.split(',')).toEqual(expect.arrayContaining(['firstname', 'email', 'hubspot_owner_id', 'favorite_food']));
    expect(result).toMatchObject({ id: '1', isDeleted: false, raw: { id: '1', firstname: 'Augusta Ada', lastname: 'King' }, unified: { id: '1', account_id: '102' } });
    expect(await conn.readRecord({ object: 'contacts', objectType: 'standard', id: '424242' })).toBeNull();
  });
});
