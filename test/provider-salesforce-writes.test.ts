import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError, WriteOutcomeUnknownError } from '../providers/errors';
import { createHttpRuntime } from '../providers/runtime';
import { createSalesforceConnection } from '../providers/salesforce';
import type { ConnectionContext, ProviderConnection, SourceRecord, WriteOutcome, WriteRequest } from '../providers/types';
import type { RecordedRequest } from './helpers/http-api-simulator';
import { startSalesforceSim, type SalesforceSim } from './helpers/salesforce-simulator';

let sf: SalesforceSim;
beforeAll(async () => {
  sf = await startSalesforceSim();
});
afterAll(async () => {
  await sf?.close();
});

const V = '/services/data/v58.0';
const COLLECTIONS = `${V}/composite/sobjects`;
const T = (m: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + m * 60_000).toISOString();
let n = 0;

function open(params: Record<string, unknown> = {}, ctx: Partial<ConnectionContext> = {}): ProviderConnection {
  return createSalesforceConnection(
    {
      applicationId: 'app',
      customerId: 'cust',
      connectionId: `sf-writes-${++n}`,
      providerName: 'salesforce',
      params: { access_token: sf.oauth.issue(), instance_url: sf.url, ...params },
      ...ctx,
    },
    createHttpRuntime({ sleep: async () => {} }),
  );
}

/** Runs fn and returns what it resolved to with the requests the simulator received meanwhile. */
async function recording<T>(fn: () => Promise<T>): Promise<{ result: T; requests: RecordedRequest[] }> {
  const mark = sf.sim.requests.length;
  const result = await fn();
  return { result, requests: sf.sim.requests.slice(mark) };
}

const write = (conn: ProviderConnection, req: WriteRequest) => conn.write!(req);
const ids = (outcomes: WriteOutcome[]) => outcomes.map((o) => (o.ok ? o.id : null));
const stored = (sobject: string, id: string | null) => sf.records[sobject]!.get(id!)!;
const writesOf = (requests: RecordedRequest[]) => requests.filter((r) => r.path.startsWith(COLLECTIONS)).map((r) => `${r.method} ${r.path}`);

async function readAll(conn: ProviderConnection, object: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  let pageState = null;
  do {
    const page = await conn.readPage({ object, objectType: 'common', modifiedSince: null, pageState });
    out.push(...page.records);
    pageState = page.nextPageState;
  } while (pageState !== null);
  return out;
}

