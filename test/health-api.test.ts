import { describe, expect, it } from 'vitest';
import { useTenants } from './helpers/tenants';

const { api, a } = useTenants();

const errorEnvelope = (status: number) => ({
  errors: [expect.objectContaining({ id: expect.any(String), title: expect.any(String), detail: expect.any(String), code: expect.any(String), status: String(status) })],
});

describe('health endpoints over HTTP', () => {
  it('GET /health answers without a key', async () => {
    const res = await fetch(`${api.base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready checks the database and Temporal', async () => {
    const res = await fetch(`${api.base}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { database: { name: 'database', ok: true }, temporal: { name: 'temporal', ok: true } } });
  });

  it('rejects /mgmt/v2 without a key, or with an unknown one, in the error envelope', async () => {
    const missing = await fetch(`${api.base}/mgmt/v2/customers`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual(errorEnvelope(401));
    const unknown = await fetch(`${api.base}/mgmt/v2/customers`, { headers: { 'x-api-key': 'sk_not_a_key' } });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual(errorEnvelope(401));
  });

  it('answers unknown routes with 404 in the envelope once authenticated', async () => {
    const res = await fetch(`${api.base}/mgmt/v2/no-such-thing`, { headers: { 'x-api-key': a.apiKey } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual(errorEnvelope(404));
  });
});
