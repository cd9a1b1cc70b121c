/**
 * A declarative connector's own auth and parameters decide what its connection needs: for every
 * auth kind of the Connector Builder, `{ provider_name, params }` connects (no type, no dummy key),
 * the simulator receives the credentials where the connector puts them, and the records sync.
 * Missing or undeclared parameters are field-level 400s; built-in providers keep their oneOf.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './helpers/api';
import { insertProvider } from './helpers/fixtures';
import { startApiSimulator, type ApiSimulator, type RecordedRequest } from './helpers/http-api-simulator';
import { configure, destinationRows, ok, startScenario, waitForRuns } from './helpers/sync-scenario';

let s: Awaited<ReturnType<typeof startScenario>>;
let sim: ApiSimulator;

const tickets = [
  { id: 't-1', subject: 'Printer on fire' },
  { id: 't-2', subject: 'Password reset' },
  { id: 't-3', subject: 'Invoice missing' },
];

interface Kind {
  kind: string;
  auth: Record<string, unknown>;
  parameters: Array<Record<string, unknown>>;
  /** The connection's params besides base_url. */
  params: Record<string, string>;
  /** Whether a request carries exactly the credentials this connection should send. */
  authorized(req: RecordedRequest): boolean;
}

const noCredentials = (req: RecordedRequest) => req.headers.authorization === undefined && Object.keys(req.query).length === 0;
const KINDS: Kind[] = [
  { kind: 'none', auth: { type: 'none' }, parameters: [], params: {}, authorized: (req) => noCredentials(req) && !('x-helpdesk-key' in req.headers) },
  {
    kind: 'header',
    auth: { type: 'api_key', location: 'header', name: 'X-Helpdesk-Key', value: '{config.api_key}' },
    parameters: [{ name: 'api_key', required: true, secret: true }],
    params: { api_key: 'hdr-key-41' },
    authorized: (req) => req.headers['x-helpdesk-key'] === 'hdr-key-41' && noCredentials(req),
  },
  {
    kind: 'query',
    auth: { type: 'api_key', location: 'query', name: 'apikey', value: '{config.access_code}' },
    parameters: [{ name: 'access_code', required: true, secret: true }],
    params: { access_code: 'qry-code-42' },
    authorized: (req) => req.query.apikey === 'qry-code-42' && Object.keys(req.query).length === 1 && req.headers.authorization === undefined,
  },
  {
    kind: 'basic',
    auth: { type: 'basic', username: '{config.username}', password: '{config.password}' },
    parameters: [
      { name: 'username', required: true },
      { name: 'password', required: true, secret: true },
    ],
    params: { username: 'agent', password: 'pa55-w0rd' },
    authorized: (req) => req.headers.authorization === `Basic ${Buffer.from('agent:pa55-w0rd').toString('base64')}`,
  },
  {
    kind: 'bearer',
    auth: { type: 'bearer', token: '{config.token}' },
    parameters: [{ name: 'token', required: true, secret: true }],
    params: { token: 'tok-43' },
    authorized: (req) => req.headers.authorization === 'Bearer tok-43',
  },
];

const connector = (k: Pick<Kind, 'auth' | 'parameters'>, query: Record<string, string> = {}) => ({
  name: 'Helpdesk',
  base_url: '{config.base_url}',
  auth: k.auth,
  parameters: [{ name: 'base_url', required: true }, ...k.parameters],
  streams: [{ id: 'tickets', path: '/tickets', primary_key: 'id', records_selector: '$.tickets', query }],
});

beforeAll(async () => {
  s = await startScenario();
  // One API per auth kind, under /<kind>: answers only requests with that kind's credentials.
  sim = await startApiSimulator((req) => {
    const kind = KINDS.find((k) => req.path === `/${k.kind}/tickets`);
    if (!kind) return { status: 404, json: { error: 'not found' } };
    return kind.authorized(req) ? { json: { tickets } } : { status: 401, json: { error: 'bad credentials' } };
  });
});
afterAll(async () => {
  await sim?.close();
  await s?.close();
});

describe('connecting a declarative connector with only its parameters', () => {
  for (const k of KINDS) {
    it(`auth ${k.kind}: { provider_name, params } connects, sends the credentials and syncs`, async () => {
      const tenant = await s.api.newTenant(`auth-${k.kind}`);
      const providerName = `desk-${k.kind}`;
      const { customerId } = await configure(
        { ...s, tenant },
        { url: sim.url, apiKey: '' },
        { providerName, connector: connector(k), standardObjects: ['tickets'], strategy: 'full only' },
      );
      const body = { provider_name: providerName, params: { base_url: `${sim.url}/${k.kind}`, ...k.params } };

      await s.worker.run(async () => {
        const created = await ok(tenant.request('POST', `/customers/${customerId}/connections`, { body }));
        expect(created).toMatchObject({ customer_id: customerId, provider_name: providerName, status: 'available' });
        const runs = await waitForRuns(tenant, customerId, 1);
        expect(runs.map((r) => [r.status, r.num_records_synced, r.error_message])).toEqual([['SUCCESS', 3, null]]);
      });

      const received = sim.requests.filter((r) => r.path === `/${k.kind}/tickets`);
      expect(received.length).toBeGreaterThan(0);
      expect(received.filter((r) => !k.authorized(r))).toEqual([]);
      const rows = await destinationRows(s.destPool, `desk_${k.kind}_tickets`);
      expect(rows.map((r) => [r.id, r.raw, r.customer])).toEqual(tickets.map((t) => [t.id, t, customerId]));

      // Declared secrets are encrypted at rest; the rest stays readable.
      const row = await s.api.tdb.db.selectFrom('connections').selectAll().where('application_id', '=', tenant.applicationId).executeTakeFirstOrThrow();
      const plain = Object.fromEntries(Object.entries(body.params).filter(([name]) => !k.parameters.some((p) => p.name === name && p.secret)));
      expect(row.params).toEqual(plain);
    });
  }
});