describe('Salesforce writes through sObject Collections', () => {
  it('creates common and standard records in one Collections request each, sending the mapped fields as a non-idempotent POST', async () => {
    const conn = open();
    const before = Date.now();
    const { result, requests } = await recording(() =>
      write(conn, {
        object: 'contact',
        objectType: 'common',
        operation: 'create',
        records: [
          {
            record: {
              first_name: 'Grace',
              last_name: 'Hopper',
              email_addresses: [{ email_address: 'grace@navy.example', email_address_type: 'primary' }],
              phone_numbers: [
                { phone_number: '+1 555 0100', phone_number_type: 'primary' },
                { phone_number: '+1 555 0101', phone_number_type: 'mobile' },
              ],
              addresses: [{ address_type: 'mailing', street_1: '1 Navy Way', street_2: 'Suite 2', city: 'Arlington', state: 'VA', postal_code: '22202', country: 'US' }],
              account_id: '001A',
              owner_id: '005B',
              lifecycle_stage: 'customer',
            },
          },
          { record: { first_name: 'Kathleen', last_name: 'Booth' } },
        ],
      }),
    );
    expect(result).toEqual([
      { ok: true, id: expect.stringMatching(/^003/), operation: 'create' },
      { ok: true, id: expect.stringMatching(/^003/), operation: 'create' },
    ]);
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([`POST ${COLLECTIONS}`]);
    // lifecycle_stage has no Salesforce field: accepted and not sent.
    expect(requests[0]!.json).toEqual({
      allOrNone: false,
      records: [
        {
          attributes: { type: 'Contact' },
          FirstName: 'Grace',
          LastName: 'Hopper',
          Email: 'grace@navy.example',
          Phone: '+1 555 0100',
          MobilePhone: '+1 555 0101',
          MailingStreet: '1 Navy Way\nSuite 2',
          MailingCity: 'Arlington',
          MailingState: 'VA',
          MailingPostalCode: '22202',
          MailingCountry: 'US',
          AccountId: '001A',
          OwnerId: '005B',
        },
        { attributes: { type: 'Contact' }, FirstName: 'Kathleen', LastName: 'Booth' },
      ],
    });
    const grace = stored('Contact', ids(result)[0]!);
    expect(grace).toMatchObject({ FirstName: 'Grace', LastName: 'Hopper', Email: 'grace@navy.example', MailingStreet: '1 Navy Way\nSuite 2', OwnerId: '005B', IsDeleted: false });
    expect(Date.parse(grace.SystemModstamp)).toBeGreaterThanOrEqual(before - 1000);
    expect(stored('Contact', ids(result)[1]!)).toMatchObject({ FirstName: 'Kathleen', LastName: 'Booth', OwnerId: '005A' });

    const std = await recording(() =>
      write(conn, {
        object: 'Account',
        objectType: 'standard',
        operation: 'create',
        records: [{ record: { Name: 'Initech', NumberOfEmployees: 300, Tier__c: 'Gold' } }],
      }),
    );
    expect(std.requests.map((r) => [r.method, r.path, r.json])).toEqual([
      ['POST', COLLECTIONS, { allOrNone: false, records: [{ attributes: { type: 'Account' }, Name: 'Initech', NumberOfEmployees: 300, Tier__c: 'Gold' }] }],
    ]);
    expect(stored('Account', ids(std.result)[0]!)).toMatchObject({ Name: 'Initech', NumberOfEmployees: 300, Tier__c: 'Gold' });
  });

  it('updates with only the fields given, moving SystemModstamp', async () => {
    sf.upsert('Contact', { Id: '003U', SystemModstamp: T(1), FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@example.com', Phone: '+331' });
    const conn = open();
    const { result, requests } = await recording(() =>
      write(conn, {
        object: 'contact',
        objectType: 'common',
        operation: 'update',
        records: [{ id: '003U', record: { first_name: 'Augusta', phone_numbers: [{ phone_number: '+332', phone_number_type: 'primary' }] } }],
      }),
    );
    expect(result).toEqual([{ ok: true, id: '003U', operation: 'update' }]);
    expect(requests.map((r) => [r.method, r.path, r.json])).toEqual([
      ['PATCH', COLLECTIONS, { allOrNone: false, records: [{ attributes: { type: 'Contact' }, id: '003U', FirstName: 'Augusta', Phone: '+332' }] }],
    ]);
    const after = stored('Contact', '003U');
    expect(after).toMatchObject({ FirstName: 'Augusta', LastName: 'Lovelace', Email: 'ada@example.com', Phone: '+332', CreatedDate: T(1) });
    expect(after.SystemModstamp > T(1)).toBe(true);
    expect(after.LastModifiedDate).toBe(after.SystemModstamp);
  });

  it('upserts by an external id field: the existing record updated, a new one created, as Salesforce reports', async () => {
    sf.upsert('Widget__c', { Id: 'a01X', SystemModstamp: T(1), Name: 'Old', Size__c: 1, Sku__c: 'W-1' });
    const conn = open();
    const { result, requests } = await recording(() =>
      write(conn, {
        object: 'Widget__c',
        objectType: 'custom',
        operation: 'upsert',
        matchField: 'Sku__c',
        records: [{ record: { Sku__c: 'W-1', Size__c: 2 } }, { record: { Sku__c: 'W-2', Name: 'New', Size__c: 3 } }],
      }),
    );
    expect(result).toEqual([
      { ok: true, id: 'a01X', operation: 'update' },
      { ok: true, id: expect.stringMatching(/^a01/), operation: 'create' },
    ]);
    expect(requests.map((r) => [r.method, r.path, r.json])).toEqual([
      [
        'PATCH',
        `${COLLECTIONS}/Widget__c/Sku__c`,
        {
          allOrNone: false,
          records: [
            { attributes: { type: 'Widget__c' }, Sku__c: 'W-1', Size__c: 2 },
            { attributes: { type: 'Widget__c' }, Sku__c: 'W-2', Name: 'New', Size__c: 3 },
          ],
        },
      ],
    ]);
    expect(stored('Widget__c', 'a01X')).toMatchObject({ Name: 'Old', Size__c: 2, Sku__c: 'W-1' });
    expect(stored('Widget__c', ids(result)[1]!)).toMatchObject({ Name: 'New', Size__c: 3, Sku__c: 'W-2' });

    await expect(write(conn, { object: 'Widget__c', objectType: 'custom', operation: 'upsert', matchField: 'Name', records: [{ record: { Name: 'x' } }] })).rejects.toMatchObject({
      kind: 'configuration',
      message: expect.stringContaining('Field Name is not an External ID'),
    });
  });

  it('upserts common records by an external id field given in custom_fields; other common match fields are refused', async () => {
    const conn = open();
    const { result, requests } = await recording(() =>
      write(conn, {
        object: 'account',
        objectType: 'common',
        operation: 'upsert',
        matchField: 'Erp_Id__c',
        records: [{ record: { name: 'Erp Co', custom_fields: { Erp_Id__c: 'E-1' } } }],
      }),
    );
    expect(result).toEqual([{ ok: true, id: expect.stringMatching(/^001/), operation: 'create' }]);
    expect(requests.map((r) => [r.method, r.path, r.json])).toEqual([
      ['PATCH', `${COLLECTIONS}/Account/Erp_Id__c`, { allOrNone: false, records: [{ attributes: { type: 'Account' }, Name: 'Erp Co', Erp_Id__c: 'E-1' }] }],
    ]);
    expect(stored('Account', ids(result)[0]!)).toMatchObject({ Name: 'Erp Co', Erp_Id__c: 'E-1' });

    const refused = await recording(() =>
      write(conn, { object: 'account', objectType: 'common', operation: 'upsert', matchField: 'name', records: [{ record: { name: 'Erp Co' } }] }).catch((e: unknown) => e),
    );
    expect(refused.result).toMatchObject({ kind: 'configuration', message: 'Salesforce common account upserts match on an external id field, not "name"' });
    expect(refused.requests).toEqual([]);
  });

  it('upserts common contacts by email: found by SOQL, then updated or created; an email two contacts share is a rejection', async () => {
    sf.upsert('Contact', { Id: '003E1', SystemModstamp: T(1), FirstName: 'Eve', LastName: 'Existing', Email: 'Eve@Example.com' });
    sf.upsert('Contact', { Id: '003E2', SystemModstamp: T(1), LastName: 'Twin', Email: 'twin@example.com' });
    sf.upsert('Contact', { Id: '003E3', SystemModstamp: T(1), LastName: 'Twin', Email: 'twin@example.com' });
    const conn = open();
    const email = (e: string) => [{ email_address: e, email_address_type: 'primary' }];
    const { result, requests } = await recording(() =>
      write(conn, {
        object: 'contact',
        objectType: 'common',
        operation: 'upsert',
        matchField: 'email',
        records: [
          { record: { first_name: 'Evelyn', email_addresses: email('eve@example.com') } },
          { record: { last_name: 'Newcomer', email_addresses: email("o'neil@example.com") } },
          { record: { last_name: 'Third', email_addresses: email('twin@example.com') } },
          { record: { last_name: 'No email' } },
        ],
      }),
    );
    expect(result).toEqual([
      { ok: true, id: '003E1', operation: 'update' },
      { ok: true, id: expect.stringMatching(/^003/), operation: 'create' },
      { ok: false, error: { message: '2 Contacts have the email twin@example.com: 003E2, 003E3', field: 'email_addresses', code: 'MULTIPLE_CHOICES', status: 409 } },
      { ok: false, error: { message: 'An upsert by email needs an email address (email_addresses)', field: 'email_addresses', code: 'MISSING_ARGUMENT', status: 400 } },
    ]);
    // Three matches, two per query page: the lookup follows nextRecordsUrl.
    expect(requests.map((r) => `${r.method} ${r.path.replace(/01g\d+-/, 'CURSOR-')}`)).toEqual([
      `GET ${V}/query`,
      `GET ${V}/query/CURSOR-2`,
      `POST ${COLLECTIONS}`,
      `PATCH ${COLLECTIONS}`,
    ]);
    expect(requests[0]!.query.q).toBe("SELECT Id, Email FROM Contact WHERE Email IN ('eve@example.com', 'o\\'neil@example.com', 'twin@example.com')");
    expect(requests[2]!.json).toEqual({ allOrNone: false, records: [{ attributes: { type: 'Contact' }, LastName: 'Newcomer', Email: "o'neil@example.com" }] });
    expect(requests[3]!.json).toEqual({ allOrNone: false, records: [{ attributes: { type: 'Contact' }, id: '003E1', FirstName: 'Evelyn', Email: 'eve@example.com' }] });
    expect(stored('Contact', '003E1')).toMatchObject({ FirstName: 'Evelyn', LastName: 'Existing', Email: 'eve@example.com' });
    expect(stored('Contact', ids(result)[1]!)).toMatchObject({ LastName: 'Newcomer', Email: "o'neil@example.com" });
    expect([...sf.records.Contact!.values()].filter((c) => c.Email === 'twin@example.com').map((c) => c.LastName)).toEqual(['Twin', 'Twin']);
  });
});

describe('Salesforce per-record rejections', () => {
  it('reports a missing required field with its field: the common name for common objects, Salesforce’s for standard ones', async () => {
    const conn = open();
    const common = await write(conn, { object: 'contact', objectType: 'common', operation: 'create', records: [{ record: { first_name: 'Nameless' } }] });
    expect(common).toEqual([{ ok: false, error: { message: 'Required fields are missing: [LastName]', field: 'last_name', code: 'REQUIRED_FIELD_MISSING', status: 400 } }]);
    const std = await write(conn, { object: 'Contact', objectType: 'standard', operation: 'create', records: [{ record: { FirstName: 'Nameless' } }] });
    expect(std).toEqual([{ ok: false, error: { message: 'Required fields are missing: [LastName]', field: 'LastName', code: 'REQUIRED_FIELD_MISSING', status: 400 } }]);
    expect([...sf.records.Contact!.values()].some((c) => c.FirstName === 'Nameless')).toBe(false);
  });

  it('reports duplicates as 409: a unique external id (DUPLICATE_VALUE) and a duplicate rule (DUPLICATES_DETECTED)', async () => {
    sf.upsert('Widget__c', { Id: 'a01D', SystemModstamp: T(1), Name: 'Taken', Sku__c: 'DUP-1' });
    const conn = open();
    const dup = await write(conn, { object: 'Widget__c', objectType: 'custom', operation: 'create', records: [{ record: { Name: 'Again', Sku__c: 'dup-1' } }] });
    expect(dup).toEqual([
      { ok: false, error: { message: 'duplicate value found: Sku__c duplicates value on record with id: a01D', field: 'Sku__c', code: 'DUPLICATE_VALUE', status: 409 } },
    ]);

    sf.duplicateRules = { Contact: ['Email'] };
    try {
      sf.upsert('Contact', { Id: '003D', SystemModstamp: T(1), LastName: 'First', Email: 'dupe@example.com' });
      const rule = await write(conn, {
        object: 'contact',
        objectType: 'common',
        operation: 'create',
        records: [{ record: { last_name: 'Second', email_addresses: [{ email_address: 'dupe@example.com', email_address_type: 'primary' }] } }],
      });
      expect(rule).toEqual([{ ok: false, error: { message: 'Use one of these records?', code: 'DUPLICATES_DETECTED', status: 409 } }]);
    } finally {
      sf.duplicateRules = {};
    }
    expect([...sf.records.Widget__c!.values()].filter((w) => String(w.Sku__c).toLowerCase() === 'dup-1')).toHaveLength(1);
  });

  it('reports an update of an unknown, deleted or malformed id as 404', async () => {
    sf.upsert('Contact', { Id: '003GONE', SystemModstamp: T(1), LastName: 'Gone' });
    sf.remove('Contact', '003GONE', T(2));
    const conn = open();
    const { result, requests } = await recording(() =>
      write(conn, {
        object: 'contact',
        objectType: 'common',
        operation: 'update',
        records: [
          { id: '003W99999999999', record: { first_name: 'Nobody' } },
          { id: '003GONE', record: { first_name: 'Ghost' } },
          { id: '001A', record: { first_name: 'Account id' } },
          { record: { first_name: 'No id' } },
        ],
      }),
    );
    expect(result).toEqual([
      { ok: false, error: { message: 'invalid cross reference id', code: 'INVALID_CROSS_REFERENCE_KEY', status: 404 } },
      { ok: false, error: { message: 'entity is deleted', code: 'ENTITY_IS_DELETED', status: 404 } },
      { ok: false, error: { message: 'Contact ID: id value of incorrect type: 001A', field: 'id', code: 'MALFORMED_ID', status: 404 } },
      { ok: false, error: { message: 'An update needs the id of the record', field: 'id', code: 'MISSING_ARGUMENT', status: 400 } },
    ]);
    expect(writesOf(requests)).toEqual([`PATCH ${COLLECTIONS}`]);
    expect((requests[0]!.json as { records: unknown[] }).records).toHaveLength(3);
    expect(stored('Contact', '003GONE')).toMatchObject({ LastName: 'Gone', IsDeleted: true });
  });

  it('writes the good records of a partial batch and rejects the bad ones one by one', async () => {
    const conn = open();
    const { result, requests } = await recording(() =>
      write(conn, {
        object: 'Contact',
        objectType: 'standard',
        operation: 'create',
        records: [
          { record: { LastName: 'Good One' } },
          { record: { FirstName: 'No last name' } },
          { record: { LastName: 'Bad Email', Email: 'not-an-email' } },
          { record: { LastName: 'Good Two' } },
        ],
      }),
    );
    expect(result).toEqual([
      { ok: true, id: expect.any(String), operation: 'create' },
      { ok: false, error: { message: 'Required fields are missing: [LastName]', field: 'LastName', code: 'REQUIRED_FIELD_MISSING', status: 400 } },
      { ok: false, error: { message: 'Email: invalid email address: not-an-email', field: 'Email', code: 'INVALID_EMAIL_ADDRESS', status: 400 } },
      { ok: true, id: expect.any(String), operation: 'create' },
    ]);
    expect(writesOf(requests)).toEqual([`POST ${COLLECTIONS}`]);
    expect([stored('Contact', ids(result)[0]!).LastName, stored('Contact', ids(result)[3]!).LastName]).toEqual(['Good One', 'Good Two']);
    expect([...sf.records.Contact!.values()].some((c) => c.LastName === 'Bad Email')).toBe(false);
  });

  it('turns an unknown column, which Salesforce reports for the whole request, into rejections of the records carrying it and sends the rest again', async () => {
    const conn = open();
    const { result, requests } = await recording(() =>
      write(conn, {
        object: 'Contact',
        objectType: 'standard',
        operation: 'create',
        records: [{ record: { LastName: 'Plain' } }, { record: { LastName: 'Fancy', Shoe_Size__c: 44 } }],
      }),
    );
    expect(result).toEqual([
      { ok: true, id: expect.any(String), operation: 'create' },
      { ok: false, error: { message: "No such column 'Shoe_Size__c' on sobject of type Contact", field: 'Shoe_Size__c', code: 'INVALID_FIELD', status: 400 } },
    ]);
    expect(requests.map((r) => [r.method, (r.json as { records: Array<{ LastName: string }> }).records.map((x) => x.LastName)])).toEqual([
      ['POST', ['Plain', 'Fancy']],
      ['POST', ['Plain']],
    ]);
    expect([...sf.records.Contact!.values()].filter((c) => c.LastName === 'Plain')).toHaveLength(1);
  });

  it('tells apart the record of an unattributable whole-request 400 (a value of the wrong type) by sending the records one by one', async () => {
    const conn = open();
    const { result, requests } = await recording(() =>
      write(conn, {
        object: 'Account',
        objectType: 'standard',
        operation: 'create',
        records: [{ record: { Name: 'Typed Co' } }, { record: { Name: 'Mistyped Co', NumberOfEmployees: 'many' } }],
      }),
    );
    expect(result).toEqual([
      { ok: true, id: expect.any(String), operation: 'create' },
      {
        ok: false,
        error: {
          message: 'Cannot deserialize instance of int from VALUE_STRING value "many" or request may be missing a required field at [line:1, column:1]',
          code: 'JSON_PARSER_ERROR',
          status: 400,
        },
      },
    ]);
    expect(requests.map((r) => (r.json as { records: unknown[] }).records.length)).toEqual([2, 1, 1]);
    expect([...sf.records.Account!.values()].filter((a) => a.Name === 'Typed Co')).toHaveLength(1);
  });

  it('fails the whole write on an unknown object (configuration) and refuses the read-only converted ids of a lead', async () => {
    const conn = open();
    const err = await write(conn, { object: 'Gadget__c', objectType: 'custom', operation: 'create', records: [{ record: { Name: 'x' } }] }).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'configuration', message: expect.stringContaining("Salesforce has no object Gadget__c: sObject type 'Gadget__c' is not supported") });

    const { result, requests } = await recording(() =>
      write(conn, {
        object: 'lead',
        objectType: 'common',
        operation: 'create',
        records: [{ record: { last_name: 'Convert', company: 'Co', converted_contact_id: '003A' } }],
      }),
    );
    expect(result).toEqual([
      {
        ok: false,
        error: {
          message: 'converted_contact_id is set by Salesforce when the lead is converted; it cannot be written',
          field: 'converted_contact_id',
          code: 'INVALID_FIELD_FOR_INSERT_UPDATE',
          status: 400,
        },
      },
    ]);
    expect(requests).toEqual([]);
  });
});

