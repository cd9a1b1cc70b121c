/**
 * The hosted OAuth2 connect over HTTP, hop by hop (fetch with redirect: 'manual'): magic link →
 * /magic-link/{id}/oauth/start → a local authorization server (PKCE, redirect URI and client
 * secret checked) → /oauth/callback → the link's return_url. Pipedrive (built-in, HTTP Basic client
 * auth, api_domain from the token response) against its simulator, and a declarative oauth2
 * connector; the first sync's records land in a real Postgres destination, webhooks are delivered
 * signed, and every failure creates nothing.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookKickListener } from '../services/webhooks/listener';
import { startAuthzServer, type AuthzServer } from './helpers/oauth-authz-server';
import { publishOAuthConnector, setUpOAuthConnector } from './helpers/oauth-connector';
import { createOAuthSim } from './helpers/oauth-sim';
import { configureCrm, syncStates, tableRows } from './helpers/crm-scenario';
import { startApiSimulator, type ApiSimulator } from './helpers/http-api-simulator';
import { pdTime, startPipedriveSim, type PipedriveSim } from './helpers/pipedrive-simulator';
import { makeContacts } from './helpers/source-api';
import { ok, startScenario, waitForRuns } from './helpers/sync-scenario';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver';

let s: Awaited<ReturnType<typeof startScenario>>;
let pd: PipedriveSim;
let pdAuthz: AuthzServer;
let receiver: WebhookReceiver;
let listener: { close(): Promise<void> };
const run = promisify(execFile);
const RETURN_URL = 'https://app.example.com/connected?from=syncwell';

beforeAll(async () => {
  [s, pd, receiver] = await Promise.all([startScenario(), startPipedriveSim(), startWebhookReceiver()]);
  pdAuthz = await startAuthzServer(pd.oauth, { basicAuth: true });
  // What SYNCWELL_OAUTH_AUTHORIZE_URL_PIPEDRIVE / SYNCWELL_OAUTH_TOKEN_URL_PIPEDRIVE give a real process.
  for (const deps of [s.api.deps, s.worker.deps]) {
    deps.oauthAuthorizeUrls = { PIPEDRIVE: pdAuthz.authorizeUrl };
    deps.oauthTokenUrls = { PIPEDRIVE: pdAuthz.tokenUrl };
  }
  pd.upsert('persons', {
    id: 1,
    name: 'Ada Lovelace',
    first_name: 'Ada',
    last_name: 'Lovelace',
    email: [],
    phone: [],
    add_time: pdTime('2026-03-01T00:00:00Z'),
    update_time: pdTime('2026-03-01T00:01:00Z'),
    active_flag: true,
  });
  const ep = await ok(s.tenant.request('POST', '/webhook_endpoints', { body: { url: receiver.url('hooks'), event_types: ['connection.created', 'connection.updated'] } }), 201);
  receiver.setSecrets('hooks', ep.secret);
  listener = startWebhookKickListener(s.worker.deps, { databaseUrl: s.api.tdb.url });
});
afterAll(async () => {
  await listener?.close();
  await pdAuthz?.close();
  await pd?.close();
  await receiver?.close();
  await s?.close();
});

const get = (url: string) => fetch(url, { redirect: 'manual' });

async function magicLink(customerId: string, providerName: string, returnUrl = RETURN_URL): Promise<{ id: string; url: string }> {
  return ok(s.tenant.request('POST', '/magic_links', { body: { customer_id: customerId, provider_name: providerName, return_url: returnUrl, expiration_secs: 3600 } }), 201);
}

async function linkStatus(id: string): Promise<string> {
  const links = await ok(s.tenant.request('GET', '/magic_links'));
  return (links as Array<{ id: string; status: string }>).find((l) => l.id === id)!.status;
}

/** Start → authorization server → the callback URL it sends the browser to (not yet followed). */
async function authorize(startUrl: string): Promise<string> {
  const start = await get(startUrl);
  expect(start.status, await start.clone().text()).toBe(302);
  const consent = await get(start.headers.get('location')!);
  expect(consent.status).toBe(302);
  const callback = consent.headers.get('location')!;
  expect(callback.startsWith(`${s.api.base}/oauth/callback?`)).toBe(true);
  return callback;
}

