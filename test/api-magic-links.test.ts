import { beforeAll, describe, expect, it } from 'vitest';
import { useTenants } from './helpers/tenants';

const { api, a, b } = useTenants();
let providerId: string;
beforeAll(async () => {
  await a.request('PUT', '/customers', { body: { customer_id: 'cust-1', name: 'Ada', email: 'ada@example.com' } });
  await b.request('PUT', '/customers', { body: { customer_id: 'cust-b', name: 'Bob', email: 'bob@example.com' } });
  const p = await a.request('POST', '/providers', {
    body: { category: 'crm', auth_type: 'oauth2', name: 'hubspot', config: { oauth: { oauth_scopes: [], credentials: { oauth_client_id: 'id', oauth_client_secret: 'secret' } } } },
  });
  providerId = p.body.id;
  await b.request('PUT', '/connectors/acme', { body: { name: 'Acme', base_url: 'https://acme.example', streams: [{ id: 'contacts', path: '/contacts' }] } });
  await b.request('POST', '/providers', { body: { auth_type: 'api_key', name: 'acme' } });
});

const link = (o: Record<string, unknown> = {}) => ({ customer_id: 'cust-1', provider_name: 'hubspot', return_url: 'https://app.example.com/done', expiration_secs: 3600, ...o });
const fields = (res: { body: any }) => res.body.errors[0].meta.fields.map((f: { field: string }) => f.field);

describe('magic links', () => {
  it('creates, lists and deletes', async () => {
    const before = Date.now();
    const created = await a.request('POST', '/magic_links', { body: link() });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      status: 'new',
      application_id: a.applicationId,
      customer_id: 'cust-1',
      provider_id: providerId,
      provider_name: 'hubspot',
      url: `${api.base}/magic-link/${created.body.id}`,
      return_url: 'https://app.example.com/done',
      expires_at: expect.any(String),
    });
    const expires = Date.parse(created.body.expires_at);
    expect(expires).toBeGreaterThanOrEqual(before + 3600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 3600_000 + 1000);

    const list = await a.request('GET', '/magic_links');
    expect(list.body).toEqual([created.body]);

    expect((await a.request('DELETE', `/magic_links/${created.body.id}`)).status).toBe(204);
    expect((await a.request('GET', '/magic_links')).body).toEqual([]);
    expect((await a.request('DELETE', `/magic_links/${created.body.id}`)).status).toBe(404);
  });

  it('builds the url from the origin the request reached (reverse proxy headers honoured)', async () => {
    const res = await a.request('POST', '/magic_links', { body: link(), headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'sync.example.com' } });
    expect(res.body.url).toBe(`https://sync.example.com/magic-link/${res.body.id}`);
    const bogus = await a.request('POST', '/magic_links', { body: link(), headers: { 'x-forwarded-host': 'evil.com/path?x=' } });
    expect(bogus.body.url).toBe(`${api.base}/magic-link/${bogus.body.id}`);
  });

  it('reports past-expiry links as expired', async () => {
    const created = (await a.request('POST', '/magic_links', { body: link({ expiration_secs: 0.001 }) })).body;
    await new Promise((r) => setTimeout(r, 20));
    const listed = (await a.request('GET', '/magic_links')).body.find((l: { id: string }) => l.id === created.id);
    expect(listed.status).toBe('expired');
  });

  it('needs an existing customer and provider of the same application (404)', async () => {
    const noCustomer = await a.request('POST', '/magic_links', { body: link({ customer_id: 'ghost' }) });
    expect(noCustomer.status).toBe(404);
    expect(noCustomer.body.errors[0].detail).toContain('ghost');
    expect((await a.request('POST', '/magic_links', { body: link({ provider_name: 'salesforce' }) })).status).toBe(404);
    // b's customer and b's provider are invisible to a, and a's to b.
    expect((await a.request('POST', '/magic_links', { body: link({ customer_id: 'cust-b' }) })).status).toBe(404);
    expect((await a.request('POST', '/magic_links', { body: link({ provider_name: 'acme' }) })).status).toBe(404);
    expect((await b.request('POST', '/magic_links', { body: link({ customer_id: 'cust-b' }) })).status).toBe(404);
    const ok = await b.request('POST', '/magic_links', { body: link({ customer_id: 'cust-b', provider_name: 'acme' }) });
    expect(ok.status).toBe(201);
  });

  it('rejects malformed bodies with field-level detail', async () => {
    const res = await a.request('POST', '/magic_links', { body: { customer_id: 'cust-1', return_url: 'javascript:alert(1)', expiration_secs: -5 } });
    expect(res.status).toBe(400);
    expect(fields(res)).toEqual(expect.arrayContaining(['provider_name', 'return_url', 'expiration_secs']));
    expect((await a.request('POST', '/magic_links', { body: link({ expiration_secs: '60' }) })).status).toBe(400);
    expect((await a.request('POST', '/magic_links', { rawBody: 'nope' })).status).toBe(400);
    const nul = await a.request('POST', '/magic_links', { body: link({ provider_name: 'hub\u0000spot' }) });
    expect(nul.status).toBe(400);
    expect(fields(nul)).toEqual(['provider_name']);
  });

  it('keeps tenants apart and answers 404 for unknown and malformed ids', async () => {
    const mine = (await a.request('POST', '/magic_links', { body: link() })).body;
    expect((await b.request('GET', '/magic_links')).body.map((l: { id: string }) => l.id)).not.toContain(mine.id);
    expect((await b.request('DELETE', `/magic_links/${mine.id}`)).status).toBe(404);
    expect((await a.request('DELETE', '/magic_links/not-a-uuid')).status).toBe(404);
    expect((await a.request('DELETE', '/magic_links/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await a.request('GET', '/magic_links')).body.map((l: { id: string }) => l.id)).toContain(mine.id);
  });
});
