import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureCrm, tableRows } from './helpers/crm-scenario';
import { startSalesforceSim, type SalesforceSim } from './helpers/salesforce-simulator';
import { ok, startScenario, waitForRuns } from './helpers/sync-scenario';

let s: Awaited<ReturnType<typeof startScenario>>;
let sf: SalesforceSim;
const T = (m: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + m * 60_000).toISOString();

beforeAll(async () => {
  s = await startScenario();
  sf = await startSalesforceSim();
  sf.upsert('Contact', {
    Id: '003A',
    SystemModstamp: T(1),
    CreatedDate: T(0),
    FirstName: 'Ada',
    LastName: 'Lovelace',
    Email: 'ada@example.com',
    Phone: '+331',
    MobilePhone: '+336',
    AccountId: '001A',
    OwnerId: '005A',
    MailingStreet: '1 Rue',
    MailingCity: 'Paris',
    MailingPostalCode: '75001',
    MailingCountry: 'FR',
    LastActivityDate: '2026-02-20',
  });
  sf.upsert('Contact', { Id: '003B', SystemModstamp: T(2), FirstName: 'Bob', LastName: 'B' });
  sf.upsert('Contact', { Id: '003C', SystemModstamp: T(3), FirstName: 'Cy', LastName: 'C' });
  sf.upsert('Account', { Id: '001A', SystemModstamp: T(1), Name: 'Acme', Industry: 'Tech', NumberOfEmployees: 50, Website: 'acme.example', BillingCity: 'Lyon', OwnerId: '005A' });
  sf.upsert('Account', { Id: '001B', SystemModstamp: T(2), Name: 'Beta' });
  sf.upsert('Opportunity', {
    Id: '006A',
    SystemModstamp: T(1),
    Name: 'Deal',
    Amount: 1200,
    StageName: 'Closed Won',
    IsClosed: true,
    IsWon: true,
    CloseDate: '2026-04-01',
    AccountId: '001A',
    OwnerId: '005A',
  });
  sf.upsert('Opportunity', { Id: '006B', SystemModstamp: T(2), Name: 'Lost', Amount: 5, StageName: 'Closed Lost', IsClosed: true, IsWon: false });
  sf.upsert('Lead', {
    Id: '00QA',
    SystemModstamp: T(1),
    FirstName: 'Lea',
    LastName: 'Lead',
    Company: 'LeadCo',
    Title: 'CTO',
    LeadSource: 'Web',
    Email: 'lea@example.com',
    City: 'Nice',
    Country: 'FR',
  });
  sf.upsert('User', { Id: '005A', SystemModstamp: T(1), Name: 'Olive Owner', Email: 'olive@example.com', IsActive: true });
  sf.upsert('Widget__c', { Id: 'a01A', SystemModstamp: T(1), Name: 'W', Size__c: 1.5 });
});
afterAll(async () => {
  await sf?.close();
  await s?.close();
});