/** Follows the callback; returns where it sends the customer. */
async function callback(url: string): Promise<URL> {
  const res = await get(url);
  expect(res.status, await res.clone().text()).toBe(303);
  return new URL(res.headers.get('location')!);
}

const connectionRow = (customer: string, provider: string) =>
  s.api.tdb.db
    .selectFrom('connections')
    .innerJoin('customers', 'customers.id', 'connections.customer_id')
    .select(['connections.id', 'connections.params', 'connections.credentials_encrypted', 'connections.instance_url'])
    .where('customers.external_id', '=', customer)
    .where('connections.provider_name', '=', provider)
    .executeTakeFirst();

describe('hosted OAuth connect: built-in provider (Pipedrive)', () => {
  let customerId: string;

  beforeAll(async () => {
    ({ customerId } = await configureCrm(s, { providerName: 'pipedrive', clientId: pd.oauth.clientId, clientSecret: pd.oauth.clientSecret, common: ['contact'], standard: [] }));
    await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: 'other', name: 'Other', email: 'o@example.com' } }));
  });

  it('connects: PKCE authorization request, tokens encrypted, link consumed, first sync delivered, connection.created signed, exact redirect', async () => {
    const link = await magicLink(customerId, 'pipedrive');
    await s.worker.run(async () => {
      const cb = await authorize(`${s.api.base}/magic-link/${link.id}/oauth/start`);
      const request = pdAuthz.authorizeRequests().at(-1)!;
      expect(Object.fromEntries(request)).toMatchObject({
        response_type: 'code',
        client_id: pd.oauth.clientId,
        redirect_uri: `${s.api.base}/oauth/callback`,
        scope: 'crm',
        code_challenge_method: 'S256',
      });
      expect(request.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(request.get('state')).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);

      const back = await callback(cb);
      expect(back.href).toBe(`${RETURN_URL}&status=success&customer_id=${customerId}&provider_name=pipedrive`);
      expect(pdAuthz.exchanges).toBe(1);

      const row = (await connectionRow(customerId, 'pipedrive'))!;
      const creds = s.api.deps.secrets.decryptJson(row.credentials_encrypted!);
      expect(creds).toMatchObject({ access_token: expect.stringMatching(/^access-/), refresh_token: expect.stringMatching(/^refresh-/), expires_at: expect.any(String) });
      expect(pd.oauth.tokens.has(creds.access_token as string)).toBe(true);
      // Neither token in the clear anywhere in the row.
      const rowText = JSON.stringify(row);
      expect(rowText).not.toContain(creds.access_token as string);
      expect(rowText).not.toContain(creds.refresh_token as string);
      expect(row.params).toEqual({ api_domain: pd.url });
      expect(await linkStatus(link.id)).toBe('consumed');

      const [run] = await waitForRuns(s.tenant, customerId, 1);
      expect(run).toMatchObject({ status: 'SUCCESS', num_records_synced: 1 });
      expect((await tableRows(s.destPool, 'crm_contacts')).map((r) => [r.id, r.raw.name])).toEqual([['1', 'Ada Lovelace']]);

      await receiver.waitFor(() => receiver.accepted('hooks').length >= 1, 30_000, 'connection.created');
      const [created] = receiver.accepted('hooks');
      expect(created!.request.verified).toBe(true);
      expect(created!.body).toMatchObject({ webhook_event_type: 'connection.created', customer_id: customerId, provider_name: 'pipedrive', result: 'SUCCESS' });
    });
  });

  it('a replayed state redirects with invalid_state and changes nothing', async () => {
    const link = await magicLink('other', 'pipedrive');
    const cb = await authorize(`${s.api.base}/magic-link/${link.id}/oauth/start`);
    pdAuthz.failNextExchange = { status: 400, json: { error: 'invalid_grant', error_description: 'code expired' } };
    const first = await callback(cb);
    expect(Object.fromEntries(first.searchParams)).toMatchObject({ status: 'error', error: 'token_exchange_failed' });
    expect(first.searchParams.get('error_description')).toContain('invalid_grant: code expired');
    expect(first.searchParams.get('error_description')).not.toContain(pd.oauth.clientSecret);
    // The token endpoint failed: nothing was created and the link is still usable.
    expect(await connectionRow('other', 'pipedrive')).toBeUndefined();
    expect(await linkStatus(link.id)).toBe('new');

    const replay = await callback(cb);
    expect(`${replay.origin}${replay.pathname}?from=${replay.searchParams.get('from')}`).toBe(RETURN_URL);
    expect(Object.fromEntries(replay.searchParams)).toMatchObject({ status: 'error', error: 'invalid_state', error_description: expect.stringContaining('already used') });
    expect(await connectionRow('other', 'pipedrive')).toBeUndefined();
  });

  it('consent denied redirects with access_denied and creates nothing', async () => {
    const link = await magicLink('other', 'pipedrive');
    pdAuthz.decision = 'deny';
    try {
      const back = await callback(await authorize(`${s.api.base}/magic-link/${link.id}/oauth/start`));
      expect(Object.fromEntries(back.searchParams)).toEqual({ from: 'syncwell', status: 'error', error: 'access_denied', error_description: 'The user denied access' });
    } finally {
      pdAuthz.decision = 'approve';
    }
    expect(await connectionRow('other', 'pipedrive')).toBeUndefined();
    expect(await linkStatus(link.id)).toBe('new');
  });

  it('a link that expired during the authorization redirects with expired_link; a closed link goes back to its page', async () => {
    const link = await magicLink('other', 'pipedrive');
    const cb = await authorize(`${s.api.base}/magic-link/${link.id}/oauth/start`);
    await s.api.tdb.db
      .updateTable('magic_links')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', link.id)
      .execute();
    const exchangesBefore = pdAuthz.exchanges;
    const back = await callback(cb);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ status: 'error', error: 'expired_link' });
    expect(pdAuthz.exchanges).toBe(exchangesBefore);
    expect(await connectionRow('other', 'pipedrive')).toBeUndefined();
    expect(await linkStatus(link.id)).toBe('expired');

    const again = await get(`${s.api.base}/magic-link/${link.id}/oauth/start`);
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe(`${s.api.base}/magic-link/${link.id}`);
  });

  it('a forged or missing state is a 400 page, not a redirect', async () => {
    const cb = new URL(await authorize(`${s.api.base}/magic-link/${(await magicLink('other', 'pipedrive')).id}/oauth/start`));
    const [id] = cb.searchParams.get('state')!.split('.');
    cb.searchParams.set('state', `${id}.${'A'.repeat(43)}`);
    for (const url of [cb.href, `${s.api.base}/oauth/callback?code=x`]) {
      const res = await get(url);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('location')).toBeNull();
    }
    expect(await connectionRow('other', 'pipedrive')).toBeUndefined();
  });

  it('re-authorising resumes the sync the expired grant paused, runs it, and sends connection.updated', async () => {
    await s.worker.run(async () => {
      // The grant is revoked: the next run fails with an authentication error and pauses the sync.
      pd.oauth.refreshTokens.clear();
      for (const t of pd.oauth.tokens.keys()) pd.oauth.expire(t);
      await ok(
        s.tenant.request('POST', '/syncs/_trigger', {
          headers: { 'x-customer-id': customerId, 'x-provider-name': 'pipedrive' },
          body: { object_type: 'common', object: 'contact' },
        }),
      );
      const [failed] = await waitForRuns(s.tenant, customerId, 2);
      expect(failed).toMatchObject({ status: 'FAILURE' });
      expect(await syncStates(s.tenant, customerId)).toMatchObject([{ paused: true, pause_reason: expect.stringContaining('re-author') }]);

      pd.upsert('persons', {
        id: 2,
        name: 'Grace Hopper',
        first_name: 'Grace',
        last_name: 'Hopper',
        email: [],
        phone: [],
        add_time: pdTime('2026-03-02T00:00:00Z'),
        update_time: pdTime('2026-03-02T00:00:00Z'),
        active_flag: true,
      });
      const link = await magicLink(customerId, 'pipedrive');
      const back = await callback(await authorize(`${s.api.base}/magic-link/${link.id}/oauth/start`));
      expect(back.href).toBe(`${RETURN_URL}&status=success&customer_id=${customerId}&provider_name=pipedrive`);
      expect(await linkStatus(link.id)).toBe('consumed');
      const connections = await ok(s.tenant.request('GET', `/customers/${customerId}/connections`));
      expect(connections).toHaveLength(1);
      expect(await syncStates(s.tenant, customerId)).toMatchObject([{ paused: false, pause_reason: null }]);

      const [resumed] = await waitForRuns(s.tenant, customerId, 3);
      expect(resumed).toMatchObject({ status: 'SUCCESS' });
      expect((await tableRows(s.destPool, 'crm_contacts')).map((r) => r.id)).toEqual(['1', '2']);
      await receiver.waitFor(
        () => receiver.accepted('hooks').some((h) => (h.body as { webhook_event_type: string }).webhook_event_type === 'connection.updated'),
        30_000,
        'connection.updated',
      );
      const updated = receiver.accepted('hooks').find((h) => (h.body as { webhook_event_type: string }).webhook_event_type === 'connection.updated')!;
      expect(updated.request.verified).toBe(true);
      expect(updated.body).toEqual({
        webhook_event_type: 'connection.updated',
        connection_id: connections[0].id,
        customer_id: customerId,
        provider_id: connections[0].provider_id,
        category: 'crm',
        provider_name: 'pipedrive',
        result: 'SUCCESS',
      });
    });
  });
});

