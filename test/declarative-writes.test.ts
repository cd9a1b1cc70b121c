import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeclarativeConnection } from '../providers/declarative/connector';
import { ConnectorDefinitionError, parseConnectorDefinition } from '../providers/declarative/definition';
import { ProviderError, WriteOutcomeUnknownError } from '../providers/errors';
import type { ProviderConnection, WriteOutcome, WriteRequest } from '../providers/types';
import { connect, fastRuntime, readAll, type FastRuntime } from './helpers/declarative-harness';
import type { RecordedRequest } from './helpers/http-api-simulator';
import { startWritableApi, writableConnector, type WritableApi } from './helpers/writable-api';

let api: WritableApi;
let rt: FastRuntime;
let conn: ProviderConnection;

// A fresh API per test: its ids and clock start over.
beforeEach(async () => {
  api = await startWritableApi();
  rt = fastRuntime();
  conn = open();
});
afterEach(() => api.close());

const params = () => ({ base_url: api.url, api_key: 'write-key' });
const open = (def: unknown = writableConnector()) => connect(def, params(), rt);

function write(c: ProviderConnection, req: Omit<WriteRequest, 'object' | 'objectType'> & { object?: string }): Promise<WriteOutcome[]> {
  return c.write!({ object: 'contacts', objectType: 'standard', ...req });
}

