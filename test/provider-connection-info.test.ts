/**
 * GET .../_provider_user_id and GET .../{provider_name}/_rate_limit_info against the built-in CRM
 * providers over real HTTP (simulators), on a real database: the user asked of the provider once
 * (a stale token refreshed and persisted on that call) then served as stored; 422 for providers
 * without a logged-in user, 499 for a provider failure, 404 across tenants; rate limits recorded
 * from provider responses during the user id call and a Salesforce sync. Bodies are validated
 * against the reference spec.
 */
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertConnector } from '../db/repositories/connectors';
import { hubspotRateLimits } from '../providers/hubspot';
import { pipedriveRateLimits } from '../providers/pipedrive';
import { salesforceRateLimits } from '../providers/salesforce';
import { rateLimitRecorder } from '../services/connections/rate-limits';
import type { ApiClient } from './helpers/api';
import { configureCrm } from './helpers/crm-scenario';
import { startHubspotSim, type HubspotSim } from './helpers/hubspot-simulator';
import { startPipedriveSim, type PipedriveSim } from './helpers/pipedrive-simulator';
import { errorEnvelopeSchema, formatProblems, loadReferenceSpec, referenceValidator, specOperations } from './helpers/reference-spec';
import { startSalesforceSim, type SalesforceSim } from './helpers/salesforce-simulator';
import { sourceConnector } from './helpers/source-api';
import { ok, startScenario, waitForRuns } from './helpers/sync-scenario';

const spec = loadReferenceSpec();
const validator = referenceValidator(spec);
const op = (key: string) => specOperations(spec).find((o) => o.key === key)!;
const userIdOp = op('GET /customers/{customer_id}/connections/_provider_user_id');
const rateLimitOp = op('GET /customers/{customer_id}/connections/{provider_name}/_rate_limit_info');

let s: Awaited<ReturnType<typeof startScenario>>;
let sf: SalesforceSim;
let hs: HubspotSim;
let pd: PipedriveSim;
let n = 0;

beforeAll(async () => {
  s = await startScenario();
  [sf, hs, pd] = await Promise.all([startSalesforceSim(), startHubspotSim(), startPipedriveSim()]);
  // What SYNCWELL_OAUTH_TOKEN_URL_PIPEDRIVE gives a real process: the simulator's token endpoint.
  for (const deps of [s.api.deps, s.worker.deps]) deps.oauthTokenUrls = { PIPEDRIVE: `${pd.url}/oauth/token` };
  const oauthProvider = (name: string, clientId: string, clientSecret: string) =>
    ok(
      s.tenant.request('POST', '/providers', {
        body: {
          category: 'crm',
          auth_type: 'oauth2',
          name,
          config: { oauth: { oauth_scopes: ['crm'], credentials: { oauth_client_id: clientId, oauth_client_secret: clientSecret } } },
        },
      }),
      201,
    );
  await oauthProvider('salesforce', sf.oauth.clientId, sf.oauth.clientSecret);
  await oauthProvider('hubspot', hs.oauth.clientId, hs.oauth.clientSecret);
  await oauthProvider('pipedrive', pd.oauth.clientId, pd.oauth.clientSecret);
  await upsertConnector(s.api.tdb.db, s.tenant.applicationId, 'acme-crm', sourceConnector('acme-crm'));
  await ok(s.tenant.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: 'acme-crm' } }), 201);
  hs.owners.set('501', {
    id: '501',
    email: 'olive@example.com',
    firstName: 'Olive',
    lastName: 'Owner',
    userId: 9001,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-02T00:00:00.000Z',
    archived: false,
  });
  hs.owners.set('502', {
    id: '502',
    email: 'other@example.com',
    firstName: 'Other',
    lastName: 'Owner',
    userId: 9002,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-02T00:00:00.000Z',
    archived: false,
  });
});
afterAll(async () => {
  await Promise.all([sf?.close(), hs?.close(), pd?.close()]);
  await s?.close();
});

/** A fresh customer of `tenant` with one connection. */
async function connect(providerName: string, body: Record<string, unknown>, tenant: ApiClient = s.tenant) {
  const customerId = `info-${++n}`;
  await ok(tenant.request('PUT', '/customers', { body: { customer_id: customerId, name: 'C', email: 'c@example.com' } }));
  const connection = await ok(tenant.request('POST', `/customers/${customerId}/connections`, { body: { provider_name: providerName, ...body } }));
  return { customerId, connectionId: connection.id as string };
}

const getUserId = (customerId: string, providerName: string, tenant: ApiClient = s.tenant) =>
  tenant.request('GET', `/customers/${customerId}/connections/_provider_user_id?provider_name=${providerName}`);
