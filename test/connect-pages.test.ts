/**
 * The hosted connect page (GET/POST /magic-link/{id}) in a real browser (Debian's Chromium through
 * playwright-core) against the real API, a worker, a Postgres destination and simulated source
 * APIs: a customer opens the link the API handed out, types credentials, and lands back on the
 * application with a connection that syncs. Lifecycle, CSRF, rate limit and page security through
 * plain HTTP where a browser adds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startWebhookKickListener } from '../services/webhooks/listener';
import { launchBrowser, saveScreenshot, type TestBrowser } from './helpers/browser';
import { startApiSimulator, type ApiSimulator } from './helpers/http-api-simulator';
import { testEncryptionKey } from './helpers/logger';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, destinationRows, ok, startScenario, waitForRuns } from './helpers/sync-scenario';
import { startWebhookReceiver, webhookPayloadProblems, type WebhookReceiver } from './helpers/webhook-receiver';

const RIGHT_KEY = 'sk_live_right_4f9a1c';
const BASIC_USER = 'ada';
const BASIC_PASSWORD = 'pw-correct-horse-7';

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
let basicApi: ApiSimulator;
let app: ApiSimulator;
let receiver: WebhookReceiver;
let b: TestBrowser;
let listener: { close(): Promise<void> };
let webhookSecret: string;

const basicConnector = (baseUrl: string) => ({
  id: 'basic-crm',
  name: 'Basic CRM',
  base_url: baseUrl,
  auth: { type: 'basic', username: '{config.username}', password: '{config.password}' },
  parameters: [
    { name: 'username', label: 'Username', required: true },
    { name: 'password', label: 'Password', required: true, secret: true },
    { name: 'region', label: 'Region', description: 'Where your account lives.', default: 'eu' },
  ],
  streams: [{ id: 'people', path: '/people', primary_key: 'id', records_selector: '$.items' }],
});

beforeAll(async () => {
  [s, source, receiver, b] = await Promise.all([startScenario(), startSourceApi(makeContacts(7), RIGHT_KEY), startWebhookReceiver(), launchBrowser()]);
  // The application's own page that customers come back to.
  app = await startApiSimulator(() => ({ headers: { 'content-type': 'text/html' }, body: '<!doctype html><title>Acme app</title><h1>Back in the Acme app</h1>' }));
  basicApi = await startApiSimulator((req) => {
    const expected = `Basic ${Buffer.from(`${BASIC_USER}:${BASIC_PASSWORD}`).toString('base64')}`;
    if (req.headers.authorization !== expected) return { status: 401, json: { message: 'Bad username or password' } };
    return { json: { items: [{ id: 'p1', name: 'Pat' }] } };
  });
  await configure(s, source, { customerId: 'customer-1', providerName: 'acme-crm' });
  await ok(s.tenant.request('PUT', '/connectors/basic-crm', { body: basicConnector(basicApi.url) }), 201);
  await ok(s.tenant.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: 'basic-crm' } }), 201);
  for (const id of ['customer-2', 'customer-3', 'customer-4'])
    await ok(s.tenant.request('PUT', '/customers', { body: { customer_id: id, name: `Customer ${id.at(-1)}`, email: 'c@example.com' } }));
  const endpoint = await ok(s.tenant.request('POST', '/webhook_endpoints', { body: { url: receiver.url('app'), event_types: ['connection.created'] } }), 201);
  webhookSecret = endpoint.secret;
  receiver.setSecrets('app', webhookSecret);
  listener = startWebhookKickListener(s.worker.deps, { databaseUrl: s.api.tdb.url });
});
afterAll(async () => {
  await listener?.close();
  await b?.close();
  await Promise.all([receiver?.close(), source?.close(), basicApi?.close(), app?.close()]);
  await s?.close();
});

async function newLink(customerId: string, providerName: string, expirationSecs = 3600) {
  return ok(
    s.tenant.request('POST', '/magic_links', {
      body: { customer_id: customerId, provider_name: providerName, return_url: `${app.url}/connected?from=syncwell`, expiration_secs: expirationSecs },
    }),
    201,
  );
}

async function linkStatus(id: string) {
  const links = await ok(s.tenant.request('GET', '/magic_links'));
  return links.find((l: { id: string }) => l.id === id)?.status;
}

const connectionsOf = (customerId: string) =>
  s.api.tdb.db
    .selectFrom('connections')
    .innerJoin('customers', 'customers.id', 'connections.customer_id')
    .selectAll('connections')
    .where('customers.external_id', '=', customerId)
    .execute();

/** A page that records every Content-Security-Policy violation it reports. */
async function openPage(): Promise<{ page: Page; cspViolations: string[] }> {
  const page = await b.context.newPage();
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return { page, cspViolations };
}