describe('Salesforce built-in provider end to end (API → worker → Salesforce simulator → Postgres)', () => {
  it('syncs common and standard objects, refreshing a rejected token once and riding out a 429, then incrementally with deletes via queryAll', async () => {
    const { connect, customerId, trigger } = await configureCrm(s, {
      providerName: 'salesforce',
      clientId: sf.oauth.clientId,
      clientSecret: sf.oauth.clientSecret,
      common: ['contact', 'account', 'opportunity', 'lead', 'user'],
      standard: ['Account'],
    });
    // The second page of contacts is throttled once.
    sf.rateLimit.once((r) => /\/query\/01g\d+-2$/.test(r.path) && r.headers.authorization !== undefined, '1');

    await s.worker.run(async () => {
      // Salesforce tokens carry no expiry: this one is simply rejected (401) and refreshed.
      const conn = await connect({ access_token: 'stale-session', refresh_token: 'refresh-1', instance_url: sf.url, login_url: sf.url });
      const first = await waitForRuns(s.tenant, customerId, 6, 90_000);
      expect(first.map((r) => [r.status, r.error_message])).toEqual(Array(6).fill(['SUCCESS', null]));
      expect(sf.oauth.tokenRequests).toBe(1);
      expect(sf.rateLimit.hits).toBe(1);
      const row = await s.api.tdb.db.selectFrom('connections').selectAll().where('id', '=', conn.id).executeTakeFirstOrThrow();
      const creds = s.api.deps.secrets.decryptJson(row.credentials_encrypted!) as Record<string, string>;
      expect(sf.oauth.tokens.has(creds.access_token!)).toBe(true);
      expect(creds).toMatchObject({ refresh_token: 'refresh-1', instance_url: sf.url });

      // Paged through nextRecordsUrl (2 per page): a full read is a range of query (no deleted records) from the epoch to the
      // run's start, ordered by SystemModstamp (one window: 3 contacts need no split), then its tail from that instant.
      const select =
        'SELECT Id, IsDeleted, CreatedDate, LastModifiedDate, SystemModstamp, OwnerId, FirstName, LastName, Email, Phone, MobilePhone, AccountId, MailingStreet, MailingCity, MailingState, MailingPostalCode, MailingCountry, LastActivityDate FROM Contact';
      const contactReads = sf.sim.requests.filter((r) => /\/(query|queryAll)$/.test(r.path) && r.query.q!.startsWith(`${select} `));
      expect(contactReads.map((r) => r.path)).toEqual(['/services/data/v58.0/query', '/services/data/v58.0/query']);
      const [range, tail] = contactReads.map((r) => r.query.q!.slice(select.length));
      const end = / WHERE SystemModstamp >= 1970-01-01T00:00:00Z AND SystemModstamp < (\S+) ORDER BY SystemModstamp ASC, Id ASC$/.exec(range!)?.[1];
      const since = / WHERE SystemModstamp >= (\S+) ORDER BY SystemModstamp ASC, Id ASC$/.exec(tail!)?.[1];
      // The range's end rounded up to the second, the tail's start floored: the same instant.
      expect(Date.parse(end!) - Date.parse(since!)).toBeGreaterThanOrEqual(0);
      expect(Date.parse(end!) - Date.parse(since!)).toBeLessThanOrEqual(1000);
      const contacts = await tableRows(s.destPool, 'crm_contacts');
      expect(contacts.map((r) => r.id)).toEqual(['003A', '003B', '003C']);
      expect(contacts[0]!.unified).toEqual({
        id: '003A',
        first_name: 'Ada',
        last_name: 'Lovelace',
        addresses: [{ address_type: 'mailing', street_1: '1 Rue', street_2: null, city: 'Paris', state: null, postal_code: '75001', country: 'FR' }],
        email_addresses: [{ email_address: 'ada@example.com', email_address_type: 'primary' }],
        phone_numbers: [
          { phone_number: '+331', phone_number_type: 'primary' },
          { phone_number: '+336', phone_number_type: 'mobile' },
        ],
        lifecycle_stage: null,
        owner_id: '005A',
        account_id: '001A',
        last_activity_at: '2026-02-20T00:00:00.000Z',
        created_at: T(0),
        updated_at: T(1),
        is_deleted: false,
        last_modified_at: T(1),
      });
      expect(contacts[0]!.raw).not.toHaveProperty('attributes');
      expect((await tableRows(s.destPool, 'crm_accounts')).map((r) => [r.id, r.unified!.name, r.unified!.number_of_employees, r.unified!.addresses])).toEqual([
        ['001A', 'Acme', 50, [{ address_type: 'billing', street_1: null, street_2: null, city: 'Lyon', state: null, postal_code: null, country: null }]],
        ['001B', 'Beta', null, []],
      ]);
      expect((await tableRows(s.destPool, 'crm_opportunities')).map((r) => [r.id, r.unified!.status, r.unified!.amount, r.unified!.stage, r.unified!.close_date])).toEqual([
        ['006A', 'WON', 1200, 'Closed Won', '2026-04-01T00:00:00.000Z'],
        ['006B', 'LOST', 5, 'Closed Lost', null],
      ]);
      expect((await tableRows(s.destPool, 'crm_leads'))[0]!.unified).toMatchObject({
        id: '00QA',
        first_name: 'Lea',
        company: 'LeadCo',
        title: 'CTO',
        lead_source: 'Web',
        addresses: [{ address_type: 'primary', city: 'Nice', country: 'FR' }],
        email_addresses: [{ email_address: 'lea@example.com', email_address_type: 'primary' }],
      });
      expect((await tableRows(s.destPool, 'crm_users'))[0]!.unified).toMatchObject({
        id: '005A',
        name: 'Olive Owner',
        email: 'olive@example.com',
        is_active: true,
        is_deleted: false,
      });
      expect((await tableRows(s.destPool, 'salesforce_account')).map((r) => [r.id, r.raw.Name])).toEqual([
        ['001A', 'Acme'],
        ['001B', 'Beta'],
      ]);

      // Incremental: a change and a delete, found by queryAll from the cursor.
      sf.upsert('Contact', { Id: '003B', SystemModstamp: T(50), FirstName: 'Bobby', LastName: 'B' });
      sf.remove('Contact', '003C', T(51));
      await trigger('common', 'contact');
      const [second] = await waitForRuns(s.tenant, customerId, 7);
      expect(second).toMatchObject({ status: 'SUCCESS', num_records_synced: 2 });
      expect(sf.sim.requests.at(-1)!.path).toBe('/services/data/v58.0/queryAll');
      // One range from the cursor to the run's start, to the second: two changes fit one page, so no windows.
      expect(sf.queries().at(-1)).toMatch(/FROM Contact WHERE SystemModstamp >= 2026-03-01T00:03:00Z AND SystemModstamp < \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ ORDER BY/);
      const after = await tableRows(s.destPool, 'crm_contacts');
      expect(after.map((r) => [r.id, r.deleted, r.unified!.first_name])).toEqual([
        ['003A', false, 'Ada'],
        ['003B', false, 'Bobby'],
        ['003C', true, 'Cy'],
      ]);
    });
  });

  it('a backfill job reads each sub-window as its own SOQL range, up to its end, and syncs exactly the window', { timeout: 120_000 }, async () => {
    const DAY = 86_400_000;
    const at = (ms: number) => new Date(ms).toISOString();
    const t0 = Date.parse(T(0));
    // Three sub-windows of a day; one record on a boundary, one on the window's (inclusive) end, one a second past it.
    sf.upsert('Contact', { Id: '003D', SystemModstamp: at(t0 + DAY), LastName: 'D' });
    sf.upsert('Contact', { Id: '003E', SystemModstamp: at(t0 + 3 * DAY), LastName: 'E' });
    sf.upsert('Contact', { Id: '003F', SystemModstamp: at(t0 + 3 * DAY + 1000), LastName: 'F' });
    await s.destPool.query('delete from public."crm_contacts"');
    await s.worker.run(async () => {
      const from = sf.queries().length;
      const job = await ok(
        s.tenant.request('POST', '/customers/crm-customer/connections/salesforce/_sync_jobs', {
          body: { objects: [{ object_type: 'common', object: 'contact' }], start_date: T(0), end_date: at(t0 + 3 * DAY) },
        }),
        202,
      );
      const deadline = Date.now() + 90_000;
      let done = job;
      while (done.status !== 'JOB_COMPLETED' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        done = await ok(s.tenant.request('GET', `/sync_jobs/${job.job_id}`));
      }
      expect(done).toMatchObject({ status: 'JOB_COMPLETED', processed_rows: 5 });
      const ranges = sf
        .queries()
        .slice(from)
        .map((q) => / WHERE (.+) ORDER BY/.exec(q)![1]);
      const range = (a: number, b: number) => `SystemModstamp >= ${at(a).replace('.000Z', 'Z')} AND SystemModstamp < ${at(b).replace('.000Z', 'Z')}`;
      // The last sub-window is closed at the window's end: its bound is 1 ms past it, rounded up to the second.
      expect(ranges).toEqual([range(t0, t0 + DAY), range(t0 + DAY, t0 + 2 * DAY), range(t0 + 2 * DAY, t0 + 3 * DAY + 1000)]);
      expect((await tableRows(s.destPool, 'crm_contacts')).map((r) => [r.id, r.deleted])).toEqual([
        ['003A', false],
        ['003B', false],
        ['003C', true],
        ['003D', false],
        ['003E', false],
      ]);
    });
  });

  it('discovers common, standard and custom objects with their fields', async () => {
    const body = await ok(s.tenant.request('GET', '/customers/crm-customer/connections/salesforce/_discover'));
    const names = body.objects.map((o: { object_type: string; name: string }) => `${o.object_type}:${o.name}`);
    expect(names).toEqual([
      'common:contact',
      'common:account',
      'common:opportunity',
      'common:lead',
      'common:user',
      'standard:Contact',
      'standard:Account',
      'standard:Opportunity',
      'standard:Lead',
      'standard:User',
      'custom:Widget__c',
    ]);
    const widget = body.objects.find((o: { name: string }) => o.name === 'Widget__c');
    expect(widget).toMatchObject({ label: 'Widget', supports_incremental: true });
    expect(widget.fields).toContainEqual({ name: 'Size__c', type: 'number', nullable: true });
    expect(widget.fields).toContainEqual({ name: 'SystemModstamp', type: 'string', nullable: true, format: 'date-time' });
    const contact = body.objects.find((o: { name: string }) => o.name === 'Contact');
    expect(contact.fields.map((f: { name: string }) => f.name)).not.toContain('MailingAddress');
    expect(body.objects[0].fields).toContainEqual({ name: 'email_addresses', type: 'array', nullable: false });
  });
});

