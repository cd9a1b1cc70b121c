/**
 * The outbound policy at the API (tenant URLs with private hosts refused with a field-level 400)
 * and at webhook delivery (names resolving to private addresses refused when connecting, the
 * refusal recorded on the delivery). The policy is given through the deps, as the config does.
 */
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseAllowedHosts, type OutboundPolicy } from '../lib/outbound-policy';
import { recordEvent } from '../services/webhooks/events';
import { attemptWebhookDelivery } from '../services/webhooks/delivery';
import { useTenants } from './helpers/tenants';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver';

const { api, a: tenant } = useTenants();
let receiver: WebhookReceiver;
let port: string;

/** Test names: `*.rebind.test` resolve to loopback, as an attacker's DNS would answer. */
const resolve = async (host: string): Promise<LookupAddress[]> => {
  if (host.endsWith('.test')) return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
};
const policy: OutboundPolicy = { blockPrivateNetworks: true, resolve, ...parseAllowedHosts('allowed.test, 192.168.77.0/24') };

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  port = new URL(receiver.base).port;
});
afterAll(() => receiver?.close());
beforeEach(() => {
  api.deps.outboundPolicy = policy;
});

const fieldsOf = (res: { status: number; body: any }) => {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  return res.body.errors[0].meta.fields as Array<{ field: string; message: string; code: string }>;
};

describe('saving tenant URLs', () => {
  it('refuses a webhook endpoint on a private address or localhost, with the field in the error envelope', async () => {
    const res = await tenant.request('POST', '/webhook_endpoints', { body: { url: receiver.url('loopback') } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ code: 'BAD_REQUEST_ERROR', status: '400', detail: expect.stringMatching(/^url: 127\.0\.0\.1 is a loopback address/) });
    expect(fieldsOf(res)).toEqual([
      { field: 'url', code: 'private_address', message: '127.0.0.1 is a loopback address (127.0.0.0/8); this deployment does not send requests to private networks' },
    ]);
    for (const url of [
      'http://localhost:8080/hook',
      'http://169.254.169.254/latest/meta-data/',
      'https://[::ffff:10.0.0.1]/x',
      'http://[fd00::1]/',
      'http://0x7f.1/',
      'http://0.0.0.0:1/',
    ]) {
      expect(fieldsOf(await tenant.request('POST', '/webhook_endpoints', { body: { url } })), url).toEqual([expect.objectContaining({ field: 'url', code: 'private_address' })]);
    }
    expect((await tenant.request('GET', '/webhook_endpoints')).body).toEqual([]);
  });

  it('refuses the same on update, and keeps public hosts, names and allowlisted ranges', async () => {
    const created = await tenant.request('POST', '/webhook_endpoints', { body: { url: 'https://hooks.example.com/in' } });
    expect(created.status).toBe(201);
    const patched = await tenant.request('PATCH', `/webhook_endpoints/${created.body.id}`, { body: { url: 'http://10.1.2.3/in' } });
    expect(fieldsOf(patched)).toEqual([expect.objectContaining({ field: 'url', code: 'private_address', message: expect.stringMatching(/private \(RFC 1918\)/) })]);
    expect((await tenant.request('GET', `/webhook_endpoints/${created.body.id}`)).body.url).toBe('https://hooks.example.com/in');
    expect((await tenant.request('PATCH', `/webhook_endpoints/${created.body.id}`, { body: { url: 'http://192.168.77.5/in' } })).status).toBe(200);
    expect((await tenant.request('PATCH', `/webhook_endpoints/${created.body.id}`, { body: { url: 'http://allowed.test/in' } })).status).toBe(200);
    await tenant.request('DELETE', `/webhook_endpoints/${created.body.id}`);
  });

  it('refuses an HTTP API destination on a private address, on create and update; other destination types are not covered', async () => {
    const res = await tenant.request('POST', '/destinations', { body: { name: 'api-private', type: 'api', config: { url: 'http://127.0.0.1:9/ingest' } } });
    expect(res.body.errors?.[0]).toMatchObject({ code: 'VALIDATION_ERROR', detail: expect.stringMatching(/^json\.config\.url: 127\.0\.0\.1 is a loopback address/) });
    expect(fieldsOf(res)).toEqual([expect.objectContaining({ field: 'config.url', code: 'private_address' })]);

    const created = await tenant.request('POST', '/destinations', { body: { name: 'api-public', type: 'api', config: { url: 'https://ingest.example.com/in' } } });
    expect(created.status).toBe(201);
    const updated = await tenant.request('PUT', `/destinations/${created.body.id}`, {
      body: { name: 'api-public', type: 'api', version: created.body.version, config: { url: 'http://[::1]:9/in' } },
    });
    expect(fieldsOf(updated)).toEqual([expect.objectContaining({ field: 'config.url', code: 'private_address', message: expect.stringMatching(/^::1 is a loopback address/) })]);

    // A private database host is the normal case for a Postgres destination.
    const pg = await tenant.request('POST', '/destinations', {
      body: { name: 'pg-private', type: 'postgres', config: { host: '10.0.0.5', port: 5432, database: 'dw', schema: 'public', user: 'u', password: 'p' } },
    });
    expect(pg.status, JSON.stringify(pg.body)).toBe(201);
  });

  it('refuses a connector whose base_url host is private; templated hosts are left to the request-time check', async () => {
    const connector = (base_url: string) => ({ name: 'Internal', base_url, streams: [{ id: 'things', path: '/things' }] });
    const res = await tenant.request('PUT', '/connectors/internal', { body: connector('http://localhost:8080/api') });
    expect(res.body.errors?.[0]).toMatchObject({ code: 'VALIDATION_ERROR', detail: expect.stringMatching(/^json\.base_url: localhost is a loopback host name/) });
    expect(fieldsOf(res)).toEqual([expect.objectContaining({ field: 'base_url', code: 'private_address' })]);
    const metadata = { ...connector('http://169.254.169.254/{config.path}'), parameters: [{ name: 'path' }] };
    expect(fieldsOf(await tenant.request('PUT', '/connectors/internal', { body: metadata }))).toEqual([
      expect.objectContaining({ field: 'base_url', message: expect.stringMatching(/link-local \(cloud metadata\)/) }),
    ]);
    // Reported alongside the definition's other problems.
    expect(fieldsOf(await tenant.request('PUT', '/connectors/hubspot', { body: connector('http://10.0.0.1/') })).map((f) => f.field)).toEqual(['id', 'base_url']);

    expect((await tenant.request('PUT', '/connectors/internal', { body: connector('https://api.example.com/v1') })).status).toBe(201);
    const templated = { ...connector('{config.base_url}'), parameters: [{ name: 'base_url', required: true }] };
    expect((await tenant.request('PUT', '/connectors/internal', { body: templated })).status).toBe(200);
  });

  it('accepts all of it with the policy off (the default)', async () => {
    api.deps.outboundPolicy = undefined;
    const ep = await tenant.request('POST', '/webhook_endpoints', { body: { url: 'http://localhost:9/hook' } });
    expect(ep.status).toBe(201);
    expect((await tenant.request('POST', '/destinations', { body: { name: 'api-loopback', type: 'api', config: { url: 'http://127.0.0.1:9/ingest' } } })).status).toBe(201);
    expect((await tenant.request('PUT', '/connectors/loopback', { body: { name: 'L', base_url: 'http://127.0.0.1:9', streams: [{ id: 's', path: '/s' }] } })).status).toBe(201);
    await tenant.request('DELETE', `/webhook_endpoints/${ep.body.id}`);
  });
});