describe('hosted OAuth connect: declarative oauth2 connector', () => {
  const oauth = createOAuthSim({ clientId: 'decl-client', clientSecret: 'decl-secret' });
  let authz: AuthzServer;
  let api: ApiSimulator;
  const contacts = makeContacts(3);

  beforeAll(async () => {
    authz = await startAuthzServer(oauth);
    api = await startApiSimulator((req) => {
      const denied = oauth.check(req);
      if (denied) return denied;
      return { json: { data: contacts } };
    });
    await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: 'decl-1', name: 'Decl', email: 'd@example.com' } }));
    await setUpOAuthConnector(s, { authz, oauth, apiUrl: api.url, destinationName: 'warehouse-2', authorizationParams: { audience: 'acme-api' } });
  });
  afterAll(async () => {
    await api?.close();
    await authz?.close();
  });

  it('connects with the declared endpoints, scopes and params (client secret in the form body) and syncs with the bearer token', async () => {
    const link = await magicLink('decl-1', 'acme-oauth');
    await s.worker.run(async () => {
      const back = await callback(await authorize(`${s.api.base}/magic-link/${link.id}/oauth/start`));
      expect(back.href).toBe(`${RETURN_URL}&status=success&customer_id=decl-1&provider_name=acme-oauth`);
      expect(Object.fromEntries(authz.authorizeRequests().at(-1)!)).toMatchObject({ scope: 'contacts.read', audience: 'acme-api', client_id: 'decl-client' });
      const exchange = authz.sim.requests.find((r) => r.path === '/token')!;
      expect(new URLSearchParams(exchange.body).get('client_secret')).toBe('decl-secret');

      const [run] = await waitForRuns(s.tenant, 'decl-1', 1);
      expect(run).toMatchObject({ status: 'SUCCESS', num_records_synced: 3 });
      expect((await tableRows(s.destPool, 'acme_oauth_contacts')).map((r) => r.id)).toEqual(contacts.map((c) => c.id));
      const token = api.requests.at(-1)!.headers.authorization;
      expect(token).toMatch(/^Bearer access-/);
      const row = (await connectionRow('decl-1', 'acme-oauth'))!;
      expect(JSON.stringify(row)).not.toContain(String(token).slice(7));
      expect(s.api.deps.secrets.decryptJson(row.credentials_encrypted!)).toMatchObject({ access_token: String(token).slice(7) });

      // The access token expires: the API's 401 makes the connection refresh it (refresh_token grant, client secret in the body) and the run succeeds.
      for (const t of oauth.tokens.keys()) oauth.expire(t);
      await ok(
        s.tenant.request('POST', '/syncs/_trigger', {
          headers: { 'x-customer-id': 'decl-1', 'x-provider-name': 'acme-oauth' },
          body: { object_type: 'standard', object: 'contacts' },
        }),
      );
      const [second] = await waitForRuns(s.tenant, 'decl-1', 2);
      expect(second).toMatchObject({ status: 'SUCCESS', num_records_synced: 3 });
      expect(oauth.tokenRequests).toBe(1);
      const refreshed = s.api.deps.secrets.decryptJson((await connectionRow('decl-1', 'acme-oauth'))!.credentials_encrypted!);
      expect(refreshed.access_token).not.toBe(String(token).slice(7));
      expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${refreshed.access_token}`);
    });
  });

  it('GET /oauth/connect works only for an application that opted in, and only back to an allowed origin', async () => {
    await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: 'decl-2', name: 'Decl 2', email: 'd2@example.com' } }));
    const connect = (returnUrl: string) =>
      `${s.api.base}/oauth/connect?${new URLSearchParams({ applicationId: s.tenant.applicationId, customerId: 'decl-2', providerName: 'acme-oauth', returnUrl, scope: 'contacts.read contacts.write' })}`;
    expect((await get(connect('https://app.example.com/back'))).status).toBe(404);

    // The operator's opt-in, as the README says to run it.
    const cli = await run(
      path.resolve('node_modules/.bin/tsx'),
      ['cli.ts', 'applications', 'hosted-oauth', '--id', s.tenant.applicationId, '--allow-origin', 'https://app.example.com/'],
      {
        env: { ...process.env, DATABASE_URL: s.api.tdb.url, LOG_LEVEL: 'silent' },
      },
    );
    expect(cli.stdout).toContain(`Hosted OAuth connect is on for application ${s.tenant.applicationId}, returning to https://app.example.com`);
    expect((await get(connect('https://evil.example.net/back'))).status).toBe(400);
    await s.worker.run(async () => {
      const back = await callback(await authorize(connect('https://app.example.com/back')));
      expect(back.href).toBe('https://app.example.com/back?status=success&customer_id=decl-2&provider_name=acme-oauth');
      expect(authz.authorizeRequests().at(-1)!.get('scope')).toBe('contacts.read contacts.write');
      await waitForRuns(s.tenant, 'decl-2', 1);
    });
    expect(await connectionRow('decl-2', 'acme-oauth')).toBeDefined();
  });

  it('a connector whose required parameters OAuth cannot collect fails at the start, before the provider, and creates nothing', async () => {
    await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: 'decl-3', name: 'Decl 3', email: 'd3@example.com' } }));
    await publishOAuthConnector(s, {
      authz,
      oauth,
      apiUrl: api.url,
      id: 'acme-regional',
      name: 'Acme Regional',
      scopes: ['contacts.read'],
      parameters: [{ name: 'region', required: true }],
    });
    const link = await magicLink('decl-3', 'acme-regional');
    const authorizations = authz.authorizeRequests().length;
    const start = await get(`${s.api.base}/magic-link/${link.id}/oauth/start`);
    expect(start.status).toBe(302);
    const back = new URL(start.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe('https://app.example.com/connected');
    expect(Object.fromEntries(back.searchParams)).toEqual({
      from: 'syncwell',
      status: 'error',
      error: 'connector_misconfigured',
      error_description: expect.stringContaining('requires parameters the OAuth flow does not collect (region)'),
    });
    expect(authz.authorizeRequests()).toHaveLength(authorizations);
    expect(await s.api.tdb.db.selectFrom('oauth_states').select('id').where('magic_link_id', '=', link.id).execute()).toEqual([]);
    expect(await connectionRow('decl-3', 'acme-regional')).toBeUndefined();
    expect(await linkStatus(link.id)).toBe('new');
  });
});