const getRateLimits = (customerId: string, providerName: string, tenant: ApiClient = s.tenant) =>
  tenant.request('GET', `/customers/${customerId}/connections/${providerName}/_rate_limit_info`);

function expectValid(schema: unknown, body: unknown) {
  expect(schema, 'the reference describes this response').toBeDefined();
  expect(formatProblems(validator.validate(schema, body)), JSON.stringify(body)).toBe('');
}

async function expectUserId(customerId: string, providerName: string) {
  const res = await getUserId(customerId, providerName);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expectValid(validator.responseSchema(userIdOp, 200), res.body);
  return res.body;
}

async function expectError(res: { status: number; body: any }, status: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expectValid(errorEnvelopeSchema(spec), res.body);
  expect(res.body.errors[0].status).toBe(String(status));
  return res.body.errors[0];
}

const row = (id: string) => s.api.tdb.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const storedCredentials = async (id: string) => s.api.deps.secrets.decryptJson((await row(id)).credentials_encrypted!) as Record<string, string>;

describe('GET /customers/{customer_id}/connections/_provider_user_id', () => {
  it('Salesforce: the userinfo user, asked with a stale token that is refreshed (and persisted) on that call, then served without asking again', async () => {
    const { customerId, connectionId } = await connect('salesforce', {
      type: 'oauth2',
      access_token: 'stale-session',
      refresh_token: 'refresh-1',
      instance_url: sf.url,
      login_url: sf.url,
    });
    const before = sf.oauth.tokenRequests;
    const body = await expectUserId(customerId, 'salesforce');
    expect(body).toEqual({ user_id: '005A', raw_details: sf.userinfo });
    expect(sf.oauth.tokenRequests - before).toBe(1);
    const creds = await storedCredentials(connectionId);
    expect(creds.access_token).not.toBe('stale-session');
    expect(sf.oauth.tokens.has(creds.access_token!)).toBe(true);
    expect((await row(connectionId)).provider_user_id).toBe('005A');

    const asked = sf.sim.requests.length;
    expect(await expectUserId(customerId, 'salesforce')).toEqual(body);
    expect(sf.sim.requests.length, 'the second call is served as stored').toBe(asked);
  });

  it("HubSpot: the V3 owner of the token's user (token metadata without the token), a rejected token refreshed and asked again; rate limits recorded on the way", async () => {
    const { customerId, connectionId } = await connect('hubspot', { type: 'oauth2', access_token: 'revoked-token', refresh_token: 'refresh-1', instance_url: hs.url });
    const before = hs.oauth.tokenRequests;
    const body = await expectUserId(customerId, 'hubspot');
    expect(body).toEqual({
      user_id: '501',
      raw_details: {
        user: 'olive@example.com',
        user_id: 9001,
        hub_id: 62515,
        hub_domain: 'acme.example',
        scopes: ['oauth', 'crm.objects.contacts.read'],
        app_id: 4242,
        expires_in: expect.any(Number),
        token_type: 'access',
      },
      additional_raw_details: hs.owners.get('501'),
    });
    expect(hs.oauth.tokenRequests - before).toBe(1);
    const creds = await storedCredentials(connectionId);
    expect(hs.oauth.tokens.has(creds.access_token!)).toBe(true);
    expect(JSON.stringify(body)).not.toContain(creds.access_token);
    expect(JSON.stringify((await row(connectionId)).provider_user_details)).not.toContain(creds.access_token);
    expect(hs.requests('/crm/v3/owners').at(-1)!.query.email).toBe('olive@example.com');

    // The owners response carried HubSpot's rate limit headers.
    const calls = hs.apiCalls;
    await expect
      .poll(async () => (await getRateLimits(customerId, 'hubspot')).body, { timeout: 10_000 })
      .toEqual({
        daily: { limit: 250_000, remaining: 250_000 - calls },
        other: { per_10s: { limit: 190, remaining: 190 - 1 - ((calls - 1) % 190) } },
      });
    expectValid(validator.responseSchema(rateLimitOp, 200), (await getRateLimits(customerId, 'hubspot')).body);

    const asked = hs.sim.requests.length;
    expect(await expectUserId(customerId, 'hubspot')).toEqual(body);
    expect(hs.sim.requests.length).toBe(asked);
  });

  it('Pipedrive: GET /users/me, with an expired token refreshed first (the rotated refresh token persisted)', async () => {
    const { customerId, connectionId } = await connect('pipedrive', {
      type: 'oauth2',
      access_token: pd.oauth.issue({ ttlMs: -1 }),
      refresh_token: 'refresh-1',
      expires_at: '2020-01-01T00:00:00Z',
      instance_url: pd.url,
    });
    const before = pd.oauth.tokenRequests;
    const body = await expectUserId(customerId, 'pipedrive');
    expect(body).toEqual({ user_id: '7', raw_details: pd.me });
    expect(pd.oauth.tokenRequests - before).toBe(1);
    const creds = await storedCredentials(connectionId);
    expect(creds.refresh_token).not.toBe('refresh-1');
    expect(pd.oauth.refreshTokens.has(creds.refresh_token!)).toBe(true);

    const asked = pd.sim.requests.length;
    expect(await expectUserId(customerId, 'pipedrive')).toEqual(body);
    expect(pd.sim.requests.length).toBe(asked);
  });

  it('422 for a declarative connector and for a HubSpot private app token: no logged-in user to report', async () => {
    const declarative = await connect('acme-crm', { type: 'api_key', api_key: 'k', params: { base_url: 'http://127.0.0.1:1' } });
    const e1 = await expectError(await getUserId(declarative.customerId, 'acme-crm'), 422);
    expect(e1).toMatchObject({ code: 'UNPROCESSABLE_ERROR', meta: { origin: 'supaglue' } });
    expect(e1.detail).toMatch(/acme-crm connections have no logged-in user/);

    const privateApp = await connect('hubspot', { type: 'api_key', api_key: 'pat-na1-secret', instance_url: hs.url });
    const asked = hs.sim.requests.length;
    const e2 = await expectError(await getUserId(privateApp.customerId, 'hubspot'), 422);
    expect(e2.detail).toMatch(/not a user's/);
    expect(hs.sim.requests.length).toBe(asked);
  });

  it('499 remote provider error when the provider refuses (a revoked refresh token), with the cause; nothing stored', async () => {
    const { customerId, connectionId } = await connect('salesforce', {
      type: 'oauth2',
      access_token: 'stale-session',
      refresh_token: 'refresh-unknown-7f3a',
      instance_url: sf.url,
      login_url: sf.url,
    });
    const res = await getUserId(customerId, 'salesforce');
    const e = await expectError(res, 499);
    expectValid(validator.responseSchema(userIdOp, 499), res.body);
    expect(e).toMatchObject({ code: 'REMOTE_PROVIDER_ERROR', title: 'Remote provider error', meta: { origin: 'remote-provider', kind: 'authentication', cause: { code: 400 } } });
    expect(e.detail).toMatch(/^asking salesforce for the connection's user failed: Salesforce connection needs re-authorization: the token refresh was rejected \(invalid_grant/);
    expect(e.detail).not.toContain('refresh-unknown-7f3a');
    expect((await row(connectionId)).provider_user_id).toBeNull();
  });

  it('404 for another application, without asking the provider; 404 for a customer without that connection', async () => {
    const { customerId } = await connect('pipedrive', { type: 'oauth2', access_token: pd.oauth.issue(), refresh_token: 'refresh-1', instance_url: pd.url });
    const intruder = await s.api.newTenant('intruder');
    await ok(intruder.request('PUT', '/customers', { body: { customer_id: customerId, name: 'Same id', email: 'x@example.com' } }));
    const asked = pd.sim.requests.length;
    await expectError(await getUserId(customerId, 'pipedrive', intruder), 404);
    await expectError(await getRateLimits(customerId, 'pipedrive', intruder), 404);
    expect(pd.sim.requests.length).toBe(asked);
    await expectError(await getUserId(customerId, 'hubspot'), 404);
    await expectError(await getRateLimits(customerId, 'hubspot'), 404);
  });
});

describe('GET /customers/{customer_id}/connections/{provider_name}/_rate_limit_info', () => {
  it('serves the Salesforce API usage (Sforce-Limit-Info) last seen during a sync as `daily`; {} for a declarative connector', async () => {
    const tenant = await s.api.newTenant('sf-sync');
    const { connect: connectSynced, customerId } = await configureCrm(
      { ...s, tenant },
      { providerName: 'salesforce', clientId: sf.oauth.clientId, clientSecret: sf.oauth.clientSecret, common: ['contact'], standard: ['Account'], customerId: 'sf-sync' },
    );
    for (let i = 0; i < 5; i++) sf.upsert('Contact', { Id: `003S${i}`, SystemModstamp: `2026-03-01T00:0${i}:00.000Z`, FirstName: 'S', LastName: String(i) });
    sf.upsert('Account', { Id: '001S', SystemModstamp: '2026-03-01T00:00:00.000Z', Name: 'Synced' });

    await s.worker.run(async () => {
      await connectSynced({ access_token: sf.oauth.issue(), refresh_token: 'refresh-1', instance_url: sf.url, login_url: sf.url });
      const runs = await waitForRuns(tenant, customerId, 2, 90_000);
      expect(runs.map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS']);
    });
    // Several requests per page (describe, query, nextRecordsUrl pages): the latest usage wins.
    const used = sf.apiUsage;
    expect(used).toBeGreaterThan(3);
    await expect
      .poll(async () => (await getRateLimits(customerId, 'salesforce', tenant)).body, { timeout: 15_000 })
      .toEqual({ daily: { limit: 15_000, remaining: 15_000 - used } });
    expectValid(validator.responseSchema(rateLimitOp, 200), (await getRateLimits(customerId, 'salesforce', tenant)).body);

    const declarative = await connect('acme-crm', { type: 'api_key', api_key: 'k', params: { base_url: 'http://127.0.0.1:1' } });
    expect(await ok(getRateLimits(declarative.customerId, 'acme-crm'))).toEqual({});
  });

  it('writes sparingly: a burst of reports is one write at once and one for the latest value after the interval', async () => {
    const { customerId, connectionId } = await connect('acme-crm', { type: 'api_key', api_key: 'k', params: { base_url: 'http://127.0.0.1:1' } });
    let updates = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => {
        if (args.node.kind === 'UpdateQueryNode') updates++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const record = rateLimitRecorder({ ...s.api.deps, db: s.api.tdb.db.withPlugin(counting) }, s.tenant.applicationId, connectionId);
    for (let used = 1; used <= 500; used++) record({ daily: { limit: 15_000, remaining: 15_000 - used } });
    await expect.poll(async () => (await getRateLimits(customerId, 'acme-crm')).body).toEqual({ daily: { limit: 15_000, remaining: 14_999 } });
    expect(updates).toBe(1);
    await expect.poll(async () => (await getRateLimits(customerId, 'acme-crm')).body, { timeout: 10_000 }).toEqual({ daily: { limit: 15_000, remaining: 14_500 } });
    expect(updates).toBe(2);
  });
});

describe('rate limit headers', () => {
  const headers = (h: Record<string, string>) => new Headers(h);

  it('Salesforce: api-usage of Sforce-Limit-Info (not per-app-api-usage), a rolling daily window', () => {
    expect(salesforceRateLimits(headers({ 'sforce-limit-info': 'api-usage=18/15000' }))).toEqual({ daily: { limit: 15000, remaining: 14982 } });
    expect(salesforceRateLimits(headers({ 'sforce-limit-info': 'per-app-api-usage=17/250(appName=sample); api-usage=25/5000' }))).toEqual({
      daily: { limit: 5000, remaining: 4975 },
    });
    expect(salesforceRateLimits(headers({ 'sforce-limit-info': 'per-app-api-usage=17/250(appName=sample)' }))).toBeNull();
    expect(salesforceRateLimits(headers({}))).toBeNull();
  });

  it('HubSpot: the daily limit, and burst windows named by their interval', () => {
    expect(
      hubspotRateLimits(
        headers({
          'x-hubspot-ratelimit-daily': '250000',
          'x-hubspot-ratelimit-daily-remaining': '249000',
          'x-hubspot-ratelimit-max': '100',
          'x-hubspot-ratelimit-remaining': '99',
          'x-hubspot-ratelimit-interval-milliseconds': '10000',
          'x-hubspot-ratelimit-secondly': '10',
          'x-hubspot-ratelimit-secondly-remaining': '9',
        }),
      ),
    ).toEqual({ daily: { limit: 250000, remaining: 249000 }, other: { per_10s: { limit: 100, remaining: 99 }, per_1s: { limit: 10, remaining: 9 } } });
    expect(hubspotRateLimits(headers({ 'x-hubspot-ratelimit-max': '100', 'x-hubspot-ratelimit-remaining': '5', 'x-hubspot-ratelimit-interval-milliseconds': '2500' }))).toEqual({
      other: { per_2500ms: { limit: 100, remaining: 5 } },
    });
    expect(hubspotRateLimits(headers({ 'x-hubspot-ratelimit-daily': '250000', 'x-hubspot-ratelimit-daily-remaining': 'lots' }))).toBeNull();
  });

  it('Pipedrive: the burst window with its reset time; the daily requests left have no limit to report against', () => {
    const now = Date.parse('2026-03-01T00:00:00Z');
    expect(pipedriveRateLimits(headers({ 'x-ratelimit-limit': '80', 'x-ratelimit-remaining': '79', 'x-ratelimit-reset': '2', 'x-daily-requests-left': '9000' }), now)).toEqual({
      other: { burst: { limit: 80, remaining: 79, reset_time: now / 1000 + 2 } },
    });
    expect(pipedriveRateLimits(headers({ 'x-daily-requests-left': '9000' }), now)).toBeNull();
  });
});