describe('webhook delivery under the policy', () => {
  it('refuses to connect to a name that resolves to a private address, and records why on the delivery', async () => {
    const ep = await tenant.request('POST', '/webhook_endpoints', { body: { url: `http://rebind.test:${port}/hooks/rebind` } });
    expect(ep.status).toBe(201);
    receiver.setSecrets('rebind', ep.body.secret);
    const event = await recordEvent(api.tdb.db, tenant.applicationId, 'sync.paused', { connection_id: 'rebind' });

    const result = await attemptWebhookDelivery(api.deps, { eventId: event.id, endpointId: ep.body.id, workflowId: 'test:rebind', attempt: 1 });
    const error =
      'blocked by the outbound network policy: rebind.test resolves to 127.0.0.1, a loopback address (127.0.0.0/8); this deployment does not send requests to private networks';
    expect(result).toEqual({ outcome: 'retry', statusCode: null, latencyMs: expect.any(Number), error });
    expect(receiver.requests('rebind')).toEqual([]);
    const deliveries = await tenant.request('GET', `/webhook_events/${event.id}/deliveries`);
    expect(deliveries.body.results).toEqual([expect.objectContaining({ endpoint_id: ep.body.id, attempt: 1, status_code: null, success: false, error })]);
    await tenant.request('DELETE', `/webhook_endpoints/${ep.body.id}`);
  });

  it('refuses an endpoint saved before the policy was turned on', async () => {
    api.deps.outboundPolicy = undefined;
    const ep = await tenant.request('POST', '/webhook_endpoints', { body: { url: receiver.url('before') } });
    api.deps.outboundPolicy = policy;
    const event = await recordEvent(api.tdb.db, tenant.applicationId, 'sync.paused', { connection_id: 'before' });
    const result = await attemptWebhookDelivery(api.deps, { eventId: event.id, endpointId: ep.body.id, workflowId: 'test:before', attempt: 1 });
    expect(result).toMatchObject({
      outcome: 'retry',
      statusCode: null,
      error: expect.stringMatching(/^blocked by the outbound network policy: 127\.0\.0\.1 is a loopback address/),
    });
    expect(receiver.requests('before')).toEqual([]);
    await tenant.request('DELETE', `/webhook_endpoints/${ep.body.id}`);
  });

  it('delivers to an allowlisted host, and to anything with the policy off', async () => {
    const allowed = await tenant.request('POST', '/webhook_endpoints', { body: { url: `http://allowed.test:${port}/hooks/allowed` } });
    receiver.setSecrets('allowed', allowed.body.secret);
    const event = await recordEvent(api.tdb.db, tenant.applicationId, 'sync.paused', { connection_id: 'allowed' });
    expect(await attemptWebhookDelivery(api.deps, { eventId: event.id, endpointId: allowed.body.id, workflowId: 'test:allowed', attempt: 1 })).toMatchObject({
      outcome: 'delivered',
      statusCode: 200,
      error: null,
    });
    expect(receiver.requests('allowed')).toEqual([expect.objectContaining({ verified: true })]);
    await tenant.request('DELETE', `/webhook_endpoints/${allowed.body.id}`);

    api.deps.outboundPolicy = undefined;
    const open = await tenant.request('POST', '/webhook_endpoints', { body: { url: receiver.url('open') } });
    receiver.setSecrets('open', open.body.secret);
    const next = await recordEvent(api.tdb.db, tenant.applicationId, 'sync.paused', { connection_id: 'open' });
    expect(await attemptWebhookDelivery(api.deps, { eventId: next.id, endpointId: open.body.id, workflowId: 'test:open', attempt: 1 })).toMatchObject({ outcome: 'delivered' });
    await tenant.request('DELETE', `/webhook_endpoints/${open.body.id}`);
  });
});