/** The form's hidden CSRF token, as a browser would send it. */
async function csrfToken(url: string): Promise<string> {
  const page = await (await fetch(url)).text();
  return /name="csrf_token" value="([^"]+)"/.exec(page)![1]!;
}

const post = (url: string, fields: Record<string, string>, headers: Record<string, string> = { origin: s.api.base }) =>
  fetch(url, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(fields) });

describe('hosted connect page in a browser', () => {
  it('an API-key connector: a wrong key shows the provider’s reason and saves nothing; the right key connects, syncs and notifies', async () => {
    const link = await newLink('customer-1', 'acme-crm');
    const { page, cspViolations } = await openPage();
    const res = await page.goto(link.url);
    expect(res?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('Connect Acme CRM');
    expect(await page.locator('main').textContent()).toContain('Connecting Acme CRM for Cust (customer customer-1) to sync-tenant');
    // Labels tie to their inputs; the secret is masked and empty.
    expect(await page.getByLabel('Base URL').getAttribute('type')).toBe('text');
    expect(await page.getByLabel('API key').getAttribute('type')).toBe('password');
    expect(await page.getByLabel('API key').inputValue()).toBe('');
    expect(await page.locator('fieldset > legend').textContent()).toBe('Your Acme CRM credentials');
    await saveScreenshot(page, 'form');

    await page.getByLabel('Base URL').fill(source.url);
    await page.getByLabel('API key').fill('sk_live_wrong_000');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Connect' }).click()]);
    const alert = page.locator('#form-error');
    await expect(alert.textContent()).resolves.toMatch(/^Acme CRM did not accept these details: GET .*\/contacts.* returned HTTP 401.*invalid api key/);
    expect(source.sim.requests.some((r) => r.headers['x-api-key'] === 'sk_live_wrong_000')).toBe(true);
    // The typed base URL is kept; the key is neither kept nor anywhere in the page.
    expect(await page.getByLabel('Base URL').inputValue()).toBe(source.url);
    expect(await page.getByLabel('API key').inputValue()).toBe('');
    expect(await page.content()).not.toContain('sk_live_wrong_000');
    expect(await connectionsOf('customer-1')).toEqual([]);
    expect(await linkStatus(link.id)).toBe('new');
    await saveScreenshot(page, 'form-error');

    await page.getByLabel('API key').fill(RIGHT_KEY);
    await Promise.all([page.waitForURL(`${app.url}/**`), page.getByRole('button', { name: 'Connect' }).click()]);
    expect(page.url()).toBe(`${app.url}/connected?from=syncwell&status=success&customer_id=customer-1&provider_name=acme-crm`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Back in the Acme app');
    await saveScreenshot(page, 'success-return-page');
    expect(cspViolations).toEqual([]);

    const [conn] = await connectionsOf('customer-1');
    expect(conn).toMatchObject({ provider_name: 'acme-crm', params: { base_url: source.url } });
    expect(s.api.deps.secrets.decryptJson(conn!.credentials_encrypted!)).toEqual({ api_key: RIGHT_KEY });
    expect(JSON.stringify(conn)).not.toContain(RIGHT_KEY);
    expect(await linkStatus(link.id)).toBe('consumed');

    const [run] = await waitForRuns(s.tenant, 'customer-1', 1);
    expect(run).toMatchObject({ status: 'SUCCESS', num_records_synced: 7 });
    expect((await destinationRows(s.destPool)).map((r) => r.id)).toEqual(makeContacts(7).map((c) => c.id));

    await receiver.waitFor(() => receiver.accepted('app').length >= 1, 30_000, 'connection.created');
    const [event] = receiver.accepted('app');
    expect(event!.request.verified).toBe(true);
    expect(event!.body).toMatchObject({ customer_id: 'customer-1', provider_name: 'acme-crm', result: 'SUCCESS' });
    expect(webhookPayloadProblems('connection.created', event!.body)).toEqual([]);

    // Opened again: the link says it was used, and submitting it again creates nothing.
    const again = await page.goto(link.url);
    expect(again?.status()).toBe(410);
    await expect(page.locator('h1').textContent()).resolves.toBe('This link was already used');
    expect(await page.getByRole('link', { name: 'Back to sync-tenant' }).getAttribute('href')).toBe(link.return_url);
    await saveScreenshot(page, 'consumed');
    const resubmit = await post(link.url, { base_url: source.url, api_key: RIGHT_KEY, csrf_token: 'x' });
    expect(resubmit.status).toBe(410);
    expect(await connectionsOf('customer-1')).toHaveLength(1);
    await page.close();
  });

  it('a basic-auth connector: username in the clear, password encrypted, default shown', async () => {
    const link = await newLink('customer-2', 'basic-crm');
    const { page, cspViolations } = await openPage();
    await page.goto(link.url);
    expect(await page.getByLabel('Region').inputValue()).toBe('eu');
    expect(await page.getByLabel('Region').getAttribute('aria-describedby')).toBe('f-region-hint');
    expect(await page.getByLabel('Password').getAttribute('type')).toBe('password');

    // Nothing typed: field-level errors, tied to their inputs, without asking the provider.
    const asked = basicApi.requests.length;
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Connect' }).click()]);
    expect(await page.locator('#f-username-error').textContent()).toBe('Username is required.');
    expect(await page.getByLabel('Username').getAttribute('aria-describedby')).toBe('f-username-error');
    expect(await page.getByLabel('Username').getAttribute('aria-invalid')).toBe('true');
    expect(basicApi.requests.length).toBe(asked);
    await saveScreenshot(page, 'form-field-errors');

    await page.getByLabel('Username').fill(BASIC_USER);
    await page.getByLabel('Password').fill('nope');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Connect' }).click()]);
    await expect(page.locator('#form-error').textContent()).resolves.toContain('Bad username or password');
    expect(await connectionsOf('customer-2')).toEqual([]);

    await page.getByLabel('Password').fill(BASIC_PASSWORD);
    await Promise.all([page.waitForURL(`${app.url}/**`), page.getByRole('button', { name: 'Connect' }).click()]);
    expect(page.url()).toBe(`${app.url}/connected?from=syncwell&status=success&customer_id=customer-2&provider_name=basic-crm`);
    expect(cspViolations).toEqual([]);
    const [conn] = await connectionsOf('customer-2');
    expect(conn!.params).toEqual({ username: BASIC_USER, region: 'eu' });
    expect(s.api.deps.secrets.decryptJson(conn!.credentials_encrypted!)).toEqual({ password: BASIC_PASSWORD });
    expect(JSON.stringify(conn)).not.toContain(BASIC_PASSWORD);
    await page.close();
  });

  it('an expired link says so, offers the way back, and creates nothing', async () => {
    const link = await newLink('customer-3', 'basic-crm', 0.001);
    await new Promise((r) => setTimeout(r, 20));
    const { page } = await openPage();
    const res = await page.goto(link.url);
    expect(res?.status()).toBe(410);
    await expect(page.locator('h1').textContent()).resolves.toBe('This link has expired');
    expect(await page.getByRole('link', { name: 'Back to sync-tenant' }).getAttribute('href')).toBe(link.return_url);
    await saveScreenshot(page, 'expired');
    await page.close();
    const submit = await post(link.url, { username: BASIC_USER, password: BASIC_PASSWORD, csrf_token: 'x' });
    expect(submit.status).toBe(410);
    expect(await connectionsOf('customer-3')).toEqual([]);
    expect(await linkStatus(link.id)).toBe('expired');
  });

  it('an unknown link is a 404 page', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await fetch(`${s.api.base}/magic-link/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toContain('<h1>Link not found</h1>');
    }
  });
});

describe('hosted connect page: submissions', () => {
  it('refuses a POST without the CSRF token, with a wrong one, or from another origin (403), creating nothing', async () => {
    const link = await newLink('customer-3', 'basic-crm');
    const token = await csrfToken(link.url);
    const good = { username: BASIC_USER, password: BASIC_PASSWORD };
    const asked = basicApi.requests.length;
    expect((await post(link.url, good)).status).toBe(403);
    expect((await post(link.url, { ...good, csrf_token: `${token.slice(0, -2)}AA` })).status).toBe(403);
    expect((await post(link.url, { ...good, csrf_token: token }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await post(link.url, { ...good, csrf_token: token }, {})).status).toBe(403); // neither Origin nor Sec-Fetch-Site
    expect(basicApi.requests.length).toBe(asked);
    expect(await connectionsOf('customer-3')).toEqual([]);
    expect(await linkStatus(link.id)).toBe('new');
  });

  it('two concurrent submissions create one connection; the other is told the link was used', async () => {
    const link = await newLink('customer-3', 'basic-crm');
    const token = await csrfToken(link.url);
    const fields = { username: BASIC_USER, password: BASIC_PASSWORD, csrf_token: token };
    const statuses = (await Promise.all([post(link.url, fields), post(link.url, fields), post(link.url, fields)])).map((r) => r.status).sort();
    expect(statuses).toEqual([303, 410, 410]);
    expect(await connectionsOf('customer-3')).toHaveLength(1);
    expect(await linkStatus(link.id)).toBe('consumed');
  });

  it('puts the link back to new when the connection cannot be created (the customer is already connected)', async () => {
    await ok(s.tenant.request('POST', '/customers/customer-4/connections', { body: { provider_name: 'basic-crm', params: { username: 'x', password: 'y' } } }));
    const link = await newLink('customer-4', 'basic-crm');
    const res = await post(link.url, { username: BASIC_USER, password: BASIC_PASSWORD, csrf_token: await csrfToken(link.url) });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Customer 4 is already connected to Basic CRM.');
    expect(await linkStatus(link.id)).toBe('new');
    const conns = await connectionsOf('customer-4');
    expect(conns).toHaveLength(1);
    expect(conns[0]!.params).toMatchObject({ username: 'x' });
  });

  it('a reference access_key_secret provider (gong): its two fields, saved unchecked as the API would (Syncwell cannot call gong)', async () => {
    await ok(s.tenant.request('POST', '/providers', { body: { auth_type: 'api_key', category: 'no_category', name: 'gong' } }), 201);
    const link = await newLink('customer-4', 'gong');
    const page = await (await fetch(link.url)).text();
    expect(page).toContain('<input id="f-access_key" name="access_key" type="text"');
    expect(page).toContain('<input id="f-access_key_secret" name="access_key_secret" type="password"');
    const res = await post(link.url, { access_key: 'AK123', access_key_secret: 'gong-secret-55', csrf_token: await csrfToken(link.url) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${app.url}/connected?from=syncwell&status=success&customer_id=customer-4&provider_name=gong`);
    const conn = (await connectionsOf('customer-4')).find((c) => c.provider_name === 'gong')!;
    expect(s.api.deps.secrets.decryptJson(conn.credentials_encrypted!)).toEqual({ access_key: 'AK123', access_key_secret: 'gong-secret-55' });
  });

  it('limits submissions to 10 per link in 10 minutes (429), counted in the database', async () => {
    const link = await newLink('customer-3', 'acme-crm');
    const token = await csrfToken(link.url);
    for (let i = 0; i < 10; i++) expect((await post(link.url, { base_url: source.url, api_key: `guess-${i}`, csrf_token: token })).status).toBe(422);
    const blocked = await post(link.url, { base_url: source.url, api_key: RIGHT_KEY, csrf_token: token });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('retry-after')).toBe('600');
    expect(source.sim.requests.some((r) => r.headers['x-api-key'] === 'guess-9')).toBe(true);
    expect(await connectionsOf('customer-3')).toHaveLength(1); // the basic-crm one above, no acme-crm
    // A new window once the last one is 10 minutes old.
    await s.api.tdb.db
      .updateTable('magic_links')
      .set({ attempts_window_started_at: new Date(Date.now() - 601_000) })
      .where('id', '=', link.id)
      .execute();
    expect((await post(link.url, { base_url: source.url, api_key: RIGHT_KEY, csrf_token: token })).status).toBe(303);
  });
});

