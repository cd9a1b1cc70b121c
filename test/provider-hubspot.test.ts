import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureCrm, syncStates, tableRows } from './helpers/crm-scenario';
import { startHubspotSim, type HubspotSim } from './helpers/hubspot-simulator';
import { ok, startScenario, waitForRuns } from './helpers/sync-scenario';

let s: Awaited<ReturnType<typeof startScenario>>;
let hs: HubspotSim;
const T = (m: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + m * 60_000).toISOString();

beforeAll(async () => {
  s = await startScenario();
  hs = await startHubspotSim();
  for (let i = 1; i <= 3; i++)
    hs.upsert('companies', {
      id: `10${i}`,
      updatedAt: T(i),
      properties: { name: `Company ${i}`, industry: 'SOFTWARE', numberofemployees: `${i * 10}`, city: 'Paris', country: 'FR', hubspot_owner_id: '7' },
    });
  hs.upsert('contacts', {
    id: '1',
    updatedAt: T(1),
    createdAt: T(0),
    companyId: '101',
    properties: {
      firstname: 'Ada',
      lastname: 'Lovelace',
      email: 'ada@example.com',
      hs_additional_emails: 'ada2@example.com;ada3@example.com',
      phone: '+331',
      mobilephone: '+336',
      address: '1 Rue',
      city: 'Paris',
      zip: '75001',
      country: 'FR',
      lifecyclestage: 'customer',
      hubspot_owner_id: '7',
      associatedcompanyid: '101',
      notes_last_updated: T(5),
    },
  });
  for (let i = 2; i <= 5; i++) hs.upsert('contacts', { id: String(i), updatedAt: T(i), properties: { firstname: `First${i}`, lastname: `Last${i}`, email: `c${i}@example.com` } });
  hs.upsert('contacts', { id: '9', updatedAt: T(0), properties: { firstname: 'Gone' } });
  hs.archive('contacts', '9', T(0));
  hs.upsert('deals', {
    id: '501',
    updatedAt: T(2),
    companyId: '102',
    properties: {
      dealname: 'Big deal',
      amount: '1500.5',
      dealstage: 'closedwon',
      pipeline: 'default',
      closedate: T(30),
      hs_is_closed: 'true',
      hs_is_closed_won: 'true',
      hubspot_owner_id: '7',
    },
  });
  hs.upsert('deals', {
    id: '502',
    updatedAt: T(3),
    properties: { dealname: 'Open deal', amount: '10', dealstage: 'appointmentscheduled', pipeline: 'default', hs_is_closed: 'false' },
  });
  hs.owners.set('7', { id: '7', email: 'owner@example.com', firstName: 'Olive', lastName: 'Owner', userId: 70, createdAt: T(0), updatedAt: T(1), archived: false });
  hs.owners.set('8', { id: '8', email: 'left@example.com', firstName: 'Left', lastName: 'Company', userId: 80, createdAt: T(0), updatedAt: T(2), archived: true });
});
afterAll(async () => {
  await hs?.close();
  await s?.close();
});

