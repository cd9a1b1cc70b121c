import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipedriveConnection } from '../providers/pipedrive';
import { createHttpRuntime } from '../providers/runtime';
import { configureCrm, tableRows } from './helpers/crm-scenario';
import { pdTime, startPipedriveSim, type PipedriveSim } from './helpers/pipedrive-simulator';
import { ok, startScenario, waitForRuns } from './helpers/sync-scenario';

let s: Awaited<ReturnType<typeof startScenario>>;
let pd: PipedriveSim;
const T = (m: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + m * 60_000).toISOString();

beforeAll(async () => {
  s = await startScenario();
  pd = await startPipedriveSim();
  // What SYNCWELL_OAUTH_TOKEN_URL_PIPEDRIVE gives a real process: the simulator's token endpoint.
  for (const deps of [s.api.deps, s.worker.deps]) deps.oauthTokenUrls = { PIPEDRIVE: `${pd.url}/oauth/token` };
  pd.upsert('persons', {
    id: 1,
    name: 'Ada Lovelace',
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: [
      { label: 'work', value: 'ada@example.com', primary: true },
      { label: 'home', value: 'ada@home.example', primary: false },
    ],
    phone: [
      { label: 'mobile', value: '+336', primary: false },
      { label: 'work', value: '+331', primary: true },
    ],
    org_id: { value: 11, name: 'Acme' },
    owner_id: { id: 21, name: 'Olive' },
    add_time: pdTime(T(0)),
    update_time: pdTime(T(1)),
    last_activity_date: '2026-02-20',
    active_flag: true,
  });
  for (let i = 2; i <= 150; i++)
    pd.upsert('persons', {
      id: i,
      name: `P ${i}`,
      first_name: 'P',
      last_name: String(i),
      email: [],
      phone: [],
      org_id: null,
      owner_id: 21,
      add_time: pdTime(T(0)),
      update_time: pdTime(T(i)),
      active_flag: true,
    });
  pd.upsert('organizations', {
    id: 11,
    name: 'Acme',
    owner_id: { id: 21 },
    address_route: 'Rue de Rivoli',
    address_street_number: '1',
    address_locality: 'Paris',
    address_postal_code: '75001',
    address_country: 'France',
    add_time: pdTime(T(0)),
    update_time: pdTime(T(1)),
    active_flag: true,
  });
  pd.upsert('deals', {
    id: 31,
    title: 'Won deal',
    value: 1000,
    currency: 'EUR',
    status: 'won',
    stage_id: 4,
    pipeline_id: 1,
    org_id: { value: 11 },
    user_id: { id: 21 },
    close_time: pdTime(T(9)),
    add_time: pdTime(T(0)),
    update_time: pdTime(T(2)),
    active: true,
  });
  pd.upsert('deals', {
    id: 32,
    title: 'Open deal',
    value: 10,
    status: 'open',
    stage_id: 1,
    pipeline_id: 1,
    org_id: null,
    user_id: 21,
    add_time: pdTime(T(0)),
    update_time: pdTime(T(3)),
    active: true,
  });
  pd.upsert('leads', { id: 'adf21080-0e10-11eb-879b-05d71fb426ec', title: 'Lead one', owner_id: 21, source_name: 'API', is_archived: false, add_time: T(0), update_time: T(4) });
  pd.users = [
    { id: 21, name: 'Olive Owner', email: 'olive@example.com', active_flag: true, created: pdTime(T(0)), modified: pdTime(T(1)), update_time: pdTime(T(1)) },
    { id: 22, name: 'Idle', email: 'idle@example.com', active_flag: false, created: pdTime(T(0)), modified: pdTime(T(2)), update_time: pdTime(T(2)) },
  ];
});
afterAll(async () => {
  await pd?.close();
  await s?.close();
});