describe('hosted connect page: headers and page source', () => {
  it('sends a strict CSP (form-action: self and the return_url origin), nosniff, no-referrer, no-store', async () => {
    const link = await newLink('customer-3', 'basic-crm');
    const res = await fetch(link.url);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(new RegExp(`^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*'; form-action 'self' ${app.url}; frame-ancestors 'none'; base-uri 'none'$`));
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.text();
    expect(body).not.toMatch(/<script|\s(style|on[a-z]+)=/i);
  });

  it('never puts the encryption key, an OAuth client secret or a submitted secret in the page', async () => {
    const clientSecret = 'hubspot-client-secret-31d7';
    await ok(
      s.tenant.request('POST', '/providers', {
        body: {
          category: 'crm',
          auth_type: 'oauth2',
          name: 'hubspot',
          config: { oauth: { oauth_scopes: ['crm.objects.contacts.read'], credentials: { oauth_client_id: 'hub-id', oauth_client_secret: clientSecret } } },
        },
      }),
      201,
    );
    const oauthLink = await newLink('customer-3', 'hubspot');
    const { page, cspViolations } = await openPage();
    await page.goto(oauthLink.url);
    const button = page.getByRole('button', { name: 'Connect hubspot' });
    expect(await page.locator('form').getAttribute('action')).toBe(`/magic-link/${oauthLink.id}/oauth/start`);
    expect(await page.locator('form').getAttribute('method')).toBe('get');
    expect(await button.isVisible()).toBe(true);
    await saveScreenshot(page, 'oauth-start');
    expect(cspViolations).toEqual([]);
    await page.close();

    const formLink = await newLink('customer-3', 'acme-crm');
    const refused = await post(formLink.url, { base_url: source.url, api_key: 'sk_typed_secret_991', csrf_token: await csrfToken(formLink.url) });
    const pages = [await (await fetch(oauthLink.url)).text(), await (await fetch(formLink.url)).text(), await refused.text()];
    const encryptionKey = testEncryptionKey.split(':')[1]!;
    for (const html of pages) {
      for (const secret of [encryptionKey, clientSecret, 'sk_typed_secret_991', RIGHT_KEY, BASIC_PASSWORD]) expect(html).not.toContain(secret);
    }
    expect(pages[2]).toContain('did not accept these details');
  });
});