describe('HubSpot built-in provider end to end (API → worker → HubSpot simulator → Postgres)', () => {
  it('syncs common and standard objects with an OAuth refresh and a 429 mid-run, then incrementally, then pauses on invalid_grant', async () => {
    const { connect, customerId, trigger } = await configureCrm(s, {
      providerName: 'hubspot',
      clientId: hs.oauth.clientId,
      clientSecret: hs.oauth.clientSecret,
      common: ['contact', 'account', 'opportunity', 'user'],
      standard: ['companies'],
    });
    const expired = hs.oauth.issue({ ttlMs: -1000 });
    // The archived listing of contacts (the run's second request) is throttled once.
    hs.rateLimit.once((r) => r.path === '/crm/v3/objects/contacts' && r.query.archived === 'true', '1');

    await s.worker.run(async () => {
      const conn = await connect({ access_token: expired, refresh_token: 'refresh-1', expires_at: '2020-01-01T00:00:00Z', instance_url: hs.url });
      const first = await waitForRuns(s.tenant, customerId, 5, 90_000);
      expect(first.map((r) => [r.status, r.error_message])).toEqual(Array(5).fill(['SUCCESS', null]));

      // Five syncs started at once with an expired token: exactly one refresh, persisted encrypted.
      expect(hs.oauth.tokenRequests).toBe(1);
      expect(hs.rateLimit.hits).toBe(1);
      const row = await s.api.tdb.db.selectFrom('connections').selectAll().where('id', '=', conn.id).executeTakeFirstOrThrow();
      const creds = s.api.deps.secrets.decryptJson(row.credentials_encrypted!) as Record<string, string>;
      expect(creds.access_token).not.toBe(expired);
      expect(hs.oauth.tokens.get(creds.access_token!)!).toBeGreaterThan(Date.now());
      expect(Date.parse(creds.expires_at!)).toBeGreaterThan(Date.now() + 20 * 60_000);
      expect(creds.refresh_token).toBe('refresh-1');
      expect(JSON.stringify(row)).not.toContain(creds.access_token);
      // No API request ever went out with the expired token.
      expect(hs.sim.requests.filter((r) => r.headers.authorization === `Bearer ${expired}`)).toEqual([]);

      const contacts = await tableRows(s.destPool, 'crm_contacts');
      expect(contacts.map((r) => [r.id, r.deleted])).toEqual([
        ['1', false],
        ['2', false],
        ['3', false],
        ['4', false],
        ['5', false],
        ['9', true],
      ]);
      expect(contacts[0]!.unified).toEqual({
        id: '1',
        first_name: 'Ada',
        last_name: 'Lovelace',
        addresses: [{ address_type: 'primary', street_1: '1 Rue', street_2: null, city: 'Paris', state: null, postal_code: '75001', country: 'FR' }],
        email_addresses: [
          { email_address: 'ada@example.com', email_address_type: 'primary' },
          { email_address: 'ada2@example.com', email_address_type: 'work' },
          { email_address: 'ada3@example.com', email_address_type: 'work' },
        ],
        phone_numbers: [
          { phone_number: '+331', phone_number_type: 'primary' },
          { phone_number: '+336', phone_number_type: 'mobile' },
        ],
        lifecycle_stage: 'customer',
        owner_id: '7',
        account_id: '101',
        last_activity_at: T(5),
        created_at: T(0),
        updated_at: T(1),
        is_deleted: false,
        last_modified_at: T(1),
      });
      // Raw records are flat: id, properties, timestamps, associations.
      expect(contacts[0]!.raw).toMatchObject({
        id: '1',
        firstname: 'Ada',
        lastmodifieddate: T(1),
        createdAt: T(0),
        updatedAt: T(1),
        archived: false,
        associations: { companies: { results: [{ id: '101' }] } },
      });

      const accounts = await tableRows(s.destPool, 'crm_accounts');
      expect(accounts.map((r) => r.id)).toEqual(['101', '102', '103']);
      expect(accounts[1]!.unified).toMatchObject({
        name: 'Company 2',
        industry: 'SOFTWARE',
        number_of_employees: 20,
        owner_id: '7',
        addresses: [{ city: 'Paris', country: 'FR', address_type: 'primary' }],
        is_deleted: false,
      });
      const deals = await tableRows(s.destPool, 'crm_opportunities');
      expect(deals.map((r) => [r.id, r.unified!.status, r.unified!.amount, r.unified!.account_id])).toEqual([
        ['501', 'WON', 1500.5, '102'],
        ['502', 'OPEN', 10, null],
      ]);
      expect(deals[0]!.unified).toMatchObject({ name: 'Big deal', stage: 'closedwon', pipeline: 'default', close_date: T(30) });
      const users = await tableRows(s.destPool, 'crm_users');
      expect(users.map((r) => [r.id, r.deleted, r.unified])).toEqual([
        ['7', false, { id: '7', name: 'Olive Owner', email: 'owner@example.com', is_active: true, created_at: T(0), updated_at: T(1), is_deleted: false, last_modified_at: T(1) }],
        ['8', true, { id: '8', name: 'Left Company', email: 'left@example.com', is_active: false, created_at: T(0), updated_at: T(2), is_deleted: true, last_modified_at: T(2) }],
      ]);
      const companies = await tableRows(s.destPool, 'hubspot_companies');
      expect(companies.map((r) => [r.id, r.raw.name, r.raw.industry])).toEqual([
        ['101', 'Company 1', 'SOFTWARE'],
        ['102', 'Company 2', 'SOFTWARE'],
        ['103', 'Company 3', 'SOFTWARE'],
      ]);

      // Incremental: two changes, one archive, one new contact → search (GTE, ascending) + archived listing.
      hs.upsert('contacts', { id: '2', updatedAt: T(100), properties: { firstname: 'Changed', lastname: 'Two', email: 'c2@example.com' } });
      hs.upsert('contacts', { id: '6', updatedAt: T(101), properties: { firstname: 'New', lastname: 'Six' } });
      hs.archive('contacts', '3', T(102));
      const searchesBefore = hs.requests('/crm/v3/objects/contacts/search').length;
      await trigger('common', 'contact');
      const [second] = await waitForRuns(s.tenant, customerId, 6);
      expect(second).toMatchObject({ status: 'SUCCESS', num_records_synced: 3 });
      const search = hs.requests('/crm/v3/objects/contacts/search').slice(searchesBefore);
      expect(search).toHaveLength(1);
      expect(search[0]!.json).toMatchObject({
        filterGroups: [
          {
            filters: [
              { propertyName: 'lastmodifieddate', operator: 'GTE', value: String(Date.parse(T(5))) },
              { propertyName: 'lastmodifieddate', operator: 'LT' },
            ],
          },
        ],
        sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
      });
      const after = await tableRows(s.destPool, 'crm_contacts');
      expect(after.map((r) => [r.id, r.deleted])).toEqual([
        ['1', false],
        ['2', false],
        ['3', true],
        ['4', false],
        ['5', false],
        ['6', false],
        ['9', true],
      ]);
      expect(after.find((r) => r.id === '2')!.unified!.first_name).toBe('Changed');

      // Search results carry no associations: they are read in a batch, so account_id survives.
      hs.upsert('deals', {
        id: '501',
        updatedAt: T(150),
        companyId: '102',
        properties: { dealname: 'Big deal v2', amount: '1500.5', dealstage: 'closedwon', pipeline: 'default', hs_is_closed: 'true', hs_is_closed_won: 'true' },
      });
      await trigger('common', 'opportunity');
      const [dealRun] = await waitForRuns(s.tenant, customerId, 7);
      expect(dealRun).toMatchObject({ status: 'SUCCESS', num_records_synced: 1 });
      expect(hs.requests('/crm/v3/associations/deals/companies/batch/read').at(-1)!.json).toEqual({ inputs: [{ id: '502' }, { id: '501' }] }); // 502 is at the (inclusive) cursor
      expect((await tableRows(s.destPool, 'crm_opportunities')).find((r) => r.id === '501')!.unified).toMatchObject({ name: 'Big deal v2', account_id: '102' });

      // Discovery: common objects with unified fields, standard objects with HubSpot's properties.
      const discovered = await ok(s.tenant.request('GET', `/customers/${customerId}/connections/hubspot/_discover`));
      expect(discovered.objects.map((o: { object_type: string; name: string }) => `${o.object_type}:${o.name}`)).toEqual([
        'common:contact',
        'common:account',
        'common:opportunity',
        'common:user',
        'standard:contacts',
        'standard:companies',
        'standard:deals',
        'standard:tickets',
        'standard:products',
        'standard:line_items',
      ]);
      const dealObject = discovered.objects.find((o: { name: string }) => o.name === 'deals');
      expect(dealObject.fields).toContainEqual({ name: 'amount', type: 'number', nullable: true });
      expect(dealObject.fields).toContainEqual({ name: 'closedate', type: 'string', nullable: true, format: 'date-time' });
      expect(dealObject.supports_incremental).toBe(true);

      // The customer revoked the app: the access token is rejected and so is the refresh token.
      for (const token of hs.oauth.tokens.keys()) hs.oauth.expire(token);
      hs.oauth.refreshTokens.clear();
      await trigger('common', 'contact');
      const [fourth] = await waitForRuns(s.tenant, customerId, 8);
      expect(fourth!.status).toBe('FAILURE');
      expect(fourth!.error_message).toMatch(/HubSpot connection needs re-authorization.*invalid_grant/);
      const contactSync = (await syncStates(s.tenant, customerId)).find((x) => x.object === 'contact')!;
      expect(contactSync.paused).toBe(true);
      expect(contactSync.pause_reason).toMatch(/needs re-authorization/);
      expect(contactSync.pause_reason).not.toContain('refresh-1');
    });
  });
});