describe('Pipedrive built-in provider end to end (API → worker → Pipedrive simulator → Postgres)', () => {
  it('syncs with start/limit paging, a rotated refresh token persisted before use, a 429, then incrementally by update_time with deletions from /recents', async () => {
    const { connect, customerId, trigger } = await configureCrm(s, {
      providerName: 'pipedrive',
      clientId: pd.oauth.clientId,
      clientSecret: pd.oauth.clientSecret,
      common: ['contact', 'account', 'opportunity', 'lead', 'user'],
      standard: ['deals'],
    });
    const expired = pd.oauth.issue({ ttlMs: -1 });
    pd.rateLimit.once((r) => r.path === '/api/v1/persons' && r.query.start === '100', '1');

    await s.worker.run(async () => {
      const conn = await connect({ access_token: expired, refresh_token: 'refresh-1', expires_at: new Date(Date.now() + 30_000).toISOString() });
      const first = await waitForRuns(s.tenant, customerId, 6, 90_000);
      expect(first.map((r) => [r.status, r.error_message])).toEqual(Array(6).fill(['SUCCESS', null]));
      // expires_at within the refresh margin: refreshed once before any request, rotated token stored.
      expect(pd.oauth.tokenRequests).toBe(1);
      expect(pd.rateLimit.hits).toBe(1);
      const row = await s.api.tdb.db.selectFrom('connections').selectAll().where('id', '=', conn.id).executeTakeFirstOrThrow();
      const creds = s.api.deps.secrets.decryptJson(row.credentials_encrypted!) as Record<string, string>;
      expect(creds.refresh_token).not.toBe('refresh-1');
      expect(pd.oauth.refreshTokens.has(creds.refresh_token!)).toBe(true);
      expect(creds.api_domain).toBe(pd.url);
      expect(pd.sim.requests.filter((r) => r.headers.authorization === `Bearer ${expired}`)).toEqual([]);

      const contacts = await tableRows(s.destPool, 'crm_contacts');
      expect(contacts).toHaveLength(150);
      expect(contacts.find((r) => r.id === '1')!.unified).toEqual({
        id: '1',
        first_name: 'Ada',
        last_name: 'Lovelace',
        addresses: [],
        email_addresses: [
          { email_address: 'ada@example.com', email_address_type: 'primary' },
          { email_address: 'ada@home.example', email_address_type: 'other' },
        ],
        phone_numbers: [
          { phone_number: '+336', phone_number_type: 'mobile' },
          { phone_number: '+331', phone_number_type: 'primary' },
        ],
        lifecycle_stage: null,
        owner_id: '21',
        account_id: '11',
        last_activity_at: '2026-02-20T00:00:00.000Z',
        created_at: T(0),
        updated_at: T(1),
        is_deleted: false,
        last_modified_at: T(1),
      });
      expect((await tableRows(s.destPool, 'crm_accounts'))[0]!.unified).toMatchObject({
        id: '11',
        name: 'Acme',
        owner_id: '21',
        addresses: [{ address_type: 'primary', street_1: '1 Rue de Rivoli', city: 'Paris', postal_code: '75001', country: 'France', state: null, street_2: null }],
      });
      expect(
        (await tableRows(s.destPool, 'crm_opportunities')).map((r) => [
          r.id,
          r.unified!.status,
          r.unified!.amount,
          r.unified!.stage,
          r.unified!.pipeline,
          r.unified!.account_id,
          r.unified!.owner_id,
        ]),
      ).toEqual([
        ['31', 'WON', 1000, '4', '1', '11', '21'],
        ['32', 'OPEN', 10, '1', '1', null, '21'],
      ]);
      expect((await tableRows(s.destPool, 'crm_leads'))[0]!.unified).toMatchObject({
        id: 'adf21080-0e10-11eb-879b-05d71fb426ec',
        title: 'Lead one',
        lead_source: 'API',
        owner_id: '21',
        updated_at: T(4),
      });
      expect((await tableRows(s.destPool, 'crm_users')).map((r) => [r.id, r.unified!.name, r.unified!.is_active])).toEqual([
        ['21', 'Olive Owner', true],
        ['22', 'Idle', false],
      ]);
      expect((await tableRows(s.destPool, 'pipedrive_deals')).map((r) => [r.id, r.raw.title])).toEqual([
        ['31', 'Won deal'],
        ['32', 'Open deal'],
      ]);

      // Incremental: newest first, stopping at the first record older than the cursor.
      pd.upsert('persons', { ...pd.data.persons!.get('5')!, name: 'Changed 5', update_time: pdTime(T(500)) });
      pd.upsert('persons', { ...pd.data.persons!.get('120')!, name: 'Changed 120', update_time: pdTime(T(501)) });
      pd.upsert('persons', { id: 151, name: 'New', email: [], phone: [], add_time: pdTime(T(502)), update_time: pdTime(T(502)), active_flag: true });
      const before = pd.requests('/api/v1/persons').length;
      await trigger('common', 'contact');
      const [second] = await waitForRuns(s.tenant, customerId, 7);
      expect(second).toMatchObject({ status: 'SUCCESS', num_records_synced: 3 });
      const incremental = pd.requests('/api/v1/persons').slice(before);
      expect(incremental.map((r) => [r.query.sort, r.query.start])).toEqual([['update_time DESC', '0']]);
      const after = await tableRows(s.destPool, 'crm_contacts');
      expect(after).toHaveLength(151);
      expect(after.find((r) => r.id === '120')!.raw.name).toBe('Changed 120');

      // Discovery: *Fields metadata where Pipedrive has it, one sampled page for leads and users.
      const discovered = await ok(s.tenant.request('GET', `/customers/${customerId}/connections/pipedrive/_discover`));
      const byName = Object.fromEntries(
        discovered.objects.filter((o: { object_type: string }) => o.object_type === 'standard').map((o: { name: string; fields: unknown[] }) => [o.name, o]),
      );
      expect(Object.keys(byName)).toEqual(['persons', 'organizations', 'deals', 'leads', 'users', 'activities', 'products', 'notes']);
      expect(byName.persons.fields).toContainEqual({ name: 'org_id', type: 'object', nullable: true });
      expect(byName.leads.fields).toContainEqual({ name: 'title', type: 'string', nullable: false });
      expect(byName.users.fields).toContainEqual({ name: 'active_flag', type: 'boolean', nullable: false });
      expect(byName.users.supports_incremental).toBe(false);

      // A person deleted at the source is gone from the list: the incremental run learns of it from
      // /recents (changes since the cursor, T(502)) and marks its row deleted; no other row changes.
      const beforeDelete = await tableRows(s.destPool, 'crm_contacts');
      pd.remove('persons', 8, T(600));
      const recentsBefore = pd.requests('/api/v1/recents').length;
      await trigger('common', 'contact');
      const [deletion] = await waitForRuns(s.tenant, customerId, 8);
      expect(deletion).toMatchObject({ status: 'SUCCESS', num_records_synced: 1 });
      expect(
        pd
          .requests('/api/v1/recents')
          .slice(recentsBefore)
          .map((r) => [r.query.since_timestamp, r.query.items, r.query.start]),
      ).toEqual([[pdTime(new Date(Date.parse(T(502)) - 1000).toISOString()), 'person', '0']]);
      const afterDelete = await tableRows(s.destPool, 'crm_contacts');
      expect(afterDelete.filter((r) => r.id !== '8')).toEqual(beforeDelete.filter((r) => r.id !== '8'));
      const deleted = afterDelete.find((r) => r.id === '8')!;
      expect(deleted).toMatchObject({ deleted: true, raw: pd.deleted.persons!.get('8'), modified: new Date(T(600)) });
      expect(deleted.raw.active_flag).toBe(false);
      expect(deleted.unified).toMatchObject({ id: '8', last_name: '8', is_deleted: true });

      // A full refresh reads only the list: it soft-deletes whatever is no longer there.
      pd.remove('persons', 7, T(601));
      await trigger('common', 'contact', true);
      const [third] = await waitForRuns(s.tenant, customerId, 9);
      expect(third).toMatchObject({ status: 'SUCCESS', num_records_synced: 149 });
      expect((await tableRows(s.destPool, 'crm_contacts')).filter((r) => r.deleted).map((r) => r.id)).toEqual(['7', '8']);
    });
  });

  it('authenticates with an API token (api_token query parameter) and keeps it out of page state and errors', async () => {
    const runtime = createHttpRuntime({ sleep: async () => {} });
    const ctx = { applicationId: 'a', customerId: 'c', connectionId: 'pd-token-conn', providerName: 'pipedrive', params: { api_key: pd.apiToken, instance_url: pd.url } };
    const conn = createPipedriveConnection(ctx, runtime);
    const page = await conn.readPage({ object: 'organizations', objectType: 'standard', modifiedSince: null, pageState: null });
    expect(page.records.map((r) => r.id)).toEqual(['11']);
    expect(page.nextPageState).toBeNull();
    expect(pd.sim.requests.at(-1)!.query.api_token).toBe(pd.apiToken);
    const bad = createPipedriveConnection({ ...ctx, connectionId: 'pd-bad', params: { api_key: 'wrong-token', instance_url: pd.url } }, runtime);
    const err = await bad.readPage({ object: 'persons', objectType: 'standard', modifiedSince: null, pageState: null }).catch((e) => e);
    expect(err).toMatchObject({ name: 'ProviderError', kind: 'authentication', status: 401 });
    expect(err.message).not.toContain('wrong-token');
  });

  it('reads deletions from /recents after an incremental list read only: inactive items, and a tombstone for an item reported without data', async () => {
    const conn = createPipedriveConnection(
      { applicationId: 'a', customerId: 'c', connectionId: 'pd-deletions', providerName: 'pipedrive', params: { api_key: pd.apiToken, instance_url: pd.url } },
      createHttpRuntime({ sleep: async () => {} }),
    );
    const readAll = async (object: string, objectType: 'common' | 'standard', modifiedSince: Date | null) => {
      const out = [];
      let pageState = null;
      do {
        const page = await conn.readPage({ object, objectType, modifiedSince, pageState });
        out.push(...page.records);
        pageState = page.nextPageState;
      } while (pageState !== null);
      return out;
    };
    pd.upsert('deals', { id: 33, title: 'Doomed', status: 'open', add_time: pdTime(T(700)), update_time: pdTime(T(700)), active: true, deleted: false });
    pd.upsert('organizations', { id: 12, name: 'Gone Inc', add_time: pdTime(T(700)), update_time: pdTime(T(700)), active_flag: true });
    pd.remove('deals', 33, T(710));
    pd.purge('organizations', 12, T(711));
    pd.upsert('deals', { id: 34, title: 'Fresh', status: 'open', add_time: pdTime(T(720)), update_time: pdTime(T(720)), active: true, deleted: false });

    // The changed deal comes from the list, once; the deleted one from /recents, which lists both.
    const deals = await readAll('opportunity', 'common', new Date(T(705)));
    expect(deals.map((r) => [r.id, r.isDeleted, r.raw.status, r.unified!.is_deleted])).toEqual([
      ['34', false, 'open', false],
      ['33', true, 'deleted', true],
    ]);
    expect(await readAll('organizations', 'standard', new Date(T(705)))).toEqual([{ id: '12', lastModifiedAt: null, isDeleted: true, raw: { id: 12 } }]);
    const [account] = await readAll('account', 'common', new Date(T(705)));
    expect(account!.unified).toMatchObject({ id: '12', name: null, is_deleted: true });

    // Full reads list what exists and never ask /recents; leads have no /recents item type.
    const recentsBefore = pd.requests('/api/v1/recents').length;
    expect((await readAll('organizations', 'standard', null)).map((r) => r.id)).toEqual(['11']);
    await readAll('leads', 'standard', new Date(T(705)));
    expect(pd.requests('/api/v1/recents').length).toBe(recentsBefore);
  });
});