describe('what a connection body must carry', () => {
  let v: ApiClient;
  const basic = KINDS.find((k) => k.kind === 'basic')!;
  const connect = (body: unknown) => v.request('POST', '/customers/c1/connections', { body });
  const fieldsOf = async (body: unknown) => {
    const res = await connect(body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ code: 'VALIDATION_ERROR', status: '400', meta: { origin: 'supaglue', location: 'json' } });
    return res.body.errors[0].meta.fields as Array<{ field: string; message: string; code: string }>;
  };
  const base_url = 'https://helpdesk.example.com';

  beforeAll(async () => {
    v = await s.api.newTenant('validation');
    // Its query takes an undeclared {config.status}: an implicitly optional parameter.
    await ok(v.request('PUT', '/connectors/helpdesk', { body: connector(basic, { status: '{config.status}' }) }), 201);
    await ok(v.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: 'helpdesk' } }), 201);
    await ok(v.request('PUT', '/customers', { body: { customer_id: 'c1', name: 'C', email: 'c@example.com' } }));
    for (const name of ['hubspot', 'salesforce', 'pipedrive']) await insertProvider(s.api.tdb.db, v.applicationId, { name, auth_type: 'oauth2' });
  });

  it('names each missing required parameter of the connector', async () => {
    const res = await connect({ provider_name: 'helpdesk', params: { base_url, username: 'agent' } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].detail).toBe('json.params.password: params.password is required by connector helpdesk');
    expect(res.body.errors[0].meta.fields).toEqual([{ field: 'params.password', message: 'params.password is required by connector helpdesk', code: 'required_parameter' }]);

    expect((await fieldsOf({ provider_name: 'helpdesk', params: {} })).map((f) => f.message)).toEqual([
      'params.base_url is required by connector helpdesk',
      'params.username is required by connector helpdesk',
      'params.password is required by connector helpdesk',
    ]);
    // An empty value is no value.
    expect((await fieldsOf({ provider_name: 'helpdesk', params: { base_url, username: 'agent', password: '' } })).map((f) => f.field)).toEqual(['params.password']);
    expect(await ok(v.request('GET', '/customers/c1/connections'))).toEqual([]);
  });

  it('refuses parameters the connector does not declare, a dummy api_key included, and a type its auth does not take', async () => {
    const complete = { base_url, username: 'agent', password: 'pw' };
    expect(await fieldsOf({ provider_name: 'helpdesk', params: { ...complete, region: 'eu' } })).toEqual([
      { field: 'params.region', message: 'params.region is not a parameter of connector helpdesk (parameters: base_url, username, password)', code: 'unknown_parameter' },
    ]);
    expect((await fieldsOf({ provider_name: 'helpdesk', type: 'api_key', api_key: 'dummy', params: complete })).map((f) => f.field)).toEqual(['api_key']);
    expect((await fieldsOf({ provider_name: 'helpdesk', type: 'oauth2', params: complete })).map((f) => f.field)).toEqual(['type']);
    expect(await ok(v.request('GET', '/customers/c1/connections'))).toEqual([]);

    // type api_key (what its auth implies) demands no api_key; the query's {config.status} may be set.
    const created = await ok(connect({ provider_name: 'helpdesk', type: 'api_key', params: { ...complete, status: 'open' } }));
    const row = await s.api.tdb.db.selectFrom('connections').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.params).toEqual({ base_url, username: 'agent', status: 'open' });
    expect(s.api.deps.secrets.decryptJson(row.credentials_encrypted!)).toEqual({ password: 'pw' });
  });

  it("keeps the built-in providers' oneOf: type and its credentials are required", async () => {
    const field = async (body: unknown) => (await fieldsOf(body)).map((f) => f.field);
    expect(await field({ provider_name: 'hubspot', refresh_token: 'r' })).toEqual(['type']);
    expect(await field({ provider_name: 'hubspot', params: {} })).toEqual(['type']);
    expect(await field({ provider_name: 'hubspot', type: 'oauth2' })).toEqual(['refresh_token']);
    expect(await field({ provider_name: 'salesforce', type: 'oauth2', instance_url: 'https://acme.my.salesforce.com' })).toEqual(['refresh_token']);
    expect(await field({ provider_name: 'pipedrive', type: 'api_key' })).toEqual(['api_key']);
    expect(await field({ provider_name: 'pipedrive', type: 'access_key_secret', access_key: 'a' })).toEqual(['access_key_secret']);
    expect(await ok(connect({ provider_name: 'hubspot', type: 'oauth2', refresh_token: 'r' }))).toMatchObject({ provider_name: 'hubspot' });
  });
});
