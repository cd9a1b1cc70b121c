import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../services/webhooks/events';
import { attemptWebhookDelivery, webhookMessageId } from '../services/webhooks/delivery';
import { useTenants } from './helpers/tenants';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver';

const { api, a, b } = useTenants();
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(() => receiver?.close());

const SECRET = /^whsec_[A-Za-z0-9+/]+=*$/;

describe('webhook endpoints', () => {
  it('creates an endpoint; the secret is in the create response only, encrypted at rest', async () => {
    const created = await a.request('POST', '/webhook_endpoints', { body: { url: 'https://example.com/hook', description: 'main' } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      url: 'https://example.com/hook',
      description: 'main',
      event_types: null,
      enabled: true,
      disabled_reason: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      secret: expect.stringMatching(SECRET),
    });
    const secret = created.body.secret as string;
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);

    const got = await a.request('GET', `/webhook_endpoints/${created.body.id}`);
    expect(got.status).toBe(200);
    const { secret: _, ...withoutSecret } = created.body;
    expect(got.body).toEqual(withoutSecret);
    const list = await a.request('GET', '/webhook_endpoints');
    expect(list.body).toEqual([withoutSecret]);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');

    const row = await api.tdb.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', created.body.id).executeTakeFirstOrThrow();
    expect(row.secret_encrypted).not.toContain(secret.slice(6));
    expect(api.deps.secrets.decrypt(row.secret_encrypted)).toBe(secret);
  });

  it('keeps several endpoints per application, with event type filters', async () => {
    const one = await a.request('POST', '/webhook_endpoints', { body: { url: 'http://example.com/one', event_types: ['sync.complete', 'sync.paused', 'sync.complete'] } });
    expect(one.status).toBe(201);
    expect(one.body.event_types).toEqual(['sync.complete', 'sync.paused']);
    const two = await a.request('POST', '/webhook_endpoints', { body: { url: 'http://example.com/two', enabled: false } });
    expect(two.body).toMatchObject({ enabled: false, event_types: null });
    const list = await a.request('GET', '/webhook_endpoints');
    expect(list.body.map((e: { url: string }) => e.url)).toEqual(expect.arrayContaining(['http://example.com/one', 'http://example.com/two']));
  });

  it('updates with PATCH (only the fields given) and deletes', async () => {
    const created = await a.request('POST', '/webhook_endpoints', { body: { url: 'https://example.com/p', description: 'd', event_types: ['connection.created'] } });
    const id = created.body.id;
    const patched = await a.request('PATCH', `/webhook_endpoints/${id}`, { body: { enabled: false, event_types: null } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ url: 'https://example.com/p', description: 'd', event_types: null, enabled: false });
    expect(patched.body.secret).toBeUndefined();
    const again = await a.request('PATCH', `/webhook_endpoints/${id}`, { body: { url: 'http://example.org/q', description: null } });
    expect(again.body).toMatchObject({ url: 'http://example.org/q', description: null, enabled: false });

    expect((await a.request('DELETE', `/webhook_endpoints/${id}`)).status).toBe(204);
    expect((await a.request('GET', `/webhook_endpoints/${id}`)).status).toBe(404);
    expect((await a.request('DELETE', `/webhook_endpoints/${id}`)).status).toBe(404);
  });

  it('rotates the secret: a new one, returned once, used for the next signature', async () => {
    const created = await a.request('POST', '/webhook_endpoints', { body: { url: receiver.url('rotate') } });
    const rotated = await a.request('POST', `/webhook_endpoints/${created.body.id}/_rotate_secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(SECRET);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    expect((await a.request('GET', `/webhook_endpoints/${created.body.id}`)).body.secret).toBeUndefined();

    // The next attempt is signed with the new secret only.
    receiver.setSecrets('rotate', rotated.body.secret);
    const event = await recordEvent(api.tdb.db, a.applicationId, 'connection.created', {
      customer_id: 'c',
      provider_id: 'p',
      category: 'crm',
      provider_name: 'hubspot',
      result: 'SUCCESS',
    });
    const r = await attemptWebhookDelivery(api.deps, { eventId: event.id, endpointId: created.body.id, workflowId: 'test:rotate', attempt: 1 });
    expect(r).toMatchObject({ outcome: 'delivered', statusCode: 200, error: null });
    const [req] = receiver.requests('rotate');
    expect(req!.verified).toBe(true);
    expect(() => new Webhook(created.body.secret).verify(req!.body, req!.headers)).toThrow(/signature/);
  });

  it('validates the body: http(s) URL without credentials, known event types, no unknown fields', async () => {
    const bad = async (body: unknown) => {
      const res = await a.request('POST', '/webhook_endpoints', { body });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      return res.body.errors[0];
    };
    for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'javascript:alert(1)', 'not a url', 'https://user:pw@example.com/x', '']) {
      expect((await bad({ url })).detail).toMatch(/url/);
    }
    expect((await bad({ url: 'https://example.com', event_types: ['sync.exploded'] })).detail).toMatch(/event_types/);
    expect((await bad({ url: 'https://example.com', event_types: [] })).detail).toMatch(/event_types/);
    expect((await bad({ url: 'https://example.com', secret: 'whsec_mine' })).detail).toMatch(/secret|Unrecognized/i);
    expect((await bad({ description: 'no url' })).detail).toMatch(/url/);

    const created = await a.request('POST', '/webhook_endpoints', { body: { url: 'https://example.com/v' } });
    const patch = await a.request('PATCH', `/webhook_endpoints/${created.body.id}`, { body: { url: 'gopher://example.com' } });
    expect(patch.status).toBe(400);
    expect((await a.request('PATCH', `/webhook_endpoints/${created.body.id}`, { body: { enabled: 'yes' } })).status).toBe(400);
  });

  it('isolates tenants: another application gets 404 for every operation', async () => {
    const created = await a.request('POST', '/webhook_endpoints', { body: { url: 'https://example.com/mine' } });
    const id = created.body.id;
    expect((await b.request('GET', `/webhook_endpoints/${id}`)).status).toBe(404);
    expect((await b.request('PATCH', `/webhook_endpoints/${id}`, { body: { enabled: false } })).status).toBe(404);
    expect((await b.request('POST', `/webhook_endpoints/${id}/_rotate_secret`)).status).toBe(404);
    expect((await b.request('DELETE', `/webhook_endpoints/${id}`)).status).toBe(404);
    expect((await b.request('GET', '/webhook_endpoints')).body).toEqual([]);
    expect((await a.request('GET', `/webhook_endpoints/${id}`)).body.enabled).toBe(true);
    expect((await a.request('GET', '/webhook_endpoints/not-a-uuid')).status).toBe(404);
  });

  it('needs an API key', async () => {
    const res = await fetch(`${api.base}/mgmt/v2/webhook_endpoints`);
    expect(res.status).toBe(401);
  });
});

describe('webhook event log', () => {
  it('lists every event of the application in order with cursor paging, filters by type, and isolates tenants', async () => {
    const c = await api.newTenant('log');
    const types = ['connection.created', 'sync.complete', 'sync.paused', 'sync.complete', 'connection.deleted'] as const;
    const ids: string[] = [];
    for (const [i, type] of types.entries()) ids.push((await recordEvent(api.tdb.db, c.applicationId, type, { n: i })).id);
    await recordEvent(api.tdb.db, a.applicationId, 'sync.complete', { other: true });

    const all = await c.request('GET', '/webhook_events');
    expect(all.status).toBe(200);
    expect(all.body.results).toEqual(types.map((type, i) => ({ id: ids[i], type, payload: { webhook_event_type: type, n: i }, created_at: expect.any(String) })));

    const paged: string[] = [];
    let after: string | null = null;
    let requests = 0;
    for (;;) {
      const page: { body: { next: string | null; results: Array<{ id: string }> } } = await c.request('GET', `/webhook_events?page_size=2${after ? `&after=${after}` : ''}`);
      requests++;
      paged.push(...page.body.results.map((r) => r.id));
      if (!page.body.next) break;
      after = page.body.next;
    }
    expect(paged).toEqual(ids);
    expect(requests).toBe(4); // 2 + 2 + 1, then an empty page with next null

    // Tail: a new event appears after the last cursor.
    const more = await recordEvent(api.tdb.db, c.applicationId, 'sync.paused', { n: 5 });
    const tail = await c.request('GET', `/webhook_events?after=${after}`);
    expect(tail.body.results.map((r: { id: string }) => r.id)).toEqual([more.id]);

    const filtered = await c.request('GET', '/webhook_events?event_type=sync.complete');
    expect(filtered.body.results.map((r: { id: string }) => r.id)).toEqual([ids[1], ids[3]]);

    expect((await c.request('GET', '/webhook_events?after=garbage')).status).toBe(400);
    expect((await c.request('GET', '/webhook_events?event_type=nope')).status).toBe(400);
    expect((await c.request('GET', '/webhook_events?page_size=0')).status).toBe(400);

    const other = await b.request('GET', '/webhook_events');
    expect(other.body).toEqual({ next: null, results: [] });
    expect((await b.request('GET', `/webhook_events/${ids[0]}/deliveries`)).status).toBe(404);
    expect((await b.request('POST', `/webhook_events/${ids[0]}/_redeliver`)).status).toBe(404);
    expect((await c.request('GET', `/webhook_events/${ids[0]}/deliveries`)).body).toEqual({ results: [] });
    expect((await c.request('GET', '/webhook_events/not-a-uuid/deliveries')).status).toBe(404);
  });

  it('waits for an event still being committed instead of listing a later one past it', async () => {
    const c = await api.newTenant('horizon');
    const first = await recordEvent(api.tdb.db, c.applicationId, 'sync.complete', { n: 1 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inTrx!: () => void;
    const started = new Promise<void>((r) => (inTrx = r));
    const slow = api.tdb.db.transaction().execute(async (trx) => {
      const e = await recordEvent(trx, c.applicationId, 'sync.complete', { n: 2 });
      inTrx();
      await gate;
      return e;
    });
    await started;
    // Writers do not wait for each other: this one commits a higher seq first.
    const later = await recordEvent(api.tdb.db, c.applicationId, 'sync.complete', { n: 3 });
    let settled = false;
    const listing = c.request('GET', '/webhook_events').then((r) => {
      settled = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    // Another application's log is not held up.
    expect((await a.request('GET', '/webhook_events')).status).toBe(200);
    release();
    const second = await slow;
    const res = await listing;
    expect(res.body.results.map((r: { id: string }) => r.id)).toEqual([first.id, second.id, later.id]);
  });
});

describe('one delivery attempt', () => {
  it('treats redirects as failures (never followed), times out, and sends no credentials of ours', async () => {
    const ep = await a.request('POST', '/webhook_endpoints', { body: { url: receiver.url('redirect') } });
    const slowEp = await a.request('POST', '/webhook_endpoints', { body: { url: receiver.url('slow') } });
    receiver.setSecrets('redirect', ep.body.secret);
    receiver.setSecrets('slow', slowEp.body.secret);
    receiver.respond('redirect', () => 302);
    receiver.respond('slow', () => 'hang');
    const event = await recordEvent(api.tdb.db, a.applicationId, 'sync.paused', { connection_id: 'x' });

    const redirected = await attemptWebhookDelivery(api.deps, { eventId: event.id, endpointId: ep.body.id, workflowId: 'test:redirect', attempt: 1 });
    expect(redirected).toMatchObject({ outcome: 'retry', statusCode: 302, error: 'HTTP 302 (redirects are not followed)' });
    const [req] = receiver.requests('redirect');
    expect(req!.verified).toBe(true);
    expect(req!.headers['webhook-id']).toBe(webhookMessageId(event.id, ep.body.id));
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.headers['x-api-key']).toBeUndefined();
    expect(req!.headers.cookie).toBeUndefined();
    expect(JSON.parse(req!.body)).toEqual({ webhook_event_type: 'sync.paused', connection_id: 'x' });

    const timedOut = await attemptWebhookDelivery(api.deps, { eventId: event.id, endpointId: slowEp.body.id, workflowId: 'test:slow', attempt: 1 }, { timeoutMs: 300 });
    expect(timedOut).toMatchObject({ outcome: 'retry', statusCode: null, error: 'timed out after 300 ms' });

    const deliveries = await a.request('GET', `/webhook_events/${event.id}/deliveries`);
    expect(deliveries.body.results).toEqual([
      expect.objectContaining({ endpoint_id: ep.body.id, workflow_id: 'test:redirect', attempt: 1, status_code: 302, success: false }),
      expect.objectContaining({ endpoint_id: slowEp.body.id, workflow_id: 'test:slow', attempt: 1, status_code: null, success: false, error: 'timed out after 300 ms' }),
    ]);
    expect(deliveries.body.results[1].latency_ms).toBeGreaterThanOrEqual(250);

    // A disabled endpoint gets nothing.
    await a.request('PATCH', `/webhook_endpoints/${ep.body.id}`, { body: { enabled: false } });
    expect((await attemptWebhookDelivery(api.deps, { eventId: event.id, endpointId: ep.body.id, workflowId: 'test:redirect', attempt: 2 })).outcome).toBe('skipped');
    expect(receiver.requests('redirect')).toHaveLength(1);
  });
});

describe('OpenAPI document', () => {
  it('documents the webhook operations as Syncwell extensions', async () => {
    const doc = (await (await fetch(`${api.base}/mgmt/v2/openapi.json`)).json()) as { paths: Record<string, Record<string, { description?: string; 'x-extension'?: boolean }>> };
    const ops = [
      ['/webhook_endpoints', 'get'],
      ['/webhook_endpoints', 'post'],
      ['/webhook_endpoints/{webhook_endpoint_id}', 'get'],
      ['/webhook_endpoints/{webhook_endpoint_id}', 'patch'],
      ['/webhook_endpoints/{webhook_endpoint_id}', 'delete'],
      ['/webhook_endpoints/{webhook_endpoint_id}/_rotate_secret', 'post'],
      ['/webhook_events', 'get'],
      ['/webhook_events/{webhook_event_id}/deliveries', 'get'],
      ['/webhook_events/{webhook_event_id}/_redeliver', 'post'],
    ] as const;
    for (const [path, method] of ops) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op!.description).toMatch(/^Syncwell extension/);
      expect(op!['x-extension']).toBe(true);
    }
  });
});
