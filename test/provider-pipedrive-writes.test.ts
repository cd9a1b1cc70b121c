import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WriteOutcomeUnknownError } from '../providers/errors';
import { createPipedriveConnection } from '../providers/pipedrive';
import { createHttpRuntime } from '../providers/runtime';
import type { ObjectType, ProviderConnection, WaitInfo, WriteOperation, WriteOutcome } from '../providers/types';
import { pdTime, startPipedriveSim, type PipedriveSim } from './helpers/pipedrive-simulator';

let pd: PipedriveSim;
let conn: ProviderConnection;
const waits: WaitInfo[] = [];
let now = Date.parse('2026-04-01T10:00:00Z');
const T = (m: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + m * 60_000).toISOString();

beforeAll(async () => {
  pd = await startPipedriveSim();
  pd.now = () => now;
  pd.users = [{ id: 21, name: 'Olive Owner', email: 'olive@example.com', active_flag: true, update_time: pdTime(T(0)) }];
  pd.upsert('organizations', { id: 11, name: 'Acme', owner_id: { id: 21, value: 21 }, address: null, add_time: pdTime(T(0)), update_time: pdTime(T(0)), active_flag: true });
  conn = createPipedriveConnection(
    { applicationId: 'a', customerId: 'c', connectionId: 'pd-writes', providerName: 'pipedrive', params: { api_key: pd.apiToken, instance_url: pd.url } },
    createHttpRuntime({ sleep: async () => {}, random: () => 0 }),
  );
});
afterAll(async () => {
  await pd?.close();
});
// Each write is stamped a minute after the previous one, so update_time tells them apart.
beforeEach(() => {
  now += 60_000;
});

/** The requests the simulator received since `from`, without the API token. */
function sentSince(from: number) {
  return pd.sim.requests.slice(from).map((r) => {
    const { api_token, ...query } = r.query;
    expect(api_token).toBe(pd.apiToken);
    return { method: r.method, path: r.path, ...(Object.keys(query).length ? { query } : {}), ...(r.json !== undefined ? { json: r.json } : {}) };
  });
}

async function write(
  object: string,
  objectType: ObjectType,
  operation: WriteOperation,
  record: Record<string, unknown>,
  opts: { id?: string; matchField?: string } = {},
): Promise<{ outcome: WriteOutcome; sent: ReturnType<typeof sentSince> }> {
  const from = pd.sim.requests.length;
  const [outcome, ...more] = await conn.write!({
    object,
    objectType,
    operation,
    matchField: opts.matchField,
    records: [{ record, ...(opts.id ? { id: opts.id } : {}) }],
    returnRecords: true,
    onWait: (w) => void waits.push(w),
  });
  expect(more).toEqual([]);
  return { outcome: outcome!, sent: sentSince(from) };
}

const idOf = (o: WriteOutcome) => {
  if (!o.ok) throw new Error(`rejected: ${o.error.message}`);
  return o.id;
};
const stamp = () => pdTime(new Date(now).toISOString());
const userRef = { id: 21, name: 'Olive Owner', email: 'olive@example.com', has_pic: 0, active_flag: true, value: 21 };

