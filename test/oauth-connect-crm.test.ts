/**
 * The hosted OAuth2 connect of the HubSpot and Salesforce built-ins over HTTP, hop by hop (as
 * test/oauth-connect.test.ts does for Pipedrive): each provider's authorization request (scopes,
 * redirect URI, PKCE) against a local authorization server, the code exchange with the client
 * credentials in the form body as both need, tokens stored encrypted; Salesforce's instance_url from
 * the token response lands on the connection and its first sync reads from the simulator at that URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableRows } from './helpers/crm-scenario';
import { postgresDestinationConfig } from './helpers/db';
import { startHubspotSim, type HubspotSim } from './helpers/hubspot-simulator';
import { startAuthzServer, type AuthzServer } from './helpers/oauth-authz-server';
import { startSalesforceSim, type SalesforceSim } from './helpers/salesforce-simulator';
import { ok, startScenario, waitForRuns } from './helpers/sync-scenario';

let s: Awaited<ReturnType<typeof startScenario>>;
let sf: SalesforceSim;
let hs: HubspotSim;
let sfAuthz: AuthzServer;
let hsAuthz: AuthzServer;
const RETURN_URL = 'https://app.example.com/connected';
const HUBSPOT_SCOPES = ['crm.objects.contacts.read', 'oauth'];

async function provider(name: string, clientId: string, clientSecret: string, scopes: string[]) {
  await ok(
    s.tenant.request('POST', '/providers', {
      body: {
        category: 'crm',
        auth_type: 'oauth2',
        name,
        config: { oauth: { oauth_scopes: scopes, credentials: { oauth_client_id: clientId, oauth_client_secret: clientSecret } } },
      },
    }),
    201,
  );
}

beforeAll(async () => {
  [s, sf, hs] = await Promise.all([startScenario(), startSalesforceSim(), startHubspotSim()]);
  [sfAuthz, hsAuthz] = await Promise.all([startAuthzServer(sf.oauth), startAuthzServer(hs.oauth)]);
  // What SYNCWELL_OAUTH_AUTHORIZE_URL_<PROVIDER> / SYNCWELL_OAUTH_TOKEN_URL_<PROVIDER> give a real process.
  for (const deps of [s.api.deps, s.worker.deps]) {
    deps.oauthAuthorizeUrls = { SALESFORCE: sfAuthz.authorizeUrl, HUBSPOT: hsAuthz.authorizeUrl };
    deps.oauthTokenUrls = { SALESFORCE: sfAuthz.tokenUrl, HUBSPOT: hsAuthz.tokenUrl };
  }
  sf.upsert('Contact', { Id: '003A', SystemModstamp: '2026-03-01T00:01:00.000Z', FirstName: 'Ada', LastName: 'Lovelace' });
  sf.upsert('Contact', { Id: '003B', SystemModstamp: '2026-03-01T00:02:00.000Z', FirstName: 'Bob', LastName: 'B' });
  await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: 'sf-1', name: 'SF', email: 'sf@example.com' } }));
  await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: 'hs-1', name: 'HS', email: 'hs@example.com' } }));
  // Salesforce without configured scopes: its profile's default ones (api refresh_token).
  await provider('salesforce', sf.oauth.clientId, sf.oauth.clientSecret, []);
  await provider('hubspot', hs.oauth.clientId, hs.oauth.clientSecret, HUBSPOT_SCOPES);
  await ok(s.tenant.request('POST', '/destinations', { body: { name: 'warehouse', type: 'postgres', config: postgresDestinationConfig(s.dest.url) } }), 201);
  await ok(
    s.tenant.request('POST', '/sync_configs', {
      body: {
        destination_name: 'warehouse',
        provider_name: 'salesforce',
        config: { default_config: { period_ms: 3_600_000, strategy: 'full only', auto_start_on_connection: true }, common_objects: [{ object: 'contact' }] },
      },
    }),
    201,
  );
});
afterAll(async () => {
  await Promise.all([sfAuthz?.close(), hsAuthz?.close()]);
  await Promise.all([sf?.close(), hs?.close()]);
  await s?.close();
});

const get = (url: string) => fetch(url, { redirect: 'manual' });

/** Magic link → start → authorization server → callback → where the customer is sent back. */
async function connect(customerId: string, providerName: string): Promise<URL> {
  const link = await ok(
    s.tenant.request('POST', '/magic_links', { body: { customer_id: customerId, provider_name: providerName, return_url: RETURN_URL, expiration_secs: 3600 } }),
    201,
  );
  const start = await get(`${s.api.base}/magic-link/${link.id}/oauth/start`);
  expect(start.status, await start.clone().text()).toBe(302);
  const consent = await get(start.headers.get('location')!);
  expect(consent.status).toBe(302);
  const cb = await get(consent.headers.get('location')!);
  expect(cb.status, await cb.clone().text()).toBe(303);
  return new URL(cb.headers.get('location')!);
}