/** What the API received: method, target, the headers a write is judged by, and the JSON body. */
function sent(r: RecordedRequest) {
  return { method: r.method, url: r.url, apiKey: r.headers['x-api-key'], contentType: r.headers['content-type'], authorization: r.headers.authorization, json: r.json };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('declarative connector writes', () => {
  it('creates a record: one POST with the record under body_path, the id and the record from the answer, which reads back the same', async () => {
    expect(conn.writeBatchSize).toBe(1);
    const outcomes = await write(conn, { operation: 'create', records: [{ record: { name: 'Ada Lovelace', email: 'ada@example.com' } }], returnRecords: true });

    expect(api.apiRequests().map(sent)).toEqual([
      {
        method: 'POST',
        url: '/contacts',
        apiKey: 'write-key',
        contentType: 'application/json',
        authorization: undefined,
        json: { data: { name: 'Ada Lovelace', email: 'ada@example.com' } },
      },
    ]);
    const stored = api.contacts.get('c-1');
    expect(stored).toEqual({ id: 'c-1', name: 'Ada Lovelace', email: 'ada@example.com', updated_at: '2026-03-01T00:00:01.000Z' });
    expect(outcomes).toEqual([
      { ok: true, id: 'c-1', operation: 'create', record: { id: 'c-1', lastModifiedAt: new Date('2026-03-01T00:00:01.000Z'), isDeleted: false, raw: stored } },
    ]);

    // The stream's normal read path gives the same record, and so does read_one.
    // A page's record also carries its text as the provider sent it (stored as _supaglue_raw_data): the same JSON.
    const read = await readAll(conn, 'contacts');
    const { rawJson, ...fromPage } = read.records[0]!;
    expect(JSON.parse(rawJson!)).toEqual(stored);
    expect([fromPage]).toEqual([outcomes[0]!.ok && outcomes[0]!.record]);
    const { rawJson: _, ...one } = (await conn.readRecord!({ object: 'contacts', objectType: 'standard', id: 'c-1' }))!;
    expect(one).toEqual(fromPage);
    expect(await conn.readRecord!({ object: 'contacts', objectType: 'standard', id: 'c-404' })).toBeNull();
  });

  it('leaves the record out of the outcome unless asked for it', async () => {
    expect(await write(conn, { operation: 'create', records: [{ record: { name: 'Ada', email: 'ada@example.com' } }] })).toEqual([{ ok: true, id: 'c-1', operation: 'create' }]);
  });

  it('updates a record by id: PATCH to the path with {target.id}', async () => {
    await write(conn, { operation: 'create', records: [{ record: { name: 'Ada', email: 'ada@example.com' } }] });
    api.sim.requests.length = 0;

    const outcomes = await write(conn, { operation: 'update', records: [{ id: 'c-1', record: { name: 'Ada Lovelace' } }], returnRecords: true });
    expect(api.apiRequests().map(sent)).toEqual([
      { method: 'PATCH', url: '/contacts/c-1', apiKey: 'write-key', contentType: 'application/json', authorization: undefined, json: { data: { name: 'Ada Lovelace' } } },
    ]);
    const stored = { id: 'c-1', name: 'Ada Lovelace', email: 'ada@example.com', updated_at: '2026-03-01T00:00:02.000Z' };
    expect(api.contacts.get('c-1')).toEqual(stored);
    expect(outcomes).toEqual([{ ok: true, id: 'c-1', operation: 'update', record: expect.objectContaining({ id: 'c-1', raw: stored }) }]);
    expect((await readAll(conn, 'contacts')).records.map((r) => r.raw)).toEqual([stored]);
  });

  it('upserts by email: 201 reports a create and 200 an update, the match value in the path (URL-encoded)', async () => {
    const first = await write(conn, { operation: 'upsert', matchField: 'email', records: [{ record: { name: 'Grace', email: 'grace+1@example.com' } }] });
    const second = await write(conn, { operation: 'upsert', records: [{ record: { name: 'Grace Hopper', email: 'grace+1@example.com' } }], returnRecords: true });

    expect(api.apiRequests().map(sent)).toEqual([
      {
        method: 'PUT',
        url: '/contacts/by-email/grace%2B1%40example.com',
        apiKey: 'write-key',
        contentType: 'application/json',
        authorization: undefined,
        json: { data: { name: 'Grace', email: 'grace+1@example.com' } },
      },
      {
        method: 'PUT',
        url: '/contacts/by-email/grace%2B1%40example.com',
        apiKey: 'write-key',
        contentType: 'application/json',
        authorization: undefined,
        json: { data: { name: 'Grace Hopper', email: 'grace+1@example.com' } },
      },
    ]);
    expect(first).toEqual([{ ok: true, id: 'c-1', operation: 'create' }]);
    const stored = { id: 'c-1', name: 'Grace Hopper', email: 'grace+1@example.com', updated_at: '2026-03-01T00:00:02.000Z' };
    expect(second).toEqual([{ ok: true, id: 'c-1', operation: 'update', record: expect.objectContaining({ raw: stored }) }]);
    expect([...api.contacts.values()]).toEqual([stored]);
    expect((await readAll(conn, 'contacts')).records.map((r) => r.raw)).toEqual([stored]);

    // A match field the definition does not list, and a record without the match value.
    const other = await rejection(write(conn, { operation: 'upsert', matchField: 'phone', records: [{ record: { phone: '1' } }] }));
    expect(other).toBeInstanceOf(ProviderError);
    expect(other).toMatchObject({ kind: 'configuration', message: 'Acme CRM object "contacts" upserts match on "email", not "phone"' });
    expect(await write(conn, { operation: 'upsert', records: [{ record: { name: 'No email' } }] })).toEqual([
      { ok: false, error: { message: 'the record has no value for "email", which the upsert matches on', field: 'email', code: 'missing_value', status: 400 } },
    ]);
    expect(api.apiRequests()).toHaveLength(3);
  });

  it('renders a body template over the record, its target and the parameters', async () => {
    const def = writableConnector();
    def.parameters.push({ name: 'source', default: 'syncwell' });
    def.streams[0].write.create = {
      path: '/contacts',
      headers: { 'x-source': '{config.source}' },
      body: { data: { name: '{record.first_name} {record.last_name}', email: '{record.email}', source: '{config.source}', tags: ['{record.tag}'], nickname: '{record.nickname}' } },
      id_path: 'data.id',
    };
    // With body_path ("data") the rendered template goes under it.
    def.streams[0].write.update.body = { name: '{record.name}', ref: 'contact {target.id}' };
    const c = open(def);

    await write(c, { operation: 'create', records: [{ record: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', tag: 'vip' } }] });
    await write(c, { operation: 'update', records: [{ id: 'c-1', record: { name: 'Countess' } }] });

    const [create, update] = api.apiRequests();
    expect(create!.headers['x-source']).toBe('syncwell');
    // A member whose variable has no value ({record.nickname}) is left out.
    expect(create!.json).toEqual({ data: { name: 'Ada Lovelace', email: 'ada@example.com', source: 'syncwell', tags: ['vip'] } });
    expect(update).toMatchObject({ method: 'PATCH', url: '/contacts/c-1', json: { data: { name: 'Countess', ref: 'contact c-1' } } });
    expect(api.contacts.get('c-1')).toEqual({
      id: 'c-1',
      name: 'Countess',
      email: 'ada@example.com',
      source: 'syncwell',
      tags: ['vip'],
      ref: 'contact c-1',
      updated_at: '2026-03-01T00:00:02.000Z',
    });
  });

  it("turns the API's validation errors into per-record rejections with its message, field and code", async () => {
    expect(await write(conn, { operation: 'create', records: [{ record: { name: 'No email' } }] })).toEqual([
      { ok: false, error: { message: 'email is required', field: 'email', code: 'required', status: 422 } },
    ]);
    await write(conn, { operation: 'create', records: [{ record: { name: 'Ada', email: 'ada@example.com' } }] });
    expect(await write(conn, { operation: 'create', records: [{ record: { name: 'Ada again', email: 'ada@example.com' } }] })).toEqual([
      { ok: false, error: { message: 'a contact with email ada@example.com already exists (c-1)', field: 'email', code: 'duplicate', status: 409 } },
    ]);
    // An update of an id the API does not have.
    expect(await write(conn, { operation: 'update', records: [{ id: 'c-9', record: { name: 'Nobody' } }] })).toEqual([
      { ok: false, error: { message: 'no contact c-9', status: 404 } },
    ]);
    expect(await write(conn, { operation: 'update', records: [{ record: { name: 'No id' } }] })).toEqual([
      { ok: false, error: { message: 'an update needs the id of the record to update', field: 'id', code: 'missing_value', status: 400 } },
    ]);
    // Refusals are not retried: one request each, nothing else stored.
    expect(api.apiRequests()).toHaveLength(4);
    expect([...api.contacts.keys()]).toEqual(['c-1']);
  });

  it('reads the refusal where the definition says it is', async () => {
    api.intercept = (req) => (req.method === 'POST' ? { status: 400, json: { problem: { text: 'name is too long', attribute: 'name', kind: 'too_long' } } } : undefined);
    const def = writableConnector();
    Object.assign(def.streams[0].write, { error_message_path: '$.problem.text', error_field_path: 'problem.attribute', error_code_path: 'problem.kind' });
    expect(await write(open(def), { operation: 'create', records: [{ record: { name: 'x', email: 'x@example.com' } }] })).toEqual([
      { ok: false, error: { message: 'name is too long', field: 'name', code: 'too_long', status: 400 } },
    ]);
  });

  it("redacts the connection's secrets from the API's message", async () => {
    api.intercept = () => ({ status: 400, json: { message: 'key write-key may not create contacts' } });
    expect(await write(conn, { operation: 'create', records: [{ record: { name: 'x', email: 'x@example.com' } }] })).toEqual([
      { ok: false, error: { message: 'key [REDACTED] may not create contacts', status: 400 } },
    ]);
  });

  it("writes under the connection's outbound policy: a private address is refused before anything is sent", async () => {
    const c = createDeclarativeConnection(
      writableConnector(),
      {
        applicationId: 'app',
        customerId: 'cust',
        connectionId: 'conn-private',
        providerName: 'acme-writable',
        params: params(),
        outboundPolicy: { blockPrivateNetworks: true, allowedHosts: [], allowedRanges: [] },
      },
      rt.runtime,
    );
    const err = await rejection(write(c, { operation: 'create', records: [{ record: { name: 'x', email: 'x@example.com' } }] }));
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).not.toBeInstanceOf(WriteOutcomeUnknownError);
    expect(err).toMatchObject({ kind: 'configuration', message: expect.stringContaining('private') });
    expect(api.sim.requests).toEqual([]);
  });

  it('refuses an operation the stream does not define, an object without a write section, and a connector without any', async () => {
    const def = writableConnector();
    delete def.streams[0].write.upsert;
    const noUpsert = await rejection(write(open(def), { operation: 'upsert', records: [{ record: { email: 'a@example.com' } }] }));
    expect(noUpsert).toBeInstanceOf(ProviderError);
    expect(noUpsert).toMatchObject({ kind: 'configuration', message: 'Acme CRM object "contacts" does not support upsert (its write section defines create, update)' });

    const noWrite = await rejection(write(conn, { object: 'companies', operation: 'create', records: [{ record: { name: 'Acme' } }] }));
    expect(noWrite).toMatchObject({ kind: 'configuration', message: 'Acme CRM object "companies" cannot be written: its stream has no write section' });
    const unknown = await rejection(write(conn, { object: 'deals', operation: 'create', records: [{ record: {} }] }));
    expect(unknown).toMatchObject({ kind: 'configuration', message: 'unknown object "deals" for Acme CRM (streams: contacts, companies)' });
    const tooMany = await rejection(write(conn, { operation: 'create', records: [{ record: {} }, { record: {} }] }));
    expect(tooMany).toMatchObject({ kind: 'configuration', message: 'Acme CRM object "contacts" takes at most 1 record(s) per write, not 2' });
    expect(api.apiRequests()).toEqual([]);

    const readOnly = writableConnector();
    for (const s of readOnly.streams) {
      delete s.write;
      delete s.read_one;
    }
    const plain = open(readOnly);
    expect(plain.write).toBeUndefined();
    expect(plain.writeBatchSize).toBeUndefined();
    expect(plain.readRecord).toBeUndefined();
  });

  it('waits out a 429 (Retry-After) and writes the record once', async () => {
    let throttled = false;
    api.intercept = () => {
      if (throttled) return undefined;
      throttled = true;
      return { status: 429, headers: { 'retry-after': '2' }, json: { message: 'slow down' } };
    };
    const waits: unknown[] = [];
    const outcomes = await write(conn, { operation: 'create', records: [{ record: { name: 'Ada', email: 'ada@example.com' } }], onWait: (w) => waits.push(w) });

    expect(outcomes).toEqual([{ ok: true, id: 'c-1', operation: 'create' }]);
    expect(api.apiRequests().map((r) => `${r.method} ${r.url}`)).toEqual(['POST /contacts', 'POST /contacts']);
    expect(waits).toEqual([{ reason: 'rate_limit', ms: 2100, status: 429 }]);
    expect(rt.sleeps).toEqual([2100]);
    expect([...api.contacts.keys()]).toEqual(['c-1']);
  });

  it('does not resend a create after a 5xx: the outcome is unknown, one request sent; an update is retried', async () => {
    api.intercept = (req) => (req.method === 'POST' ? { status: 500, json: { message: 'internal error' } } : undefined);
    const err = await rejection(write(conn, { operation: 'create', records: [{ record: { name: 'Ada', email: 'ada@example.com' } }] }));
    expect(err).toBeInstanceOf(WriteOutcomeUnknownError);
    expect((err as WriteOutcomeUnknownError).status).toBe(500);
    expect((err as Error).message).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/contacts returned HTTP 500.*not sent again/);
    expect(api.apiRequests()).toHaveLength(1);

    api.contacts.set('c-7', { id: 'c-7', name: 'Ada', email: 'ada@example.com', updated_at: '2026-01-01T00:00:00.000Z' });
    let failures = 0;
    api.intercept = (req) => (req.method === 'PATCH' && failures++ === 0 ? { status: 502, json: { message: 'bad gateway' } } : undefined);
    expect(await write(conn, { operation: 'update', records: [{ id: 'c-7', record: { name: 'Ada L.' } }] })).toEqual([{ ok: true, id: 'c-7', operation: 'update' }]);
    expect(api.apiRequests().filter((r) => r.method === 'PATCH')).toHaveLength(2);
  });

  it('reports an answer without the id, or one that is not JSON, as unknown rather than as a failure to write', async () => {
    api.intercept = (req) => (req.method === 'POST' ? { status: 201, json: { ok: true } } : undefined);
    const err = await rejection(write(conn, { operation: 'create', records: [{ record: { name: 'Ada', email: 'ada@example.com' } }] }));
    expect(err).toBeInstanceOf(WriteOutcomeUnknownError);
    expect((err as Error).message).toMatch(/answered HTTP 201 without the record's id at id_path "\$\.data\.id"; it was probably written/);

    api.intercept = () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>app</html>' });
    const html = await rejection(write(conn, { operation: 'update', records: [{ id: 'c-1', record: { name: 'Ada' } }] }));
    expect(html).toBeInstanceOf(WriteOutcomeUnknownError);
    expect((html as Error).message).toMatch(/returned content type "text\/html".*check base_url and path.*may have been carried out/);
    // A 204 says nothing more than "done": the update's outcome is its id.
    api.intercept = () => ({ status: 204 });
    expect(await write(conn, { operation: 'update', records: [{ id: 'c-1', record: { name: 'Ada' } }] })).toEqual([{ ok: true, id: 'c-1', operation: 'update' }]);
  });

  it('batch_size > 1: the records as one JSON array under body_path, one outcome per result in order', async () => {
    const def = writableConnector();
    def.streams[0].write = {
      batch_size: 3,
      create: { path: '/contacts/batch', body_path: 'data', results_path: '$.results', id_path: 'data.id' },
    };
    const c = open(def);
    expect(c.writeBatchSize).toBe(3);

    const outcomes = await write(c, {
      operation: 'create',
      records: [{ record: { name: 'Ada', email: 'ada@example.com' } }, { record: { name: 'No email' } }, { record: { name: 'Grace', email: 'grace@example.com' } }],
      returnRecords: true,
    });
    expect(api.apiRequests().map(sent)).toEqual([
      {
        method: 'POST',
        url: '/contacts/batch',
        apiKey: 'write-key',
        contentType: 'application/json',
        authorization: undefined,
        json: { data: [{ name: 'Ada', email: 'ada@example.com' }, { name: 'No email' }, { name: 'Grace', email: 'grace@example.com' }] },
      },
    ]);
    expect(outcomes).toEqual([
      { ok: true, id: 'c-1', operation: 'create', record: expect.objectContaining({ raw: api.contacts.get('c-1') }) },
      { ok: false, error: { message: 'email is required', field: 'email', code: 'required', status: 200 } },
      { ok: true, id: 'c-2', operation: 'create', record: expect.objectContaining({ raw: api.contacts.get('c-2') }) },
    ]);
    expect([...api.contacts.values()].map((x) => x.email)).toEqual(['ada@example.com', 'grace@example.com']);
  });

  it('writes with an oauth2 token, refreshing it on a 401 and sending the create once with the new token', async () => {
    const def = writableConnector();
    def.auth = { type: 'oauth2', authorization_url: `${api.url}/oauth/authorize`, token_url: `${api.url}/oauth/token` };
    def.parameters = [{ name: 'base_url', required: true }];
    const saved: Record<string, unknown>[] = [];
    const c = createDeclarativeConnection(
      def,
      {
        applicationId: 'app',
        customerId: 'cust',
        connectionId: 'conn-oauth-write',
        providerName: 'acme-writable',
        params: { base_url: api.url, access_token: 'expired-token', refresh_token: 'refresh-1' },
        oauth: { clientId: 'client-id', clientSecret: 'client-secret' },
        saveCredentials: async (next) => void saved.push(next),
      },
      rt.runtime,
    );

    expect(await write(c, { operation: 'create', records: [{ record: { name: 'Ada', email: 'ada@example.com' } }] })).toEqual([{ ok: true, id: 'c-1', operation: 'create' }]);
    const reqs = api.sim.requests.map((r) => `${r.method} ${r.path} ${r.headers.authorization ?? ''}`);
    expect(reqs).toEqual(['POST /contacts Bearer expired-token', 'POST /oauth/token ', 'POST /contacts Bearer access-1']);
    expect(saved).toEqual([expect.objectContaining({ access_token: 'access-1' })]);
    expect(api.contacts.size).toBe(1);
  });
});

describe('the write section on publish', () => {
  type Def = Record<string, any>;
  /** The field-level issues parseConnectorDefinition (the publish path's parser) reports. */
  function issuesFor(mutate: (d: Def) => void) {
    const def = writableConnector();
    mutate(def);
    try {
      parseConnectorDefinition(def);
      return [];
    } catch (e) {
      if (!(e instanceof ConnectorDefinitionError)) throw e;
      return e.issues;
    }
  }
  const w = (d: Def) => d.streams[0].write;

  it('accepts the example and fills in the defaults', () => {
    const def = parseConnectorDefinition(writableConnector());
    expect(def.streams[0]!.write).toEqual({
      batch_size: 1,
      create: { method: 'POST', path: '/contacts', headers: {}, query: {}, body_path: 'data', id_path: '$.data.id' },
      update: { method: 'PATCH', path: '/contacts/{target.id}', headers: {}, query: {}, body_path: 'data', record_path: '$.data' },
      upsert: {
        method: 'PUT',
        path: '/contacts/by-email/{target.match_value}',
        headers: {},
        query: {},
        match_fields: ['email'],
        body_path: 'data',
        record_path: '$.data',
        created_statuses: [201],
      },
    });
    expect(def.streams[0]!.read_one).toEqual({ path: '/contacts/{target.id}', headers: {}, query: {}, record_path: '$.data' });
  });

  it.each<[string, (d: Def) => void, string, string]>([
    ['an empty write section', (d) => (d.streams[0].write = {}), 'streams.0.write', 'define at least one of create, update, upsert'],
    ['a misspelt key', (d) => (w(d).create.id_pth = '$.id'), 'streams.0.write.create', 'Unrecognized key: "id_pth"'],
    ['a method a write cannot use', (d) => (w(d).create.method = 'GET'), 'streams.0.write.create.method', 'Invalid option: expected one of "POST"|"PUT"|"PATCH"'],
    ['a path without a slash', (d) => (w(d).create.path = 'contacts'), 'streams.0.write.create.path', 'path must start with "/" (it is appended to base_url)'],
    [
      'an update path without the id',
      (d) => (w(d).update.path = '/contacts'),
      'streams.0.write.update.path',
      'the update must carry the record id: put {target.id} in the path, e.g. "/contacts/{target.id}"',
    ],
    ['the id in a create', (d) => (w(d).create.path = '/contacts/{target.id}'), 'streams.0.write.create.path', '{target.id} is not available in a create (available: none)'],
    [
      'an unknown target variable',
      (d) => (w(d).upsert.path = '/contacts/{target.email}'),
      'streams.0.write.upsert.path',
      '{target.email} is not available in an upsert (available: {target.match_field}, {target.match_value})',
    ],
    [
      'an unknown namespace',
      (d) => (w(d).create.body = { name: '{row.name}' }),
      'streams.0.write.create.body.name',
      'unknown variable namespace "row" in "{row.name}": expected config, record, parent or target',
    ],
    [
      'a parent variable',
      (d) => (w(d).create.headers = { 'x-parent': '{parent.id}' }),
      'streams.0.write.create.headers.x-parent',
      '{parent.id} is not available here (allowed: {config.…}, {record.…}, {target.…})',
    ],
    [
      'an undeclared parameter',
      (d) => (w(d).create.query = { tenant: '{config.tenant}' }),
      'streams.0.write.create.query.tenant',
      '{config.tenant} refers to undeclared parameter "tenant" (declared: base_url, api_key)',
    ],
    [
      'an upsert without match_fields',
      (d) => delete w(d).upsert.match_fields,
      'streams.0.write.upsert.match_fields',
      'match_fields lists the fields the upsert can match on, e.g. ["email"]',
    ],
    [
      'an upsert with no match field',
      (d) => (w(d).upsert.match_fields = []),
      'streams.0.write.upsert.match_fields',
      'match_fields lists the fields the upsert can match on, e.g. ["email"]',
    ],
    [
      'an upsert that does not send its match',
      (d) => {
        w(d).upsert.path = '/contacts/upsert';
        w(d).upsert.body = { name: '{record.name}' };
      },
      'streams.0.write.upsert.body',
      'the upsert does not send what it matches on: use {target.match_value} in the path or body, or send {record.email}',
    ],
    ['a batch_size of 0', (d) => (w(d).batch_size = 0), 'streams.0.write.batch_size', 'batch_size must be at least 1'],
    ['a batch_size too large', (d) => (w(d).batch_size = 5000), 'streams.0.write.batch_size', 'batch_size must be at most 1000'],
    ['a fractional batch_size', (d) => (w(d).batch_size = 2.5), 'streams.0.write.batch_size', 'batch_size must be a whole number'],
    [
      'a record variable in a batch path',
      (d) => {
        w(d).batch_size = 10;
        delete w(d).upsert.created_statuses;
      },
      'streams.0.write.upsert.path',
      '{target.match_value} is not available here with batch_size > 1, where one request carries many records (allowed: {config.…})',
    ],
    [
      'a batch update without the id in the body',
      (d) => {
        w(d).batch_size = 10;
        w(d).update.path = '/contacts/batch';
      },
      'streams.0.write.update.body',
      'the update must carry the record id: put {target.id} in the body, e.g. {"id": "{target.id}"}',
    ],
    [
      'created_statuses with a batch',
      (d) => (w(d).batch_size = 10),
      'streams.0.write.upsert.created_statuses',
      'with batch_size > 1 one status answers for many records: it cannot say which were created',
    ],
    ['results_path without a batch', (d) => (w(d).create.results_path = '$.results'), 'streams.0.write.create.results_path', 'results_path is only read with batch_size > 1'],
    [
      'no id_path and no primary_key',
      (d) => {
        delete d.streams[0].primary_key;
        delete w(d).create.id_path;
      },
      'streams.0.write.create.id_path',
      'id_path is required because the stream has no primary_key: where the create answer holds the record\'s id, e.g. "$.id"',
    ],
    [
      'a bad id_path',
      (d) => (w(d).create.id_path = '$..id'),
      'streams.0.write.create.id_path',
      expect.stringMatching(/^invalid JSONPath: unsupported JSONPath syntax/) as unknown as string,
    ],
    ['a 4xx created status', (d) => (w(d).upsert.created_statuses = [409]), 'streams.0.write.upsert.created_statuses.0', 'created_statuses are 2xx statuses'],
    [
      'read_one without the id',
      (d) => (d.streams[0].read_one.path = '/contacts/latest'),
      'streams.0.read_one.path',
      'read_one must carry the record id: put {target.id} in the path, e.g. "/contacts/{target.id}"',
    ],
    [
      'a record variable in read_one',
      (d) => (d.streams[0].read_one.path = '/contacts/{record.id}'),
      'streams.0.read_one.path',
      '{record.id} is not available here (allowed: {config.…}, {target.…})',
    ],
  ])('%s -> %s', (_label, mutate, path, message) => {
    expect(issuesFor(mutate)).toContainEqual({ path, message });
  });

  it('a {target.…} variable stays out of stream reads', () => {
    expect(issuesFor((d) => (d.streams[0].path = '/contacts/{target.id}'))).toEqual([
      { path: 'streams.0.path', message: '{target.id} is not available here (allowed: {config.…})' },
    ]);
  });

  it('an upsert that sends the record itself, or the match field in its body, carries its match', () => {
    expect(issuesFor((d) => (w(d).upsert.path = '/contacts/upsert'))).toEqual([]);
    expect(
      issuesFor((d) => {
        w(d).upsert.path = '/contacts/upsert';
        w(d).upsert.body = { properties: { email: '{record.email}' } };
      }),
    ).toEqual([]);
    expect(
      issuesFor((d) => {
        w(d).upsert.path = '/contacts/upsert';
        w(d).upsert.body = { properties: '{record.$}', id_property: '{target.match_field}' };
      }),
    ).toEqual([]);
  });
});
