import { describe, expect, it } from 'vitest';
import { useTenants } from './helpers/tenants';

const { api, a, b } = useTenants();

describe('customers', () => {
  it('upserts, reads, lists and deletes', async () => {
    const put = await a.request('PUT', '/customers', { body: { customer_id: 'c-1', name: 'Ada', email: 'ada@example.com' } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ application_id: a.applicationId, customer_id: 'c-1', name: 'Ada', email: 'ada@example.com' });

    const update = await a.request('PUT', '/customers', { body: { customer_id: 'c-1', name: 'Ada L.', email: 'ada@example.com' } });
    expect(update.body.name).toBe('Ada L.');
    expect((await a.request('GET', '/customers/c-1')).body.name).toBe('Ada L.');
    expect((await a.request('GET', '/customers')).body).toHaveLength(1);

    expect((await a.request('DELETE', '/customers/c-1')).status).toBe(204);
    const gone = await a.request('GET', '/customers/c-1');
    expect(gone.status).toBe(404);
    expect(gone.body.errors[0]).toMatchObject({ code: 'NOT_FOUND_ERROR', status: '404' });
  });

  it('rejects bad bodies with field-level detail', async () => {
    const res = await a.request('PUT', '/customers', { body: { customer_id: 5, name: 'x' } });
    expect(res.status).toBe(400);
    const fields = res.body.errors[0].meta.fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['customer_id', 'email']));

    const malformed = await a.request('PUT', '/customers', { rawBody: '{"customer_id": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].status).toBe('400');
  });

  it('keeps tenants apart', async () => {
    await a.request('PUT', '/customers', { body: { customer_id: 'shared-id', name: 'A', email: 'a@x' } });
    expect((await b.request('GET', '/customers/shared-id')).status).toBe(404);
    expect((await b.request('GET', '/customers')).body).toEqual([]);
    expect((await b.request('DELETE', '/customers/shared-id')).status).toBe(404);
    expect((await a.request('GET', '/customers/shared-id')).status).toBe(200);
  });

  it('serves its OpenAPI document and the reference page', async () => {
    const doc = (await (await fetch(`${api.base}/mgmt/v2/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/customers/{customer_id}');
    const page = await fetch(`${api.base}/docs`);
    expect(await page.text()).toContain('swagger-ui-bundle.js');
    expect((await fetch(`${api.base}/docs/assets/swagger-ui-bundle.js`)).status).toBe(200);
  });
});

describe('input Postgres cannot store', () => {
  it('is a 400, not a 500', async () => {
    const res = await a.request('PUT', '/customers', { body: { customer_id: 'nul\u0000byte', name: 'x', email: 'y' } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].status).toBe('400');
  });
});
