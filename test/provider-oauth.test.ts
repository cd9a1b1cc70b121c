import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../providers/errors';
import { createHubspotConnection } from '../providers/hubspot';
import { OAuthSession } from '../providers/oauth';
import { createHttpRuntime } from '../providers/runtime';
import { saveConnectionCredentials } from '../services/connections/connections';
import { credentialLockFor } from '../services/connections/credential-lock';
import { connectionContextFor } from '../services/connections/provider-context';
import { useTenants } from './helpers/tenants';
import { startHubspotSim, type HubspotSim } from './helpers/hubspot-simulator';

const { api, a } = useTenants();
let hs: HubspotSim;
let n = 0;
const runtime = createHttpRuntime({ sleep: async () => {} });

beforeAll(async () => {
  hs = await startHubspotSim();
  hs.upsert('companies', { id: '1', updatedAt: '2026-01-01T00:00:00Z', properties: { name: 'One' } });
  await a.request('POST', '/providers', {
    body: {
      category: 'crm',
      auth_type: 'oauth2',
      name: 'hubspot',
      config: { oauth: { oauth_scopes: ['crm'], credentials: { oauth_client_id: hs.oauth.clientId, oauth_client_secret: hs.oauth.clientSecret } } },
    },
  });
});
afterAll(() => hs?.close());

/** A fresh customer with a HubSpot connection holding these tokens. */
async function connection(tokens: { access_token: string; refresh_token?: string; expires_at?: string }) {
  const customer = `cust-${++n}`;
  await a.request('PUT', '/customers', { body: { customer_id: customer, name: 'C', email: 'c@example.com' } });
  const res = await a.request('POST', `/customers/${customer}/connections`, {
    body: { provider_name: 'hubspot', type: 'oauth2', refresh_token: 'refresh-1', instance_url: hs.url, ...tokens },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  hs.oauth.tokenRequests = 0;
  return res.body.id as string;
}

const stored = async (id: string) => {
  const row = await api.tdb.db.selectFrom('connections').select('credentials_encrypted').where('id', '=', id).executeTakeFirstOrThrow();
  return api.deps.secrets.decryptJson(row.credentials_encrypted!) as Record<string, string>;
};
const read = { object: 'companies', objectType: 'standard' as const, modifiedSince: null, pageState: null };

describe('shared OAuth2 refresh', () => {
  it('five activities reading at once with an expired token make exactly one token request', async () => {
    const id = await connection({ access_token: hs.oauth.issue({ ttlMs: -1 }), expires_at: '2020-01-01T00:00:00Z' });
    const providers = await Promise.all(Array.from({ length: 5 }, async () => createHubspotConnection(await connectionContextFor(api.deps, a.applicationId, id), runtime)));
    const pages = await Promise.all(providers.map((p) => p.readPage(read)));
    expect(pages.map((p) => p.records.map((r) => r.id))).toEqual(Array(5).fill(['1']));
    expect(hs.oauth.tokenRequests).toBe(1);
    const creds = await stored(id);
    expect(hs.oauth.tokens.get(creds.access_token!)).toBeGreaterThan(Date.now());
    expect(Date.parse(creds.expires_at!)).toBeGreaterThan(Date.now());
  });

  it('across processes the advisory lock alone keeps it to one request: the others adopt the stored token', async () => {
    const id = await connection({ access_token: 'old-token', expires_at: '2020-01-01T00:00:00Z' });
    const ctx = await connectionContextFor(api.deps, a.applicationId, id);
    // Five "processes": no shared in-process state, only Postgres.
    const sessions = Array.from(
      { length: 5 },
      () =>
        new OAuthSession(
          { ...ctx, withCredentialLock: credentialLockFor(api.deps.db, api.deps.secrets, a.applicationId, id) },
          { providerLabel: 'HubSpot', tokenUrl: `${hs.url}/oauth/v1/token`, inProcessSingleFlight: false },
        ),
    );
    const tokens = await Promise.all(sessions.map((s) => s.accessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(hs.oauth.tokenRequests).toBe(1);
    expect(sessions.reduce((sum, s) => sum + s.tokenRequests, 0)).toBe(1);
    expect((await stored(id)).access_token).toBe(tokens[0]);
  });

  it('adopts a token another worker refreshed instead of refreshing again', async () => {
    const id = await connection({ access_token: 'old-token', expires_at: '2020-01-01T00:00:00Z' });
    const ctx = await connectionContextFor(api.deps, a.applicationId, id);
    const fresh = hs.oauth.issue();
    await saveConnectionCredentials(api.deps, a.applicationId, id, { access_token: fresh, expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    const page = await createHubspotConnection(ctx, runtime).readPage(read);
    expect(page.records).toHaveLength(1);
    expect(hs.oauth.tokenRequests).toBe(0);
    expect(hs.sim.requests.at(-1)!.headers.authorization).toBe(`Bearer ${fresh}`);
  });

  it('refreshes on a 401 (token revoked before its expiry) and retries the request', async () => {
    const revoked = hs.oauth.issue();
    hs.oauth.expire(revoked);
    const id = await connection({ access_token: revoked, expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    const provider = createHubspotConnection(await connectionContextFor(api.deps, a.applicationId, id), runtime);
    const pages = await Promise.all([provider.readPage(read), provider.readPage(read), provider.readPage(read)]);
    expect(pages.every((p) => p.records.length === 1)).toBe(true);
    expect(hs.oauth.tokenRequests).toBe(1);
    const creds = await stored(id);
    expect(creds.access_token).not.toBe(revoked);
    expect(hs.oauth.tokens.get(creds.access_token!)).toBeGreaterThan(Date.now());
  });

  it('invalid_grant is an authentication error (the sync pauses) that names no secret', async () => {
    const id = await connection({ access_token: hs.oauth.issue({ ttlMs: -1 }), refresh_token: 'revoked-refresh', expires_at: '2020-01-01T00:00:00Z' });
    const provider = createHubspotConnection(await connectionContextFor(api.deps, a.applicationId, id), runtime);
    const err = await provider.readPage(read).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'authentication', pausesSync: true });
    expect(err.message).toMatch(/HubSpot connection needs re-authorization.*invalid_grant/);
    expect(err.message).not.toContain('revoked-refresh');
    expect(err.message).not.toContain(hs.oauth.clientSecret);
    expect((await stored(id)).refresh_token).toBe('revoked-refresh');
  });

  it('a connection without a refresh token fails with authentication when the token expires', async () => {
    const customer = `cust-${++n}`;
    await a.request('PUT', '/customers', { body: { customer_id: customer, name: 'C', email: 'c@example.com' } });
    const res = await a.request('POST', `/customers/${customer}/connections`, {
      body: { provider_name: 'hubspot', type: 'oauth2', access_token: 'short-lived', instance_url: hs.url },
    });
    const provider = createHubspotConnection(await connectionContextFor(api.deps, a.applicationId, res.body.id), runtime);
    const err = await provider.readPage(read).catch((e) => e);
    expect(err).toMatchObject({ kind: 'authentication', status: 401 });
  });
});