describe('HubSpot provider, directly', () => {
  it('reads objects with hundreds of properties through a batch read instead of an over-long URL', async () => {
    hs.extraProperties.tickets = Array.from({ length: 300 }, (_, i) => ({ name: `custom_property_number_${i}`, type: 'string' }));
    hs.upsert('tickets', { id: '71', updatedAt: T(1), properties: { subject: 'Help', custom_property_number_299: 'deep' } });
    const { createHubspotConnection, MAX_PROPERTIES_QUERY } = await import('../providers/hubspot');
    const { createHttpRuntime } = await import('../providers/runtime');
    const conn = createHubspotConnection(
      { applicationId: 'a', customerId: 'c', connectionId: 'hs-direct', providerName: 'hubspot', params: { access_token: hs.oauth.issue(), instance_url: hs.url } },
      createHttpRuntime({ sleep: async () => {} }),
    );
    const page = await conn.readPage({ object: 'tickets', objectType: 'standard', modifiedSince: null, pageState: null });
    expect(page.records.map((r) => [r.id, r.raw.subject, r.raw.custom_property_number_299])).toEqual([['71', 'Help', 'deep']]);
    const list = hs.requests('/crm/v3/objects/tickets').at(-1)!;
    expect(list.query.properties).toBeUndefined();
    const batch = hs.requests('/crm/v3/objects/tickets/batch/read').at(-1)!;
    expect((batch.json as { properties: string[] }).properties.join(',').length).toBeGreaterThan(MAX_PROPERTIES_QUERY);
    expect((batch.json as { inputs: unknown[] }).inputs).toEqual([{ id: '71' }]);
  });
});

