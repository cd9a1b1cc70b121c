/**
 * The hosted OAuth connect in a real browser (Debian's Chromium through playwright-core): the customer
 * opens the magic link, presses Connect, and Chromium follows start → authorization server → callback
 * → the application's page on its own, under the page's Content-Security-Policy (form-action is
 * checked on every redirect of the form submission). The connection then syncs into Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, saveScreenshot, type TestBrowser } from './helpers/browser';
import { postgresDestinationConfig } from './helpers/db';
import { startApiSimulator, type ApiSimulator } from './helpers/http-api-simulator';
import { startAuthzServer, type AuthzServer } from './helpers/oauth-authz-server';
import { createOAuthSim } from './helpers/oauth-sim';
import { makeContacts } from './helpers/source-api';
import { ok, startScenario, waitForRuns } from './helpers/sync-scenario';
import { tableRows } from './helpers/crm-scenario';

let s: Awaited<ReturnType<typeof startScenario>>;
let b: TestBrowser;
let authz: AuthzServer;
let api: ApiSimulator;
let app: ApiSimulator;
const oauth = createOAuthSim({ clientId: 'browser-client', clientSecret: 'browser-secret-9f2' });
const contacts = makeContacts(4);

beforeAll(async () => {
  [s, b, authz] = await Promise.all([startScenario(), launchBrowser(), startAuthzServer(oauth)]);
  app = await startApiSimulator(() => ({ headers: { 'content-type': 'text/html' }, body: '<!doctype html><title>Acme app</title><h1>Back in the Acme app</h1>' }));
  api = await startApiSimulator((req) => oauth.check(req) ?? { json: { data: contacts } });
  await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: 'browser-1', name: 'Browser Customer', email: 'b@example.com' } }));
  await ok(
    s.tenant.request('PUT', '/connectors/acme-oauth', {
      body: {
        id: 'acme-oauth',
        name: 'Acme OAuth',
        base_url: api.url,
        auth: { type: 'oauth2', authorization_url: authz.authorizeUrl, token_url: authz.tokenUrl, scopes: ['contacts.read'] },
        streams: [{ id: 'contacts', path: '/contacts', primary_key: 'id', records_selector: '$.data' }],
      },
    }),
    201,
  );
  await ok(
    s.tenant.request('POST', '/providers', {
      body: {
        auth_type: 'oauth2',
        category: 'no_category',
        name: 'acme-oauth',
        config: { oauth: { oauth_scopes: [], credentials: { oauth_client_id: oauth.clientId, oauth_client_secret: oauth.clientSecret } } },
      },
    }),
    201,
  );
  await ok(s.tenant.request('POST', '/destinations', { body: { name: 'warehouse', type: 'postgres', config: postgresDestinationConfig(s.dest.url) } }), 201);
  await ok(
    s.tenant.request('POST', '/sync_configs', {
      body: {
        destination_name: 'warehouse',
        provider_name: 'acme-oauth',
        config: { default_config: { period_ms: 3_600_000, strategy: 'full only', auto_start_on_connection: true }, standard_objects: [{ object: 'contacts' }] },
      },
    }),
    201,
  );
});
afterAll(async () => {
  await b?.close();
  await Promise.all([authz?.close(), api?.close(), app?.close()]);
  await s?.close();
});

describe('hosted OAuth connect in a browser', () => {
  it('Connect → consent → back on the application with status=success, and the first sync lands', async () => {
    const link = await ok(
      s.tenant.request('POST', '/magic_links', { body: { customer_id: 'browser-1', provider_name: 'acme-oauth', return_url: `${app.url}/connected`, expiration_secs: 3600 } }),
      201,
    );
    const page = await b.context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await s.worker.run(async () => {
      await page.goto(link.url);
      await page.getByRole('button', { name: 'Connect Acme OAuth' }).click();
      await page.waitForURL(`${app.url}/connected?**`);
      expect(page.url()).toBe(`${app.url}/connected?status=success&customer_id=browser-1&provider_name=acme-oauth`);
      expect(await page.getByRole('heading').textContent()).toBe('Back in the Acme app');
      expect(violations).toEqual([]);
      expect(authz.exchanges).toBe(1);

      const [run] = await waitForRuns(s.tenant, 'browser-1', 1);
      expect(run).toMatchObject({ status: 'SUCCESS', num_records_synced: 4 });
      expect((await tableRows(s.destPool, 'acme_oauth_contacts')).map((r) => r.id)).toEqual(contacts.map((c) => c.id));
    });

    // The state was used once; a callback with a forged one has no return URL to trust: a 400 page.
    const state = await s.api.tdb.db.selectFrom('oauth_states').select('used_at').where('magic_link_id', '=', link.id).executeTakeFirstOrThrow();
    expect(state.used_at).not.toBeNull();
    const forged = await page.goto(`${s.api.base}/oauth/callback?code=x&state=forged`);
    expect(forged?.status()).toBe(400);
    expect(await page.getByRole('heading').textContent()).toBe('This connection attempt is not valid');
    await saveScreenshot(page, 'oauth-invalid-state');
    await page.close();
  });
});