describe('Pipedrive writes (provider → Pipedrive simulator)', () => {
  it('writes one record per request', () => {
    expect(conn.writeBatchSize).toBe(1);
  });

  it('creates standard persons, organizations, deals and activities with POST /v1/{object}, the fields as given', async () => {
    const person = await write('persons', 'standard', 'create', { name: 'Grace Hopper', email: 'grace@example.com', org_id: 11, owner_id: 21 });
    expect(person.sent).toEqual([{ method: 'POST', path: '/api/v1/persons', json: { name: 'Grace Hopper', email: 'grace@example.com', org_id: 11, owner_id: 21 } }]);
    const personId = idOf(person.outcome);
    expect(person.outcome).toMatchObject({ ok: true, operation: 'create', record: { id: personId, isDeleted: false, lastModifiedAt: new Date(now) } });
    expect(pd.data.persons!.get(personId)).toMatchObject({
      name: 'Grace Hopper',
      first_name: 'Grace',
      last_name: 'Hopper',
      email: [{ label: 'work', value: 'grace@example.com', primary: true }],
      org_id: { value: 11, name: 'Acme' },
      owner_id: userRef,
      add_time: stamp(),
      update_time: stamp(),
    });

    const org = await write('organizations', 'standard', 'create', { name: 'Initech', address: 'Main St 1, Austin' });
    expect(org.sent).toEqual([{ method: 'POST', path: '/api/v1/organizations', json: { name: 'Initech', address: 'Main St 1, Austin' } }]);
    expect(pd.data.organizations!.get(idOf(org.outcome))).toMatchObject({ name: 'Initech', address: 'Main St 1, Austin', address_formatted_address: 'Main St 1, Austin' });

    const deal = await write('deals', 'standard', 'create', { title: 'Big one', value: 5000, currency: 'USD', person_id: Number(personId), stage_id: 2 });
    expect(deal.sent).toEqual([{ method: 'POST', path: '/api/v1/deals', json: { title: 'Big one', value: 5000, currency: 'USD', person_id: Number(personId), stage_id: 2 } }]);
    expect(pd.data.deals!.get(idOf(deal.outcome))).toMatchObject({
      title: 'Big one',
      value: 5000,
      currency: 'USD',
      stage_id: 2,
      status: 'open',
      person_id: { value: Number(personId), name: 'Grace Hopper' },
    });

    const activity = await write('activities', 'standard', 'create', { subject: 'Intro call', type: 'call', due_date: '2026-04-10', deal_id: Number(idOf(deal.outcome)) });
    expect(activity.sent).toEqual([
      { method: 'POST', path: '/api/v1/activities', json: { subject: 'Intro call', type: 'call', due_date: '2026-04-10', deal_id: Number(idOf(deal.outcome)) } },
    ]);
    expect(pd.data.activities!.get(idOf(activity.outcome))).toMatchObject({ subject: 'Intro call', due_date: '2026-04-10', done: false, update_time: stamp() });
  });

  it('creates common contacts, accounts and opportunities as Pipedrive fields, custom fields under their keys', async () => {
    const contact = await write('contact', 'common', 'create', {
      first_name: 'Ada',
      last_name: 'Lovelace',
      email_addresses: [
        { email_address: 'ada@example.com', email_address_type: 'primary' },
        { email_address: 'ada@home.example', email_address_type: 'other' },
      ],
      phone_numbers: [
        { phone_number: '+331', phone_number_type: 'primary' },
        { phone_number: '+336', phone_number_type: 'mobile' },
      ],
      account_id: '11',
      owner_id: '21',
      lifecycle_stage: 'lead',
      custom_fields: { d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3: 'VIP' },
    });
    expect(contact.sent).toEqual([
      {
        method: 'POST',
        path: '/api/v1/persons',
        json: {
          d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3: 'VIP',
          name: 'Ada Lovelace',
          first_name: 'Ada',
          last_name: 'Lovelace',
          email: [
            { value: 'ada@example.com', primary: true, label: 'work' },
            { value: 'ada@home.example', primary: false, label: 'other' },
          ],
          phone: [
            { value: '+331', primary: true, label: 'work' },
            { value: '+336', primary: false, label: 'mobile' },
          ],
          org_id: 11,
          owner_id: 21,
        },
      },
    ]);
    expect(pd.data.persons!.get(idOf(contact.outcome))).toMatchObject({ name: 'Ada Lovelace', d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3: 'VIP', org_id: { value: 11 } });
    expect(contact.outcome).toMatchObject({ ok: true, operation: 'create', record: { unified: { first_name: 'Ada', last_name: 'Lovelace', account_id: '11', owner_id: '21' } } });

    const account = await write('account', 'common', 'create', {
      name: 'Globex',
      owner_id: '21',
      addresses: [{ address_type: 'primary', street_1: '1 Rue de Rivoli', street_2: 'Bât. B', city: 'Paris', state: null, postal_code: '75001', country: 'France' }],
    });
    expect(account.sent).toEqual([
      {
        method: 'POST',
        path: '/api/v1/organizations',
        json: {
          name: 'Globex',
          address: '1 Rue de Rivoli, Bât. B, 75001 Paris, France',
          address_route: '1 Rue de Rivoli',
          address_subpremise: 'Bât. B',
          address_locality: 'Paris',
          address_admin_area_level_1: null,
          address_postal_code: '75001',
          address_country: 'France',
          owner_id: 21,
        },
      },
    ]);
    expect(pd.data.organizations!.get(idOf(account.outcome))).toMatchObject({ name: 'Globex', address_locality: 'Paris', address_street_number: null });

    const opportunity = await write('opportunity', 'common', 'create', {
      name: 'Renewal',
      amount: 1200,
      stage: '3',
      pipeline: '1',
      status: 'WON',
      close_date: '2026-06-30T00:00:00Z',
      account_id: '11',
      owner_id: '21',
      description: 'not a Pipedrive deal field',
    });
    expect(opportunity.sent).toEqual([
      {
        method: 'POST',
        path: '/api/v1/deals',
        json: { title: 'Renewal', value: 1200, stage_id: 3, pipeline_id: 1, status: 'won', expected_close_date: '2026-06-30', org_id: 11, user_id: 21 },
      },
    ]);
    expect(pd.data.deals!.get(idOf(opportunity.outcome))).toMatchObject({ title: 'Renewal', status: 'won', won_time: stamp(), close_time: stamp(), user_id: userRef });
  });

  it('updates with PUT /v1/{object}/{id} sending only the fields given; one name part is completed from the stored person', async () => {
    const { outcome } = await write('contact', 'common', 'create', {
      first_name: 'Alan',
      last_name: 'Turing',
      email_addresses: [{ email_address: 'alan@example.com', email_address_type: 'primary' }],
    });
    const id = idOf(outcome);
    const before = pd.data.persons!.get(id)!;

    now += 60_000;
    const email = await write('contact', 'common', 'update', { email_addresses: [{ email_address: 'turing@example.com', email_address_type: 'work' }] }, { id });
    expect(email.sent).toEqual([{ method: 'PUT', path: `/api/v1/persons/${id}`, json: { email: [{ value: 'turing@example.com', primary: false, label: 'work' }] } }]);
    expect(email.outcome).toMatchObject({ ok: true, id, operation: 'update' });
    expect(pd.data.persons!.get(id)).toEqual({
      ...before,
      email: [{ label: 'work', value: 'turing@example.com', primary: true }],
      update_time: stamp(),
    });

    const renamed = await write('contact', 'common', 'update', { first_name: 'Alan M.' }, { id });
    expect(renamed.sent).toEqual([
      { method: 'GET', path: `/api/v1/persons/${id}` },
      { method: 'PUT', path: `/api/v1/persons/${id}`, json: { name: 'Alan M. Turing', first_name: 'Alan M.', last_name: 'Turing' } },
    ]);
    expect(pd.data.persons!.get(id)).toMatchObject({ name: 'Alan M. Turing', first_name: 'Alan M.', last_name: 'Turing' });

    const deal = await write('deals', 'standard', 'create', { title: 'Small', value: 10 });
    const dealId = idOf(deal.outcome);
    const stage = await write('opportunity', 'common', 'update', { stage: '4', amount: 20 }, { id: dealId });
    expect(stage.sent).toEqual([{ method: 'PUT', path: `/api/v1/deals/${dealId}`, json: { value: 20, stage_id: 4 } }]);
    expect(pd.data.deals!.get(dealId)).toMatchObject({ title: 'Small', value: 20, stage_id: 4, status: 'open' });
  });

  it('upserts a common contact on email: creates when the exact search finds none, updates the single match, refuses several', async () => {
    const search = (term: string) => ({ method: 'GET', path: '/api/v1/persons/search', query: { term, fields: 'email', exact_match: 'true', start: '0', limit: '2' } });
    const record = { first_name: 'Edsger', last_name: 'Dijkstra', email_addresses: [{ email_address: 'ewd@example.com', email_address_type: 'primary' }] };

    const created = await write('contact', 'common', 'upsert', record, { matchField: 'email' });
    expect(created.sent).toEqual([
      search('ewd@example.com'),
      {
        method: 'POST',
        path: '/api/v1/persons',
        json: { name: 'Edsger Dijkstra', first_name: 'Edsger', last_name: 'Dijkstra', email: [{ value: 'ewd@example.com', primary: true, label: 'work' }] },
      },
    ]);
    const id = idOf(created.outcome);
    expect(created.outcome).toMatchObject({ operation: 'create' });

    const updated = await write(
      'contact',
      'common',
      'upsert',
      { ...record, email_addresses: [{ email_address: 'EWD@example.com', email_address_type: 'primary' }], owner_id: '21' },
      { matchField: 'email' },
    );
    expect(updated.sent).toEqual([
      search('EWD@example.com'),
      {
        method: 'PUT',
        path: `/api/v1/persons/${id}`,
        json: { name: 'Edsger Dijkstra', first_name: 'Edsger', last_name: 'Dijkstra', email: [{ value: 'EWD@example.com', primary: true, label: 'work' }], owner_id: 21 },
      },
    ]);
    expect(updated.outcome).toMatchObject({ ok: true, id, operation: 'update' });
    expect([...pd.data.persons!.values()].filter((p) => p.name === 'Edsger Dijkstra').map((p) => [String(p.id), p.owner_id])).toEqual([[id, userRef]]);

    // A second person with the same address: the upsert cannot tell which one is meant.
    await write('persons', 'standard', 'create', { name: 'E. W. Dijkstra', email: ['ewd@example.com'] });
    const count = pd.data.persons!.size;
    const ambiguous = await write('contact', 'common', 'upsert', record, { matchField: 'email' });
    expect(ambiguous.sent).toEqual([search('ewd@example.com')]);
    expect(ambiguous.outcome).toEqual({
      ok: false,
      error: { message: 'More than one person has email "ewd@example.com": an upsert needs a single match', field: 'email', code: 'multiple_matches', status: 409 },
    });
    expect(pd.data.persons!.size).toBe(count);
  });

  it('upserts standard organizations on name and any object on id; refuses a match field Pipedrive cannot search before sending anything', async () => {
    const byName = await write('organizations', 'standard', 'upsert', { name: 'Acme', address: 'Quai 2, Lyon' }, { matchField: 'name' });
    expect(byName.sent).toEqual([
      { method: 'GET', path: '/api/v1/organizations/search', query: { term: 'Acme', fields: 'name', exact_match: 'true', start: '0', limit: '2' } },
      { method: 'PUT', path: '/api/v1/organizations/11', json: { name: 'Acme', address: 'Quai 2, Lyon' } },
    ]);
    expect(byName.outcome).toMatchObject({ ok: true, id: '11', operation: 'update' });
    expect(pd.data.organizations!.get('11')).toMatchObject({ address: 'Quai 2, Lyon', update_time: stamp() });

    const byId = await write('organizations', 'standard', 'upsert', { id: 11, name: 'Acme SA' }, { matchField: 'id' });
    expect(byId.sent).toEqual([{ method: 'PUT', path: '/api/v1/organizations/11', json: { name: 'Acme SA' } }]);

    const from = pd.sim.requests.length;
    const err = await conn.write!({ object: 'activities', objectType: 'standard', operation: 'upsert', matchField: 'subject', records: [{ record: { subject: 'x' } }] }).catch(
      (e) => e,
    );
    expect(err).toMatchObject({
      name: 'UnsupportedWriteError',
      kind: 'configuration',
      field: 'match.field',
      message: 'Pipedrive cannot match activities on "subject" (it can on id)',
    });
    const leads = await conn.write!({ object: 'lead', objectType: 'common', operation: 'create', records: [{ record: { title: 'x' } }] }).catch((e) => e);
    expect(leads).toMatchObject({ kind: 'configuration' });
    expect(pd.sim.requests.length).toBe(from);
  });

  it("turns Pipedrive's refusals into per-record rejections: its message, the field it names, the status", async () => {
    const noName = await write('contact', 'common', 'create', { email_addresses: [{ email_address: 'anon@example.com', email_address_type: 'primary' }] });
    expect(noName.sent).toEqual([{ method: 'POST', path: '/api/v1/persons', json: { email: [{ value: 'anon@example.com', primary: true, label: 'work' }] } }]);
    expect(noName.outcome).toEqual({ ok: false, error: { message: 'Name must be given.', field: 'name', status: 400 } });
    expect([...pd.data.persons!.values()].some((p) => p.email?.[0]?.value === 'anon@example.com')).toBe(false);

    // Pipedrive's "Title" is the common opportunity's name.
    expect((await write('opportunity', 'common', 'create', { amount: 5 })).outcome).toEqual({ ok: false, error: { message: 'Title must be given.', field: 'name', status: 400 } });
    expect((await write('deals', 'standard', 'create', { value: 5 })).outcome).toEqual({ ok: false, error: { message: 'Title must be given.', field: 'title', status: 400 } });

    const unknown = await write('persons', 'standard', 'update', { name: 'Nobody' }, { id: '999999' });
    expect(unknown.sent).toEqual([{ method: 'PUT', path: '/api/v1/persons/999999', json: { name: 'Nobody' } }]);
    expect(unknown.outcome).toEqual({ ok: false, error: { message: 'Person not found', status: 404 } });

    const { outcome } = await write('persons', 'standard', 'create', { name: 'Short Lived' });
    pd.remove('persons', idOf(outcome), new Date(now).toISOString());
    expect((await write('persons', 'standard', 'update', { name: 'Revived' }, { id: idOf(outcome) })).outcome).toEqual({
      ok: false,
      error: { message: 'Person has been deleted', status: 410 },
    });

    // A value Pipedrive cannot take is refused before a request: stages are ids.
    const stageByName = await write('opportunity', 'common', 'create', { name: 'X', stage: 'Closed Won' });
    expect(stageByName.sent).toEqual([]);
    expect(stageByName.outcome).toEqual({
      ok: false,
      error: { message: 'stage must be a Pipedrive id (an integer), not "Closed Won"', field: 'stage', code: 'invalid_value', status: 400 },
    });
  });

  it('waits out a 429 (Retry-After) and sends the create once', async () => {
    pd.rateLimit.once((r) => r.method === 'POST' && r.path === '/api/v1/persons', '2');
    const hits = pd.rateLimit.hits;
    waits.length = 0;
    const { outcome, sent } = await write('persons', 'standard', 'create', { name: 'Throttled Person' });
    expect(pd.rateLimit.hits - hits).toBe(1);
    expect(waits.filter((w) => w.status === 429)).toEqual([{ reason: 'rate_limit', ms: 2000, status: 429 }]);
    const post = { method: 'POST', path: '/api/v1/persons', json: { name: 'Throttled Person' } };
    expect(sent).toEqual([post, post]);
    expect(outcome).toMatchObject({ ok: true, operation: 'create' });
    expect([...pd.data.persons!.values()].filter((p) => p.name === 'Throttled Person').map((p) => String(p.id))).toEqual([idOf(outcome)]);
  });

  it('does not send a create again after a 5xx: the outcome is unknown (and here Pipedrive had written it)', async () => {
    pd.failOnce((r) => r.method === 'POST' && r.path === '/api/v1/organizations', { status: 502, processed: true });
    const from = pd.sim.requests.length;
    const err = await conn.write!({ object: 'account', objectType: 'common', operation: 'create', records: [{ record: { name: 'Maybe Corp' } }] }).catch((e) => e);
    expect(err).toBeInstanceOf(WriteOutcomeUnknownError);
    expect(err).toMatchObject({ kind: 'transient', status: 502 });
    expect(sentSince(from)).toEqual([{ method: 'POST', path: '/api/v1/organizations', json: { name: 'Maybe Corp' } }]);
    expect([...pd.data.organizations!.values()].filter((o) => o.name === 'Maybe Corp')).toHaveLength(1);
  });

  it('reads one record live: raw and unified, null for an unknown id, marked deleted for a deleted one', async () => {
    const { outcome } = await write('contact', 'common', 'create', { first_name: 'Barbara', last_name: 'Liskov', account_id: '11' });
    const id = idOf(outcome);
    const from = pd.sim.requests.length;
    const record = await conn.readRecord!({ object: 'contact', objectType: 'common', id });
    expect(sentSince(from)).toEqual([{ method: 'GET', path: `/api/v1/persons/${id}` }]);
    expect(record).toEqual({
      id,
      lastModifiedAt: new Date(now),
      isDeleted: false,
      raw: pd.data.persons!.get(id),
      unified: expect.objectContaining({ id, first_name: 'Barbara', last_name: 'Liskov', account_id: '11', owner_id: '7', email_addresses: [] }),
    });
    expect(await conn.readRecord!({ object: 'organizations', objectType: 'standard', id: '11' })).toMatchObject({ id: '11', raw: { name: 'Acme SA' } });
    expect(await conn.readRecord!({ object: 'deals', objectType: 'standard', id: '424242' })).toBeNull();
    pd.remove('persons', id, new Date(now).toISOString());
    expect(await conn.readRecord!({ object: 'contact', objectType: 'common', id })).toMatchObject({ id, isDeleted: true, unified: { is_deleted: true } });
  });

  it('reads back through the incremental listing what was written through the common model', async () => {
    const since = new Date(now);
    const contact = {
      first_name: 'Katherine',
      last_name: 'Johnson',
      email_addresses: [
        { email_address: 'kj@example.com', email_address_type: 'primary' },
        { email_address: 'kj@work.example', email_address_type: 'work' },
      ],
      phone_numbers: [
        { phone_number: '+1555', phone_number_type: 'primary' },
        { phone_number: '+1556', phone_number_type: 'fax' },
      ],
      account_id: '11',
      owner_id: '21',
    };
    const account = {
      name: 'Langley',
      owner_id: '21',
      addresses: [{ address_type: 'primary', street_1: '1 NASA Dr', street_2: null, city: 'Hampton', state: 'VA', postal_code: '23666', country: 'USA' }],
    };
    const opportunity = { name: 'Orbit', amount: 300, stage: '2', pipeline: '1', status: 'OPEN', close_date: '2026-09-01T00:00:00.000Z', account_id: '11', owner_id: '21' };

    for (const [object, written, change] of [
      ['contact', contact, { last_name: 'Goble' }],
      ['account', account, { name: 'Langley II' }],
      ['opportunity', opportunity, { name: 'Orbit II' }],
    ] as const) {
      const { outcome } = await write(object, 'common', 'create', written);
      const id = idOf(outcome);
      const page = await conn.readPage({ object, objectType: 'common', modifiedSince: since, pageState: null });
      const read = page.records.find((r) => r.id === id)!;
      expect(read.unified).toMatchObject({ id, ...written, is_deleted: false });
      expect(read.raw).toEqual(pd.data[{ contact: 'persons', account: 'organizations', opportunity: 'deals' }[object]]!.get(id));
      expect(outcome.ok && outcome.record?.unified).toEqual(read.unified);

      // An update moves update_time: the next incremental read from the last one's cursor sees it again.
      const cursor = read.lastModifiedAt!;
      now += 60_000;
      expect((await write(object, 'common', 'update', change, { id })).outcome).toMatchObject({ ok: true, id });
      const next = await conn.readPage({ object, objectType: 'common', modifiedSince: new Date(cursor.getTime() + 1000), pageState: null });
      expect(next.records.filter((r) => r.id === id).map((r) => r.unified)).toEqual([expect.objectContaining({ ...written, ...change })]);
    }
  });
});