const connectionRow = (customer: string, providerName: string) =>
  s.api.tdb.db
    .selectFrom('connections')
    .innerJoin('customers', 'customers.id', 'connections.customer_id')
    .select(['connections.params', 'connections.credentials_encrypted', 'connections.instance_url'])
    .where('customers.external_id', '=', customer)
    .where('connections.provider_name', '=', providerName)
    .executeTakeFirstOrThrow();

/** The code exchange as the token endpoint received it: client credentials in the body, never HTTP Basic. */
function exchangeOf(authz: AuthzServer) {
  const req = authz.sim.requests.find((r) => r.path === '/token')!;
  return { form: Object.fromEntries(new URLSearchParams(req.body)), authorization: req.headers.authorization };
}

function expectEncrypted(row: Awaited<ReturnType<typeof connectionRow>>, tokens: Map<string, number>) {
  const creds = s.api.deps.secrets.decryptJson(row.credentials_encrypted!) as Record<string, string>;
  expect(tokens.has(creds.access_token!)).toBe(true);
  expect(creds.refresh_token).toMatch(/^refresh-/);
  const rowText = JSON.stringify(row);
  expect(rowText).not.toContain(creds.access_token);
  expect(rowText).not.toContain(creds.refresh_token);
}

describe('hosted OAuth connect: Salesforce and HubSpot built-ins', () => {
  it('Salesforce: default scopes, PKCE, secret in the body, instance_url from the token response on the connection, first sync from that instance', async () => {
    await s.worker.run(async () => {
      const back = await connect('sf-1', 'salesforce');
      expect(back.href).toBe(`${RETURN_URL}?status=success&customer_id=sf-1&provider_name=salesforce`);
      const request = Object.fromEntries(sfAuthz.authorizeRequests().at(-1)!);
      expect(request).toMatchObject({
        response_type: 'code',
        client_id: sf.oauth.clientId,
        redirect_uri: `${s.api.base}/oauth/callback`,
        scope: 'api refresh_token',
        code_challenge_method: 'S256',
      });
      expect(request.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);

      const exchange = exchangeOf(sfAuthz);
      expect(exchange.authorization).toBeUndefined();
      expect(exchange.form).toMatchObject({
        grant_type: 'authorization_code',
        client_id: sf.oauth.clientId,
        client_secret: sf.oauth.clientSecret,
        redirect_uri: `${s.api.base}/oauth/callback`,
        code_verifier: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      expect(sfAuthz.exchanges).toBe(1);

      const row = await connectionRow('sf-1', 'salesforce');
      expect(row.instance_url).toBe(sf.url);
      expectEncrypted(row, sf.oauth.tokens);

      const [run] = await waitForRuns(s.tenant, 'sf-1', 1);
      expect(run).toMatchObject({ status: 'SUCCESS', num_records_synced: 2 });
      expect(sf.queries().some((q) => q.includes('FROM Contact'))).toBe(true);
      const contacts = await tableRows(s.destPool, 'crm_contacts');
      expect(contacts.map((r) => [r.id, r.unified?.first_name])).toEqual([
        ['003A', 'Ada'],
        ['003B', 'Bob'],
      ]);
    });
  });

  it("HubSpot: the provider config's scopes, PKCE, secret in the body, tokens encrypted", async () => {
    const back = await connect('hs-1', 'hubspot');
    expect(back.href).toBe(`${RETURN_URL}?status=success&customer_id=hs-1&provider_name=hubspot`);
    expect(Object.fromEntries(hsAuthz.authorizeRequests().at(-1)!)).toMatchObject({
      response_type: 'code',
      client_id: hs.oauth.clientId,
      redirect_uri: `${s.api.base}/oauth/callback`,
      scope: HUBSPOT_SCOPES.join(' '),
      code_challenge_method: 'S256',
    });
    const exchange = exchangeOf(hsAuthz);
    expect(exchange.authorization).toBeUndefined();
    expect(exchange.form).toMatchObject({ grant_type: 'authorization_code', client_id: hs.oauth.clientId, client_secret: hs.oauth.clientSecret });
    const row = await connectionRow('hs-1', 'hubspot');
    expectEncrypted(row, hs.oauth.tokens);
    const creds = s.api.deps.secrets.decryptJson(row.credentials_encrypted!) as Record<string, string>;
    expect(Date.parse(creds.expires_at!)).toBeGreaterThan(Date.now());
  });
});