describe('Salesforce write failures of the whole request', () => {
  it('does not resend a create answered 5xx: WriteOutcomeUnknownError after exactly one request; an update (idempotent) is retried', async () => {
    const conn = open();
    const before = sf.records.Contact!.size;
    sf.failNext((r) => r.method === 'POST' && r.path === COLLECTIONS, { status: 500, json: [{ errorCode: 'UNKNOWN_EXCEPTION', message: 'An unexpected error occurred' }] });
    const { result: err, requests } = await recording(() =>
      write(conn, { object: 'Contact', objectType: 'standard', operation: 'create', records: [{ record: { LastName: 'Maybe' } }] }).catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(WriteOutcomeUnknownError);
    expect(writesOf(requests)).toEqual([`POST ${COLLECTIONS}`]);
    expect(sf.records.Contact!.size).toBe(before);

    sf.upsert('Contact', { Id: '003R', SystemModstamp: T(1), LastName: 'Retry' });
    sf.failNext((r) => r.method === 'PATCH' && r.path === COLLECTIONS, { status: 500, json: [{ errorCode: 'UNKNOWN_EXCEPTION', message: 'An unexpected error occurred' }] });
    const update = await recording(() =>
      write(conn, { object: 'Contact', objectType: 'standard', operation: 'update', records: [{ id: '003R', record: { FirstName: 'Again' } }] }),
    );
    expect(update.result).toEqual([{ ok: true, id: '003R', operation: 'update' }]);
    expect(writesOf(update.requests)).toEqual([`PATCH ${COLLECTIONS}`, `PATCH ${COLLECTIONS}`]);
  });

  it('rides out a 429 on a create (the request was refused, not processed): sent again and written once', async () => {
    const conn = open();
    sf.rateLimit.once((r) => r.method === 'POST' && r.path === COLLECTIONS, '1');
    const { result, requests } = await recording(() =>
      write(conn, { object: 'Contact', objectType: 'standard', operation: 'create', records: [{ record: { LastName: 'Throttled' } }] }),
    );
    expect(result).toEqual([{ ok: true, id: expect.any(String), operation: 'create' }]);
    expect(writesOf(requests)).toEqual([`POST ${COLLECTIONS}`, `POST ${COLLECTIONS}`]);
    expect([...sf.records.Contact!.values()].filter((c) => c.LastName === 'Throttled')).toHaveLength(1);
  });

  it('refreshes an expired access token on the first write (401), then sends the write once', async () => {
    const stale = sf.oauth.issue();
    sf.oauth.expire(stale);
    const saved: Array<Record<string, unknown>> = [];
    const conn = open(
      { access_token: stale, refresh_token: 'refresh-1', login_url: sf.url },
      {
        oauth: { clientId: sf.oauth.clientId, clientSecret: sf.oauth.clientSecret },
        saveCredentials: async (next) => void saved.push(next),
      },
    );
    const { result, requests } = await recording(() =>
      write(conn, { object: 'contact', objectType: 'common', operation: 'create', records: [{ record: { last_name: 'Refreshed' } }] }),
    );
    expect(result).toEqual([{ ok: true, id: expect.any(String), operation: 'create' }]);
    expect(requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization === `Bearer ${stale}` ? 'stale' : 'fresh'}`)).toEqual([
      `POST ${COLLECTIONS} stale`,
      'POST /services/oauth2/token fresh',
      `POST ${COLLECTIONS} fresh`,
    ]);
    expect(saved).toHaveLength(1);
    expect(sf.oauth.tokens.get(String(saved[0]!.access_token))).toBeGreaterThan(Date.now());
    expect([...sf.records.Contact!.values()].filter((c) => c.LastName === 'Refreshed')).toHaveLength(1);
  });
});

describe('Salesforce records read back', () => {
  it('reads one record live by GET sobjects/{type}/{id} with the fields a sync selects; null for an unknown id', async () => {
    sf.upsert('Contact', { Id: '003READ', SystemModstamp: T(5), CreatedDate: T(4), FirstName: 'Rita', LastName: 'Reader', Email: 'rita@example.com' });
    const conn = open();
    const { result, requests } = await recording(() => conn.readRecord!({ object: 'contact', objectType: 'common', id: '003READ' }));
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${V}/sobjects/Contact/describe`, `GET ${V}/sobjects/Contact/003READ`]);
    expect(requests[1]!.query.fields).toBe(
      'Id,IsDeleted,CreatedDate,LastModifiedDate,SystemModstamp,OwnerId,FirstName,LastName,Email,Phone,MobilePhone,AccountId,MailingStreet,MailingCity,MailingState,MailingPostalCode,MailingCountry,LastActivityDate',
    );
    expect(result).toMatchObject({ id: '003READ', isDeleted: false, lastModifiedAt: new Date(T(5)) });
    expect(result!.raw).not.toHaveProperty('attributes');
    expect(result!.raw).toMatchObject({ Id: '003READ', FirstName: 'Rita', Email: 'rita@example.com', MailingCity: null });
    expect(result!.unified).toMatchObject({
      id: '003READ',
      first_name: 'Rita',
      last_name: 'Reader',
      created_at: T(4),
      email_addresses: [{ email_address: 'rita@example.com', email_address_type: 'primary' }],
    });

    expect(await conn.readRecord!({ object: 'contact', objectType: 'common', id: '003NOPE' })).toBeNull();
    expect(await conn.readRecord!({ object: 'Widget__c', objectType: 'custom', id: "a01'; --" })).toBeNull();
  });

  it('a record written through the common model reads back the same through the write (returnRecords) and the next readPage', async () => {
    const conn = open();
    const inputs: Record<string, Record<string, unknown>> = {
      contact: {
        first_name: 'Round',
        last_name: 'Trip',
        email_addresses: [{ email_address: 'round.trip@example.com', email_address_type: 'primary' }],
        phone_numbers: [
          { phone_number: '+44 20 1', phone_number_type: 'primary' },
          { phone_number: '+44 7 2', phone_number_type: 'mobile' },
        ],
        addresses: [{ address_type: 'mailing', street_1: '10 Downing St', street_2: 'Flat 1', city: 'London', state: null, postal_code: 'SW1A 2AA', country: 'UK' }],
        account_id: '001A',
        owner_id: '005B',
      },
      account: {
        name: 'Round Trip Ltd',
        description: 'Writes and reads',
        industry: 'Software',
        website: 'https://round.example',
        number_of_employees: 12,
        addresses: [
          { address_type: 'billing', street_1: '1 Bill St', street_2: null, city: 'Leeds', state: 'WY', postal_code: 'LS1', country: 'UK' },
          { address_type: 'shipping', street_1: '2 Ship St', street_2: null, city: 'Hull', state: null, postal_code: 'HU1', country: 'UK' },
        ],
        phone_numbers: [
          { phone_number: '+44 113', phone_number_type: 'primary' },
          { phone_number: '+44 114', phone_number_type: 'fax' },
        ],
        owner_id: '005B',
      },
      opportunity: { name: 'Round deal', description: 'Big', amount: 5000, stage: 'Closed Won', close_date: '2026-05-01T00:00:00.000Z', account_id: '001A', owner_id: '005B' },
      lead: {
        first_name: 'Lee',
        last_name: 'Round',
        company: 'Leads Ltd',
        title: 'CEO',
        lead_source: 'Partner',
        email_addresses: [{ email_address: 'lee@leads.example', email_address_type: 'primary' }],
        phone_numbers: [{ phone_number: '+44 1', phone_number_type: 'primary' }],
        addresses: [{ address_type: 'primary', street_1: '3 Lead Rd', street_2: null, city: 'York', state: null, postal_code: 'YO1', country: 'UK' }],
        owner_id: '005B',
      },
    };
    for (const [object, record] of Object.entries(inputs)) {
      const { result, requests } = await recording(() => write(conn, { object, objectType: 'common', operation: 'create', records: [{ record }], returnRecords: true }));
      const [outcome] = result;
      if (!outcome?.ok) throw new Error(`${object} not written: ${JSON.stringify(outcome)}`);
      expect(requests.find((r) => r.path === `${V}/query`)!.query.q).toMatch(new RegExp(`^SELECT Id, .* FROM \\w+ WHERE Id IN \\('${outcome.id}'\\)$`));
      expect(outcome.record!.raw).toMatchObject({ Id: outcome.id });
      expect(outcome.record!.unified).toMatchObject({ id: outcome.id, ...record });
      const synced = (await readAll(conn, object)).find((r) => r.id === outcome.id);
      expect(synced!.unified).toEqual(outcome.record!.unified);
      expect(synced!.raw).toEqual(outcome.record!.raw);
    }
    const deal = (await readAll(conn, 'opportunity')).find((r) => r.unified!.name === 'Round deal')!;
    expect(deal.raw).toMatchObject({ StageName: 'Closed Won', CloseDate: '2026-05-01', Amount: 5000 });
    expect(deal.unified).toMatchObject({ status: 'WON' });
  });
});