describe('Salesforce Bulk API 2.0 (opt-in for full reads)', () => {
  it('creates a query job, polls it, and reads typed records from CSV pages by locator', async () => {
    sf.upsert('Account', { Id: '001C', SystemModstamp: T(3), Name: 'Comma, "Quoted"\nCo', NumberOfEmployees: 7, Website: '' });
    sf.bulkPolls = 1;
    const { createSalesforceConnection } = await import('../providers/salesforce');
    const { createHttpRuntime } = await import('../providers/runtime');
    const conn = createSalesforceConnection(
      {
        applicationId: 'a',
        customerId: 'c',
        connectionId: 'sf-bulk',
        providerName: 'salesforce',
        params: { access_token: sf.oauth.issue(), instance_url: sf.url, bulk_api: true },
      },
      createHttpRuntime({ sleep: async () => {} }),
    );
    const waits: unknown[] = [];
    const records = [];
    let pageState = null;
    let calls = 0;
    do {
      const page = await conn.readPage({ object: 'account', objectType: 'common', modifiedSince: null, pageState, onWait: (w) => waits.push(w) });
      records.push(...page.records);
      pageState = page.nextPageState;
      calls++;
    } while (pageState !== null);
    // create job, one InProgress poll, then results pages of 2 (3 accounts).
    expect(calls).toBe(4);
    expect(waits).toEqual([{ reason: 'retry', ms: 2000 }]);
    expect(
      sf.sim.requests
        .filter((r) => r.path.includes('/jobs/query'))
        .map((r) => `${r.method} ${r.path.replace(/750\d+/, 'JOB')}${r.query.locator ? `?locator=${r.query.locator}` : ''}`),
    ).toEqual([
      'POST /services/data/v58.0/jobs/query',
      'GET /services/data/v58.0/jobs/query/JOB',
      'GET /services/data/v58.0/jobs/query/JOB',
      'GET /services/data/v58.0/jobs/query/JOB/results',
      'GET /services/data/v58.0/jobs/query/JOB/results?locator=2',
    ]);
    expect(records.map((r) => r.id).sort()).toEqual(['001A', '001B', '001C']);
    const c = records.find((r) => r.id === '001C')!;
    expect(c.raw).toMatchObject({ Id: '001C', Name: 'Comma, "Quoted"\nCo', NumberOfEmployees: 7, IsDeleted: false, Website: null });
    expect(c.unified).toMatchObject({ name: 'Comma, "Quoted"\nCo', number_of_employees: 7, is_deleted: false, last_modified_at: T(3) });
  });
});
