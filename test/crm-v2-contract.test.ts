/**
 * Contract test of /crm/v2 against Supaglue's CRM API v2 reference, through the real API and a
 * HubSpot connection on the HubSpot simulator: each request body (the reference's own examples where
 * it has them) and each response body is validated against the reference's schema for that operation
 * and status; what the simulator received and stores is asserted; every operation not built answers
 * 501 with the reference's notImplemented body, and every operation of the reference is exercised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureCrm } from './helpers/crm-scenario';
import type { RecordedRequest } from './helpers/http-api-simulator';
import { startHubspotSim, type HubspotSim } from './helpers/hubspot-simulator';
import { startSalesforceSim, type SalesforceSim } from './helpers/salesforce-simulator';
import { CRM_SPEC_PATH, deref, formatProblems, HTTP_METHODS, loadReferenceSpec, normalizePath, referenceValidator, specOperations } from './helpers/reference-spec';
import { startScenario } from './helpers/sync-scenario';

const spec = loadReferenceSpec(CRM_SPEC_PATH);
const ops = specOperations(spec);
const validator = referenceValidator(spec);

let s: Awaited<ReturnType<typeof startScenario>>;
let hs: HubspotSim;
let sf: SalesforceSim;

/** Who a request goes out as: the application's key, the connection's headers, and the simulator behind it. */
interface Conn {
  apiKey: string;
  customerId: string;
  provider: 'hubspot' | 'salesforce';
  requests: () => RecordedRequest[];
}
let hubspot: Conn;
let salesforce: Conn;
const T = (m: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + m * 60_000).toISOString();
const CARS = '2-9001';

/** The operations a test called, by the reference's key (`POST /contacts`). */
const exercised = new Set<string>();

beforeAll(async () => {
  s = await startScenario();
  hs = await startHubspotSim();
  hs.upsert('companies', { id: '101', updatedAt: T(1), properties: { name: 'Supaglue', domain: 'supaglue.com' } });
  hs.upsert('contacts', { id: '201', updatedAt: T(1), properties: { firstname: 'Ada', lastname: 'Lovelace', email: 'ada@example.com' } });
  hs.defineCustomObject({
    objectTypeId: CARS,
    name: 'cars',
    singular: 'Car',
    plural: 'Cars',
    properties: [
      { name: 'model', type: 'string' },
      { name: 'year', type: 'number' },
    ],
  });
  const crm = await configureCrm(s, { providerName: 'hubspot', clientId: hs.oauth.clientId, clientSecret: hs.oauth.clientSecret, common: ['contact'], standard: [] });
  // No worker runs in this file: the connection's syncs never start, so the simulator sees only the writes and reads below.
  await crm.connect({ access_token: hs.oauth.issue(), refresh_token: 'refresh-1', instance_url: hs.url });
  hubspot = { apiKey: s.tenant.apiKey, customerId: crm.customerId, provider: 'hubspot', requests: () => hs.sim.requests };

  // HubSpot has no common leads: they are written to Salesforce, by another application.
  sf = await startSalesforceSim();
  const sfTenant = await s.api.newTenant('crm-sf');
  const sfCrm = await configureCrm(
    { ...s, tenant: sfTenant },
    { providerName: 'salesforce', clientId: sf.oauth.clientId, clientSecret: sf.oauth.clientSecret, common: ['lead'], standard: [], customerId: 'sf-customer' },
  );
  await sfCrm.connect({ access_token: sf.oauth.issue(), refresh_token: 'refresh-1', instance_url: sf.url, login_url: sf.url });
  salesforce = { apiKey: sfTenant.apiKey, customerId: sfCrm.customerId, provider: 'salesforce', requests: () => sf.sim.requests };
});
afterAll(async () => {
  await sf?.close();
  await hs?.close();
  await s?.close();
});

interface CrmResponse {
  status: number;
  body: any;
  headers: Headers;
  /** The simulator's requests while this one was served. */
  received: RecordedRequest[];
}

