import { serve, type ServerType } from '@hono/node-server';
import { Connection, Client } from '@temporalio/client';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../api/app';
import { createApplication } from '../services/tenants/applications';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { testLogger, testSecrets } from './helpers/logger';

let tdb: TestDatabase;
let server: ServerType;
let base: string;
let connection: Connection;
let apiKey: string;

beforeAll(async () => {
  tdb = await createTestDatabase();
  connection = await Connection.connect({ address: inject('temporalAddress') });
  const client = new Client({ connection });
  const app = createApp({ db: tdb.db, temporal: { client, connection, taskQueue: 'unused' }, logger: testLogger, secrets: testSecrets });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  apiKey = (await createApplication(tdb.db, 'health-test')).apiKey;
});
afterAll(async () => {
  server?.close();
  await connection?.close();
  await tdb?.destroy();
});

const errorEnvelope = (status: number) => ({
  errors: [expect.objectContaining({ id: expect.any(String), title: expect.any(String), detail: expect.any(String), code: expect.any(String), status: String(status) })],
});

describe('health endpoints over HTTP', () => {
  it('GET /health answers without a key', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready checks the database and Temporal', async () => {
    const res = await fetch(`${base}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { database: { name: 'database', ok: true }, temporal: { name: 'temporal', ok: true } } });
  });

  it('rejects /mgmt/v2 without a key, or with an unknown one, in the error envelope', async () => {
    const missing = await fetch(`${base}/mgmt/v2/customers`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual(errorEnvelope(401));
    const unknown = await fetch(`${base}/mgmt/v2/customers`, { headers: { 'x-api-key': 'sk_not_a_key' } });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual(errorEnvelope(401));
  });

  it('answers unknown routes with 404 in the envelope once authenticated', async () => {
    const res = await fetch(`${base}/mgmt/v2/no-such-thing`, { headers: { 'x-api-key': apiKey } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual(errorEnvelope(404));
  });
});
