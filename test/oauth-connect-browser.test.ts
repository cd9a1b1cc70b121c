/**
 * The hosted OAuth connect in a real browser (Debian's Chromium through playwright-core): the customer
 * opens the magic link, presses Connect, and Chromium follows start → authorization server → callback
 * → the application's page on its own, under the page's Content-Security-Policy (form-action is
 * checked on every redirect of the form submission). The connection then syncs into Postgres. The
 * failures a customer can meet (consent denied, a replayed callback, the link expiring meanwhile) end
 * on the application with status=error and create nothing; a re-authorisation resumes a paused sync.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, saveScreenshot, type TestBrowser } from './helpers/browser';
import { startApiSimulator, type ApiSimulator } from './helpers/http-api-simulator';
import { startAuthzServer, type AuthzServer } from './helpers/oauth-authz-server';
import { publishOAuthConnector, setUpOAuthConnector } from './helpers/oauth-connector';
import { createOAuthSim } from './helpers/oauth-sim';
import { makeContacts } from './helpers/source-api';
import { ok, startScenario, waitForRuns } from './helpers/sync-scenario';
import { syncStates, tableRows } from './helpers/crm-scenario';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver';
import { startWebhookKickListener } from '../services/webhooks/listener';

let s: Awaited<ReturnType<typeof startScenario>>;
let b: TestBrowser;
let authz: AuthzServer;
let api: ApiSimulator;
let app: ApiSimulator;
let receiver: WebhookReceiver;
let listener: { close(): Promise<void> };
const oauth = createOAuthSim({ clientId: 'browser-client', clientSecret: 'browser-secret-9f2' });
const contacts = makeContacts(4);

beforeAll(async () => {
  [s, b, authz, receiver] = await Promise.all([startScenario(), launchBrowser(), startAuthzServer(oauth), startWebhookReceiver()]);
  app = await startApiSimulator(() => ({ headers: { 'content-type': 'text/html' }, body: '<!doctype html><title>Acme app</title><h1>Back in the Acme app</h1>' }));
  api = await startApiSimulator((req) => oauth.check(req) ?? { json: { data: contacts } });
  for (const id of ['browser-1', 'browser-2', 'browser-3', 'browser-4']) {
    await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: id, name: `Customer ${id}`, email: `${id}@example.com` } }));
  }
  await setUpOAuthConnector(s, { authz, oauth, apiUrl: api.url, destinationName: 'warehouse' });
  const ep = await ok(s.tenant.request('POST', '/webhook_endpoints', { body: { url: receiver.url('hooks'), event_types: ['connection.updated'] } }), 201);
  receiver.setSecrets('hooks', ep.secret);
  listener = startWebhookKickListener(s.worker.deps, { databaseUrl: s.api.tdb.url });
});

async function openLink(customerId: string) {
  const link = await ok(
    s.tenant.request('POST', '/magic_links', { body: { customer_id: customerId, provider_name: 'acme-oauth', return_url: `${app.url}/connected`, expiration_secs: 3600 } }),
    201,
  );
  const page = await b.context.newPage();
  await page.goto(link.url);
  return { link: link as { id: string; url: string }, page };
}

/** Presses Connect and waits until the browser is back on the application. */
async function connectAndReturn(page: Awaited<ReturnType<typeof openLink>>['page']): Promise<URL> {
  await page.getByRole('button', { name: 'Connect Acme OAuth' }).click();
  await page.waitForURL(`${app.url}/connected?**`);
  expect(await page.getByRole('heading').textContent()).toBe('Back in the Acme app');
  return new URL(page.url());
}

const connectionCount = async (customer: string) =>
  (
    await s.api.tdb.db
      .selectFrom('connections')
      .innerJoin('customers', 'customers.id', 'connections.customer_id')
      .select('connections.id')
      .where('customers.external_id', '=', customer)
      .execute()
  ).length;