/**
 * Sends `method path` (the reference's operation `key`, e.g. `PATCH /contacts/{contact_id}`) with the
 * connection headers, after checking the body against the reference's request schema, and checks the
 * answer against the reference's schema for its status, which must be `status`.
 */
async function call(key: string, path: string, status: number, opts: { body?: unknown; headers?: Record<string, string>; query?: string; conn?: Conn } = {}): Promise<CrmResponse> {
  const conn = opts.conn ?? hubspot;
  const op = ops.find((o) => o.key === key);
  expect(op, `${key} is an operation of the reference`).toBeDefined();
  if (opts.body !== undefined && op!.requestSchema && status < 400) {
    expect(validator.validate(op!.requestSchema, opts.body), `${key} request body\n${formatProblems(validator.validate(op!.requestSchema, opts.body))}`).toEqual([]);
  }
  const mark = conn.requests().length;
  const res = await fetch(`${s.api.base}/crm/v2${path}${opts.query ?? ''}`, {
    method: key.split(' ')[0],
    headers: {
      'x-api-key': conn.apiKey,
      'x-customer-id': conn.customerId,
      'x-provider-name': conn.provider,
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  const body = text ? JSON.parse(text) : null;
  expect(res.status, `${key} → ${text}`).toBe(status);
  const schema = validator.responseSchema(op!, status);
  expect(schema, `the reference describes ${key}'s ${status} body`).toBeDefined();
  const problems = validator.validate(schema, body);
  expect(problems, `${key} ${status} body ${text}\n${formatProblems(problems)}`).toEqual([]);
  exercised.add(key);
  return { status: res.status, body, headers: res.headers, received: conn.requests().slice(mark) };
}

/** What the simulator received, without what every request carries. */
const sent = (r: RecordedRequest) => ({ method: r.method, path: r.path, json: r.json });
/** The writes among them: a write's record is read back (batch/read), which is no write. */
const writesOf = (received: RecordedRequest[]) => received.filter((r) => r.method !== 'GET' && !r.path.endsWith('/batch/read')).map(sent);
/** The reference's example request body of an operation. */
function example(key: string): any {
  const content = deref(spec, ops.find((o) => o.key === key)!.operation.requestBody).content['application/json'];
  return content.example ?? Object.values(content.examples as Record<string, { value: unknown }>)[0]!.value;
}
const error = (body: any) => body.errors[0] as { code: string; status: string; detail: string; title: string; meta: Record<string, unknown> };

describe('the reference spec and our document', () => {
  it('our /crm/v2 OpenAPI document (public) describes every operation of the reference, the ones not built as answering 501', async () => {
    const res = await fetch(`${s.api.base}/crm/v2/openapi.json`);
    expect(res.status).toBe(200);
    const ours = (await res.json()) as { servers: Array<{ url: string }>; paths: Record<string, Record<string, { description?: string; responses: Record<string, unknown> }>> };
    expect(ours.servers[0]!.url).toBe('/crm/v2');
    const served = new Map(
      Object.entries(ours.paths).flatMap(([p, item]) => HTTP_METHODS.filter((m) => item[m]).map((m) => [`${m.toUpperCase()} ${normalizePath(p)}`, item[m]!] as const)),
    );
    expect(ops.filter((o) => !served.has(`${o.method} ${normalizePath(o.path)}`)).map((o) => o.key)).toEqual([]);
    const notBuilt = [...served].filter(([, o]) => o.description?.includes('Not implemented in Syncwell: answers 501')).map(([k]) => k);
    expect(notBuilt.sort()).toEqual(
      [
        'GET /contacts',
        'POST /contacts/_search',
        'GET /accounts',
        'POST /accounts/_upsert',
        'GET /leads',
        'POST /leads/_search',
        'GET /opportunities',
        'GET /users',
        'GET /users/{}',
        'GET /standard_objects/{}/records',
        'GET /custom_objects/{}/records',
        'GET /associations',
        'PUT /associations',
        'GET /metadata/associations',
        'POST /metadata/associations',
        'GET /metadata/custom_objects',
        'POST /metadata/custom_objects',
        'GET /metadata/custom_objects/{}',
        'PUT /metadata/custom_objects/{}',
        'GET /metadata/standard_objects',
        'GET /metadata/properties/{}',
        'POST /metadata/properties/{}',
        'POST /metadata/properties/{}/register',
        'GET /metadata/properties/{}/{}',
        'PATCH /metadata/properties/{}/{}',
        'GET /lists',
        'GET /lists/{}',
      ].sort(),
    );
    for (const k of notBuilt) expect(Object.keys(served.get(k)!.responses), k).toEqual(['501']);
  });
});

describe('contacts', () => {
  let georgeId: string;

  it("creates the reference's example contact in HubSpot with its company association, and reads it back live", async () => {
    const body = example('POST /contacts');
    expect(body).toEqual({ record: { first_name: 'George', last_activity_at: '2022-02-10T00:00:00Z', last_name: 'Xing', account_id: '64571bff-48ea-4469-9fa0-ee1a0bab38bd' } });
    // The account must be one the customer's HubSpot has.
    const res = await call('POST /contacts', '/contacts', 201, { body: { record: { ...body.record, account_id: '101' } } });
    georgeId = res.body.record.id;
    expect(res.body).toEqual({ record: { id: georgeId } });
    // last_activity_at is read-only in HubSpot: not sent.
    expect(writesOf(res.received)).toEqual([
      {
        method: 'POST',
        path: '/crm/v3/objects/contacts/batch/create',
        json: {
          inputs: [
            {
              properties: { firstname: 'George', lastname: 'Xing' },
              associations: [{ to: { id: '101' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] }],
              objectWriteTraceId: '0',
            },
          ],
        },
      },
    ]);
    const stored = hs.objects.contacts!.get(georgeId)!;
    expect(stored).toMatchObject({ companyId: '101', archived: false });
    expect(stored.properties).toMatchObject({ firstname: 'George', lastname: 'Xing' });

    const got = await call('GET /contacts/{contact_id}', `/contacts/${georgeId}`, 200);
    expect(got.body).toMatchObject({ id: georgeId, first_name: 'George', last_name: 'Xing', account_id: '101', email_addresses: [], is_deleted: false });
    expect(got.body).not.toHaveProperty('raw_data');
    expect(got.received.map((r) => `${r.method} ${r.path}`)).toContain(`GET /crm/v3/objects/contacts/${georgeId}`);

    const raw = await call('GET /contacts/{contact_id}', `/contacts/${georgeId}`, 200, { query: '?include_raw_data=true' });
    expect(raw.body.raw_data).toMatchObject({ id: georgeId, firstname: 'George', lastname: 'Xing' });
  });

  it("updates it with the reference's example body: only the fields given, the company association by the v4 default", async () => {
    const body = example('PATCH /contacts/{contact_id}');
    const res = await call('PATCH /contacts/{contact_id}', `/contacts/${georgeId}`, 200, { body: { record: { ...body.record, last_name: 'Xing II', account_id: '101' } } });
    expect(res.body).toEqual({ warnings: [] });
    expect(writesOf(res.received)).toEqual([
      {
        method: 'POST',
        path: '/crm/v3/objects/contacts/batch/update',
        json: { inputs: [{ id: georgeId, properties: { firstname: 'George', lastname: 'Xing II' }, objectWriteTraceId: '0' }] },
      },
      { method: 'PUT', path: `/crm/v4/objects/contacts/${georgeId}/associations/default/companies/101`, json: undefined },
    ]);
    expect(hs.objects.contacts!.get(georgeId)!.properties).toMatchObject({ firstname: 'George', lastname: 'Xing II' });
  });

  it('an unknown id is a 404 with the reference envelope and HubSpot’s message', async () => {
    const res = await call('PATCH /contacts/{contact_id}', '/contacts/999999', 404, { body: { record: { first_name: 'Nobody' } } });
    expect(error(res.body)).toMatchObject({ code: 'NOT_FOUND_ERROR', status: '404', meta: { origin: 'remote-provider', provider_status: 404 } });
    expect(error(res.body).detail).toContain('Could not get some CONTACT objects');
    const got = await call('GET /contacts/{contact_id}', '/contacts/999999', 404);
    expect(error(got.body).code).toBe('NOT_FOUND_ERROR');
  });

  it('upserts on email: the one value is the email written and matched; the second upsert updates the same contact', async () => {
    const upsert = (first_name: string) => ({ record: { first_name, last_name: 'Hopper' }, upsert_on: { key: 'email', values: ['grace@example.com'] } });
    const created = await call('POST /contacts/_upsert', '/contacts/_upsert', 201, { body: upsert('Grace') });
    const id = created.body.record.id;
    expect(writesOf(created.received)).toEqual([
      {
        method: 'POST',
        path: '/crm/v3/objects/contacts/batch/upsert',
        json: {
          inputs: [{ id: 'grace@example.com', idProperty: 'email', properties: { firstname: 'Grace', lastname: 'Hopper', hs_additional_emails: '' }, objectWriteTraceId: '0' }],
        },
      },
    ]);
    const updated = await call('POST /contacts/_upsert', '/contacts/_upsert', 201, { body: upsert('Admiral Grace') });
    expect(updated.body).toEqual({ record: { id } });
    const grace = [...hs.objects.contacts!.values()].filter((r) => r.properties.email === 'grace@example.com');
    expect(grace.map((r) => [r.id, r.properties.firstname])).toEqual([[id, 'Admiral Grace']]);
  });

  it('several upsert values, or a primary email other than the value, answer 501: the providers match on the one email they write', async () => {
    const before = hs.sim.requests.length;
    const several = await call('POST /contacts/_upsert', '/contacts/_upsert', 501, {
      body: { record: { first_name: 'X' }, upsert_on: { key: 'email', values: ['a@example.com', 'b@example.com'] } },
    });
    expect(error(several.body)).toMatchObject({ code: 'NOT_IMPLEMENTED_ERROR', status: '501', meta: { origin: 'supaglue' } });
    const other = await call('POST /contacts/_upsert', '/contacts/_upsert', 501, {
      body: {
        record: { email_addresses: [{ email_address: 'new@example.com', email_address_type: 'primary' }] },
        upsert_on: { key: 'email', values: ['old@example.com'] },
      },
    });
    expect(error(other.body).detail).toContain('old@example.com');
    expect(hs.sim.requests.length).toBe(before);
  });

  it('a duplicate email is HubSpot’s 409 with its message in the reference envelope; nothing is stored', async () => {
    const count = hs.objects.contacts!.size;
    const res = await call('POST /contacts', '/contacts', 409, {
      body: { record: { first_name: 'Ada', email_addresses: [{ email_address: 'ada@example.com', email_address_type: 'primary' }] } },
    });
    expect(error(res.body)).toMatchObject({
      code: 'CONFLICT_ERROR',
      status: '409',
      detail: 'Contact already exists. Existing ID: 201',
      meta: { origin: 'remote-provider', provider_code: 'CONFLICT', provider_status: 409 },
    });
    expect(hs.objects.contacts!.size).toBe(count);
  });

  it('a property HubSpot refuses is its 400 VALIDATION_ERROR message, naming the field', async () => {
    const res = await call('POST /contacts', '/contacts', 400, { body: { record: { first_name: 'X', custom_fields: { __about_us: 'hi' } } } });
    expect(error(res.body)).toMatchObject({
      code: 'BAD_REQUEST_ERROR',
      detail: 'Property "__about_us" does not exist',
      meta: { origin: 'remote-provider', field: 'custom_fields.__about_us', provider_code: 'VALIDATION_ERROR', provider_status: 400 },
    });
  });

  it('a body outside the reference is a field-level 400 before anything is sent', async () => {
    const before = hs.sim.requests.length;
    const res = await call('POST /contacts', '/contacts', 400, { body: { record: { email_addresses: [{ email_address: 'x@example.com' }] } } });
    expect(error(res.body)).toMatchObject({ code: 'VALIDATION_ERROR', meta: { fields: [{ field: 'record.email_addresses.0.email_address_type' }] } });
    const missing = await call('POST /contacts', '/contacts', 400, { body: { first_name: 'no record' } });
    expect(error(missing.body).meta.fields).toEqual([expect.objectContaining({ field: 'record' })]);
    const noHeaders = await call('POST /contacts', '/contacts', 400, { body: { record: {} }, headers: { 'x-customer-id': '' } });
    expect(error(noHeaders.body).meta.location).toBe('header');
    expect(hs.sim.requests.length).toBe(before);
  });

  it('an Idempotency-Key retried gets the first answer back without a second create', async () => {
    const body = { record: { first_name: 'Once', email_addresses: [{ email_address: 'once@example.com', email_address_type: 'primary' }] } };
    const first = await call('POST /contacts', '/contacts', 201, { body, headers: { 'Idempotency-Key': 'crm-create-1' } });
    const again = await call('POST /contacts', '/contacts', 201, { body, headers: { 'Idempotency-Key': 'crm-create-1' } });
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.received).toEqual([]);
    expect([...hs.objects.contacts!.values()].filter((r) => r.properties.email === 'once@example.com')).toHaveLength(1);
  });

  it('needs the application’s x-api-key', async () => {
    const res = await fetch(`${s.api.base}/crm/v2/contacts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"record":{}}' });
    expect(res.status).toBe(401);
    const problems = validator.validate(validator.responseSchema(ops.find((o) => o.key === 'POST /contacts')!, 401), await res.json());
    expect(problems).toEqual([]);
  });
});

describe('accounts, opportunities, leads', () => {
  it('creates, updates and reads an account; its upsert answers 501', async () => {
    const created = await call('POST /accounts', '/accounts', 201, {
      body: { record: { name: 'Sample Customer', description: 'Integration API', industry: 'API', number_of_employees: 276000, website: 'https://supaglue.com/' } },
    });
    const id = created.body.record.id;
    expect(hs.objects.companies!.get(id)!.properties).toMatchObject({
      name: 'Sample Customer',
      description: 'Integration API',
      industry: 'API',
      numberofemployees: '276000',
      website: 'https://supaglue.com/',
    });
    await call('PATCH /accounts/{account_id}', `/accounts/${id}`, 200, { body: { record: { number_of_employees: 300000 } } });
    expect(hs.objects.companies!.get(id)!.properties.numberofemployees).toBe('300000');
    const got = await call('GET /accounts/{account_id}', `/accounts/${id}`, 200);
    expect(got.body).toMatchObject({ id, name: 'Sample Customer', number_of_employees: 300000, website: 'https://supaglue.com/' });

    const upsert = await call('POST /accounts/_upsert', '/accounts/_upsert', 501, { body: { record: { name: 'X' }, upsert_on: { key: 'domain', values: ['supaglue.com'] } } });
    expect(error(upsert.body).code).toBe('NOT_IMPLEMENTED_ERROR');
  });

  it("creates the reference's example opportunity as a HubSpot deal of the company, updates and reads it", async () => {
    const body = example('POST /opportunities');
    const created = await call('POST /opportunities', '/opportunities', 201, { body: { record: { ...body.record, account_id: '101' } } });
    const id = created.body.record.id;
    expect(writesOf(created.received)[0]!.json).toEqual({
      inputs: [
        {
          properties: {
            amount: '100000',
            closedate: '2023-02-27T00:00:00.000Z',
            description: 'Wants to use open source unified API for third-party integrations',
            dealname: 'Needs Integrations',
            dealstage: 'Closed Won',
          },
          associations: [{ to: { id: '101' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 341 }] }],
          objectWriteTraceId: '0',
        },
      ],
    });
    expect(hs.objects.deals!.get(id)).toMatchObject({ companyId: '101', properties: { dealname: 'Needs Integrations', amount: '100000' } });
    await call('PATCH /opportunities/{opportunity_id}', `/opportunities/${id}`, 200, { body: { record: { stage: 'closedwon' } } });
    expect(hs.objects.deals!.get(id)!.properties.dealstage).toBe('closedwon');
    const got = await call('GET /opportunities/{opportunity_id}', `/opportunities/${id}`, 200);
    expect(got.body).toMatchObject({ id, name: 'Needs Integrations', amount: 100000, stage: 'closedwon', account_id: '101' });
  });

  it('HubSpot has no common leads: create, update and upsert are a field-level 400 naming the object, sent nowhere', async () => {
    const before = hs.sim.requests.length;
    const record = example('POST /leads').record;
    for (const [key, path, body] of [
      ['POST /leads', '/leads', { record }],
      ['PATCH /leads/{lead_id}', '/leads/1', { record }],
      ['POST /leads/_upsert', '/leads/_upsert', { record, upsert_on: { key: 'email', values: ['lead@example.com'] } }],
    ] as const) {
      const res = await call(key, path, 400, { body });
      expect(error(res.body).meta.fields, key).toEqual([expect.objectContaining({ field: 'object' })]);
    }
    expect(hs.sim.requests.length).toBe(before);
  });
});

describe('leads on Salesforce', () => {
  it("creates the reference's example lead, updates it with the reference's example, reads it back live", async () => {
    const body = example('POST /leads');
    expect(body).toEqual({ record: { company: 'Supaglue', first_name: 'George', last_name: 'Xing', lead_source: 'API Blogger', title: 'Co-Founder' } });
    const created = await call('POST /leads', '/leads', 201, { body, conn: salesforce });
    const id = created.body.record.id;
    expect(sf.writes().slice(-1).map(sent)).toEqual([
      {
        method: 'POST',
        path: '/services/data/v58.0/composite/sobjects',
        json: {
          allOrNone: false,
          records: [{ attributes: { type: 'Lead' }, Company: 'Supaglue', FirstName: 'George', LastName: 'Xing', LeadSource: 'API Blogger', Title: 'Co-Founder' }],
        },
      },
    ]);
    expect(sf.records.Lead!.get(id)).toMatchObject({ Company: 'Supaglue', FirstName: 'George', LastName: 'Xing', LeadSource: 'API Blogger', Title: 'Co-Founder' });

    const patch = example('PATCH /leads/{lead_id}');
    await call('PATCH /leads/{lead_id}', `/leads/${id}`, 200, { body: { record: { ...patch.record, title: 'CEO' } }, conn: salesforce });
    expect(sf.records.Lead!.get(id)).toMatchObject({ Title: 'CEO', Company: 'Supaglue' });

    const got = await call('GET /leads/{lead_id}', `/leads/${id}`, 200, { conn: salesforce, query: '?include_raw_data=true' });
    expect(got.body).toMatchObject({ id, first_name: 'George', last_name: 'Xing', company: 'Supaglue', title: 'CEO', lead_source: 'API Blogger', is_deleted: false });
    expect(got.body.raw_data).toMatchObject({ Id: id, Title: 'CEO' });
  });

  it('upserts a lead on email through a SOQL look-up: created, then the same lead updated', async () => {
    const upsert = (title: string) => ({
      record: { company: 'Navy', last_name: 'Hopper', title },
      upsert_on: { key: 'email', values: ['grace@navy.example'] },
    });
    const created = await call('POST /leads/_upsert', '/leads/_upsert', 201, { body: upsert('Rear Admiral'), conn: salesforce });
    const id = created.body.record.id;
    expect(sf.records.Lead!.get(id)).toMatchObject({ Email: 'grace@navy.example', LastName: 'Hopper', Title: 'Rear Admiral' });
    const updated = await call('POST /leads/_upsert', '/leads/_upsert', 201, { body: upsert('Admiral'), conn: salesforce });
    expect(updated.body).toEqual({ record: { id } });
    expect(sf.queries().filter((q) => q.includes('WHERE Email IN'))).toEqual(Array(2).fill("SELECT Id, Email FROM Lead WHERE Email IN ('grace@navy.example')"));
    expect([...sf.records.Lead!.values()].filter((r) => r.Email === 'grace@navy.example').map((r) => [r.Id, r.Title])).toEqual([[id, 'Admiral']]);
  });

  it("a lead without its required company is Salesforce's refusal, with its message and field", async () => {
    const res = await call('POST /leads', '/leads', 400, { body: { record: { last_name: 'Nocompany' } }, conn: salesforce });
    expect(error(res.body)).toMatchObject({ code: 'BAD_REQUEST_ERROR', meta: { origin: 'remote-provider', provider_code: 'REQUIRED_FIELD_MISSING', provider_status: 400 } });
    expect(error(res.body).detail).toContain('Company');
  });
});

describe('standard and custom object records', () => {
  it('creates, updates and reads a HubSpot company as a standard object record', async () => {
    const created = await call('POST /standard_objects/{object_name}/records', '/standard_objects/companies/records', 201, {
      body: { record: { name: 'Acme', domain: 'acme.example' } },
    });
    const id = created.body.record.id;
    expect(writesOf(created.received)).toEqual([
      { method: 'POST', path: '/crm/v3/objects/companies/batch/create', json: { inputs: [{ properties: { name: 'Acme', domain: 'acme.example' }, objectWriteTraceId: '0' }] } },
    ]);
    const updated = await call('PATCH /standard_objects/{object_name}/records/{record_id}', `/standard_objects/companies/records/${id}`, 201, {
      body: { record: { name: 'Acme Inc' } },
    });
    expect(updated.body).toEqual({ record: { id } });
    expect(hs.objects.companies!.get(id)!.properties).toMatchObject({ name: 'Acme Inc', domain: 'acme.example' });
    const got = await call('GET /standard_objects/{object_name}/records/{record_id}', `/standard_objects/companies/records/${id}`, 200);
    expect(got.body).toMatchObject({ id, object_name: 'companies', data: { id, name: 'Acme Inc' }, is_deleted: false });
  });

  it('creates, updates and reads a custom object record by its name', async () => {
    const created = await call('POST /custom_objects/{object_name}/records', '/custom_objects/cars/records', 201, { body: { record: { model: 'Zoe', year: 2021 } } });
    const id = created.body.record.id;
    expect(writesOf(created.received)).toEqual([
      { method: 'POST', path: `/crm/v3/objects/${CARS}/batch/create`, json: { inputs: [{ properties: { model: 'Zoe', year: 2021 }, objectWriteTraceId: '0' }] } },
    ]);
    const updated = await call('PATCH /custom_objects/{object_name}/records/{record_id}', `/custom_objects/cars/records/${id}`, 200, { body: { record: { year: 2022 } } });
    expect(updated.body).toEqual({ record: { id } });
    expect(hs.objects[CARS]!.get(id)!.properties).toMatchObject({ model: 'Zoe', year: '2022' });
    const got = await call('GET /custom_objects/{object_name}/records/{record_id}', `/custom_objects/cars/records/${id}`, 200);
    expect(got.body).toMatchObject({ id, custom_object_name: 'cars', data: { model: 'Zoe', year: '2022' }, is_deleted: false });
  });
});

describe('operations not built', () => {
  it('each answers 501 with a body valid against the reference notImplemented response', async () => {
    const notImplementedSchema = deref(spec, spec.components.responses!.notImplemented).content['application/json'].schema;
    const untested = ops.filter((o) => !exercised.has(o.key));
    expect(untested.length).toBeGreaterThan(20);
    for (const op of untested) {
      const path = op.path.replace(/\{[^}]+\}/g, 'x1');
      const res = await call(op.key, path, 501, op.requestSchema ? { body: {} } : {});
      expect(validator.validate(notImplementedSchema, res.body)).toEqual([]);
      expect(error(res.body)).toMatchObject({ code: 'NOT_IMPLEMENTED_ERROR', status: '501', meta: { origin: 'supaglue' } });
      expect(res.received).toEqual([]);
    }
    expect(ops.filter((o) => !exercised.has(o.key)).map((o) => o.key)).toEqual([]);
  });
});