describe('HubSpot search paging', () => {
  it('pages by modified time, so a record modified during the read never pushes another out of reach', async () => {
    for (const [id, m] of [
      ['81', 300],
      ['82', 301],
      ['83', 302],
      ['84', 303],
    ] as const)
      hs.upsert('products', { id, updatedAt: T(m), properties: { name: `P${id}` } });
    const { createHubspotConnection } = await import('../providers/hubspot');
    const { createHttpRuntime } = await import('../providers/runtime');
    const conn = createHubspotConnection(
      { applicationId: 'a', customerId: 'c', connectionId: 'hs-keyset', providerName: 'hubspot', params: { access_token: hs.oauth.issue(), instance_url: hs.url, page_size: 2 } },
      createHttpRuntime({ sleep: async () => {} }),
    );
    let searches = 0;
    hs.onSearch = () => {
      // Between the first and second page, the first record read is modified again.
      if (++searches === 2) hs.upsert('products', { id: '81', updatedAt: T(400), properties: { name: 'P81 again' } });
    };
    const seen: string[] = [];
    let pageState = null;
    do {
      const page = await conn.readPage({ object: 'products', objectType: 'standard', modifiedSince: new Date(T(300)), pageState });
      seen.push(...page.records.map((r) => r.id));
      pageState = page.nextPageState;
    } while (pageState !== null);
    hs.onSearch = undefined;
    // With offset paging 83 would be skipped ([82, 83, 84, 81] read from offset 2).
    expect(seen).toEqual(['81', '82', '83', '84', '81']);
    const bodies = hs
      .requests('/crm/v3/objects/products/search')
      .slice(-3)
      .map((r) => r.json as { filterGroups: Array<{ filters: Array<{ value: string }> }>; after?: string });
    expect(bodies.map((b) => [b.filterGroups[0]!.filters[0]!.value, b.after])).toEqual([
      [String(Date.parse(T(300))), undefined],
      [String(Date.parse(T(301))), '1'],
      [String(Date.parse(T(303))), '1'],
    ]);
  });
});