const linkStatus = async (id: string) => (await s.api.tdb.db.selectFrom('magic_links').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
afterAll(async () => {
  await b?.close();
  await listener?.close();
  await Promise.all([authz?.close(), api?.close(), app?.close(), receiver?.close()]);
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

  it('consent denied: back on the application with status=error&error=access_denied, nothing created, the link still usable', async () => {
    const { link, page } = await openLink('browser-2');
    authz.decision = 'deny';
    try {
      const back = await connectAndReturn(page);
      expect(back.href).toBe(`${app.url}/connected?status=error&error=access_denied&error_description=The+user+denied+access`);
    } finally {
      authz.decision = 'approve';
    }
    expect(await connectionCount('browser-2')).toBe(0);
    expect(await linkStatus(link.id)).toBe('new');
    await page.close();
  });

  it('the browser replays the callback URL after connecting: invalid_state, no second exchange, no second connection', async () => {
    const { page } = await openLink('browser-3');
    let callbackUrl: string | undefined;
    page.on('request', (r) => {
      if (r.url().startsWith(`${s.api.base}/oauth/callback?`)) callbackUrl = r.url();
    });
    const exchanges = authz.exchanges;
    await s.worker.run(async () => {
      expect((await connectAndReturn(page)).searchParams.get('status')).toBe('success');
      await waitForRuns(s.tenant, 'browser-3', 1);
    });
    expect(callbackUrl).toBeDefined();
    await page.goto(callbackUrl!);
    await page.waitForURL(`${app.url}/connected?**`);
    const replay = new URL(page.url());
    expect(Object.fromEntries(replay.searchParams)).toEqual({
      status: 'error',
      error: 'invalid_state',
      error_description: 'This authorization was already used; start connecting again',
    });
    expect(authz.exchanges).toBe(exchanges + 1);
    expect(await connectionCount('browser-3')).toBe(1);
    await page.close();
  });

  it('the link expires while the customer is at the provider: expired_link on the application, no code exchanged, nothing created', async () => {
    const { link, page } = await openLink('browser-4');
    // The real start answers (its state row is stored); the link's time runs out before the browser reaches the provider.
    await page.route(`**/magic-link/${link.id}/oauth/start**`, async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      expect(response.status()).toBe(302);
      await s.api.tdb.db
        .updateTable('magic_links')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('id', '=', link.id)
        .execute();
      await route.fulfill({ response });
    });
    const exchanges = authz.exchanges;
    const back = await connectAndReturn(page);
    expect(back.href).toBe(`${app.url}/connected?status=error&error=expired_link&error_description=This+link+has+expired`);
    expect(authz.exchanges).toBe(exchanges);
    expect(await connectionCount('browser-4')).toBe(0);
    await page.close();
  });

  it('a connector whose required parameters OAuth cannot collect: Connect goes straight back to the application with connector_misconfigured', async () => {
    await publishOAuthConnector(s, { authz, oauth, apiUrl: api.url, id: 'acme-regional', name: 'Acme Regional', parameters: [{ name: 'region', required: true }] });
    const link = await ok(
      s.tenant.request('POST', '/magic_links', { body: { customer_id: 'browser-2', provider_name: 'acme-regional', return_url: `${app.url}/connected`, expiration_secs: 3600 } }),
      201,
    );
    const authorizations = authz.authorizeRequests().length;
    const page = await b.context.newPage();
    await page.goto(link.url);
    await page.getByRole('button', { name: 'Connect Acme Regional' }).click();
    await page.waitForURL(`${app.url}/connected?**`);
    const back = new URL(page.url());
    expect(back.searchParams.get('status')).toBe('error');
    expect(back.searchParams.get('error')).toBe('connector_misconfigured');
    expect(back.searchParams.get('error_description')).toContain('(region)');
    expect(authz.authorizeRequests()).toHaveLength(authorizations);
    expect(await connectionCount('browser-2')).toBe(0);
    await page.close();
  });

  it('re-authorising in the browser resumes the sync an auth error paused: a new SUCCESS run and connection.updated delivered signed', async () => {
    await s.worker.run(async () => {
      // browser-1's grant is revoked: the next run's refresh fails, which pauses the sync for re-authorisation.
      oauth.refreshTokens.clear();
      for (const t of oauth.tokens.keys()) oauth.expire(t);
      await ok(
        s.tenant.request('POST', '/syncs/_trigger', {
          headers: { 'x-customer-id': 'browser-1', 'x-provider-name': 'acme-oauth' },
          body: { object_type: 'standard', object: 'contacts' },
        }),
      );
      const [failed] = await waitForRuns(s.tenant, 'browser-1', 2);
      expect(failed).toMatchObject({ status: 'FAILURE' });
      expect(await syncStates(s.tenant, 'browser-1')).toMatchObject([{ paused: true, pause_reason: expect.any(String) }]);

      const { link, page } = await openLink('browser-1');
      const back = await connectAndReturn(page);
      expect(back.href).toBe(`${app.url}/connected?status=success&customer_id=browser-1&provider_name=acme-oauth`);
      expect(await linkStatus(link.id)).toBe('consumed');
      expect(await connectionCount('browser-1')).toBe(1);
      expect(await syncStates(s.tenant, 'browser-1')).toMatchObject([{ paused: false, pause_reason: null }]);

      const [resumed] = await waitForRuns(s.tenant, 'browser-1', 3);
      expect(resumed).toMatchObject({ status: 'SUCCESS', num_records_synced: 4 });
      expect(api.requests.at(-1)!.headers.authorization).toMatch(/^Bearer access-/);
      await receiver.waitFor(() => receiver.accepted('hooks').length >= 1, 30_000, 'connection.updated');
      const [updated] = receiver.accepted('hooks');
      expect(updated!.request.verified).toBe(true);
      expect(updated!.body).toMatchObject({ webhook_event_type: 'connection.updated', customer_id: 'browser-1', provider_name: 'acme-oauth', result: 'SUCCESS' });
      await page.close();
    });
  });
});
