/**
 * Destination connection tests as async jobs (Syncwell extension), through the real API and a
 * real worker: POST /destinations/{id}/_test answers 202 with a queued job descriptor at once;
 * polling GET /jobs/{id} sees it finish succeeded for a good Postgres, S3 and HTTP API
 * destination, and failed with a readable error (never the secret) for a wrong password,
 * bucket or URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from './helpers/api';
import { postgresDestinationConfig } from './helpers/db';
import { freePort } from './helpers/ports';
import { s3ClientFor, startS3Server, type S3Server } from './helpers/s3-server';
import { ok, startScenario } from './helpers/sync-scenario';

let s: Awaited<ReturnType<typeof startScenario>>;
let other: ApiClient;
let minio: S3Server;
let s3: S3Client;
let receiver: HoldingReceiver;
const BUCKET = 'jobs-bucket';

/** An HTTP server that records requests and can hold the next response until released. */
interface HoldingReceiver {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string }>;
  /** The next request is received and recorded, but answered only when `release()` is called. */
  holdNext(): { received: Promise<void>; release(): void };
  stop(): Promise<void>;
}

async function startHoldingReceiver(): Promise<HoldingReceiver> {
  const requests: HoldingReceiver['requests'] = [];
  let hold: { onReceived(): void; released: Promise<void> } | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const h = hold;
      hold = undefined;
      if (h) {
        h.onReceived();
        await h.released;
      }
      const status = req.url?.startsWith('/missing') ? 404 : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? '{"ok":true}' : '{"error":"no such route"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    holdNext() {
      let onReceived!: () => void;
      let release!: () => void;
      const received = new Promise<void>((r) => (onReceived = r));
      const released = new Promise<void>((r) => (release = r));
      hold = { onReceived, released };
      return { received, release };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  [s, minio, receiver] = await Promise.all([startScenario(), startS3Server(), startHoldingReceiver()]);
  other = await s.api.newTenant('other-tenant');
  s3 = s3ClientFor(minio);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 20 * 60_000); // the first run may build MinIO

afterAll(async () => {
  s3?.destroy();
  await receiver?.stop();
  await minio?.stop();
  await s?.close();
});

type Job = { id: string; type: string; status: string; error?: string; created_at: string; updated_at: string; destination_id: string };

const FINAL = new Set(['succeeded', 'failed']);
let seq = 0;

async function createDestination(type: string, config: Record<string, unknown>, tenant: ApiClient = s.tenant): Promise<{ id: string; version: number }> {
  return ok(tenant.request('POST', '/destinations', { body: { name: `${type}-${++seq}`, type, config } }), 201);
}

/** POST _test: 202 with a queued descriptor and a Location to poll. */
async function startTest(destinationId: string): Promise<Job> {
  const res = await s.tenant.request('POST', `/destinations/${destinationId}/_test`);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const job = res.body as Job;
  expect(job).toEqual({
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    type: 'destination_test',
    status: 'queued',
    created_at: expect.any(String),
    updated_at: expect.any(String),
    destination_id: destinationId,
  });
  expect(res.headers.get('location')).toBe(`/mgmt/v2/jobs/${job.id}`);
  return job;
}

/** Polls GET /jobs/{id} until the job is final; returns it and every status seen on the way. */
async function poll(jobId: string, timeoutMs = 45_000): Promise<{ job: Job; seen: string[] }> {
  const deadline = Date.now() + timeoutMs;
  const seen: string[] = [];
  for (;;) {
    const job = await ok<Job>(s.tenant.request('GET', `/jobs/${jobId}`));
    if (seen.at(-1) !== job.status) seen.push(job.status);
    if (FINAL.has(job.status)) return { job, seen };
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function testDestination(destinationId: string): Promise<Job> {
  const started = await startTest(destinationId);
  const { job, seen } = await poll(started.id);
  // Only forward: queued → running → final (`running` may pass between two polls).
  const order = ['queued', 'running', job.status];
  const idx = seen.map((st) => order.indexOf(st));
  expect(
    idx.every((i, k) => i >= 0 && (k === 0 || i > idx[k - 1]!)),
    seen.join(' → '),
  ).toBe(true);
  expect(job.id).toBe(started.id);
  expect(job.created_at).toBe(started.created_at);
  expect(Date.parse(job.updated_at)).toBeGreaterThanOrEqual(Date.parse(started.updated_at));
  return job;
}

function s3Config(overrides: Record<string, unknown> = {}) {
  return {
    bucket: `s3://${BUCKET}`,
    region: minio.region,
    access_key_id: minio.accessKeyId,
    secret_access_key: minio.secretAccessKey,
    endpoint: minio.endpoint,
    force_path_style: true,
    prefix: 'exports',
    ...overrides,
  };
}

describe('POST /destinations/{id}/_test (async job)', () => {
  it('Postgres: succeeded for a good destination; failed with a readable error for a wrong password, never the password', async () => {
    const good = await createDestination('postgres', postgresDestinationConfig(s.dest.url));
    const job = await testDestination(good.id);
    expect(job).toMatchObject({ status: 'succeeded', destination_id: good.id });
    expect(job).not.toHaveProperty('error');
    // The probe table was dropped again.
    const { rows } = await s.destPool.query(`select table_name from information_schema.tables where table_schema = 'public'`);
    expect(rows).toEqual([]);

    // Creating a destination with a wrong password does not test it (nor block): 201 at once.
    const wrongPassword = 'Wr0ng-Passw0rd-Secret-81d2';
    const t0 = Date.now();
    const bad = await createDestination('postgres', postgresDestinationConfig(s.dest.url, { password: wrongPassword }));
    expect(Date.now() - t0).toBeLessThan(5_000);
    const failed = await testDestination(bad.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^Postgres authentication failed for user "[^"]+" at .+ \(check the user and password\)$/);
    expect(JSON.stringify(failed)).not.toContain(wrongPassword);
    const row = await s.api.tdb.db.selectFrom('jobs').selectAll().where('id', '=', failed.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', tested_version: 1, destination_version: 1 });
    expect(row.started_at).not.toBeNull();
    expect(row.finished_at).not.toBeNull();

    // Fix the password (update: no test, no wait); a new job tests the new version.
    const updated = await ok(
      s.tenant.request('PUT', `/destinations/${bad.id}`, {
        body: { name: `fixed-${bad.id}`, type: 'postgres', config: postgresDestinationConfig(s.dest.url), version: bad.version },
      }),
    );
    expect(updated.version).toBe(2);
    const fixed = await testDestination(bad.id);
    expect(fixed.status).toBe('succeeded');
    expect(await s.api.tdb.db.selectFrom('jobs').select('tested_version').where('id', '=', fixed.id).executeTakeFirstOrThrow()).toEqual({ tested_version: 2 });
    // The earlier job keeps its outcome.
    expect((await ok<Job>(s.tenant.request('GET', `/jobs/${failed.id}`))).status).toBe('failed');
  });

  it('S3: succeeded for a good bucket (probe removed); failed with a readable error for a missing bucket and a wrong secret key', async () => {
    const good = await createDestination('s3', s3Config());
    expect((await testDestination(good.id)).status).toBe('succeeded');
    const left = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect(left.Contents ?? []).toEqual([]);

    const missing = await createDestination('s3', s3Config({ bucket: 's3://no-such-bucket-here' }));
    const failed = await testDestination(missing.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain("bucket 'no-such-bucket-here' does not exist");
    expect(failed.error).toMatch(/^S3 destination: writing a probe object failed/);
    expect(JSON.stringify(failed)).not.toContain(minio.secretAccessKey);

    const wrongSecret = 'wrong-secret-key-7d1f0c2e9b';
    const denied = await createDestination('s3', s3Config({ secret_access_key: wrongSecret }));
    const deniedJob = await testDestination(denied.id);
    expect(deniedJob.status).toBe('failed');
    expect(deniedJob.error).toMatch(/^S3 destination: writing a probe object failed/);
    expect(JSON.stringify(deniedJob)).not.toContain(wrongSecret);
  });

  it('HTTP API: queued → running (while the endpoint answers) → succeeded; failed with a readable error for a wrong URL, never the token', async () => {
    const token = 'api-dest-token-3f9a2b7c11';
    const good = await createDestination('api', { url: `${receiver.url}/ingest`, auth: { type: 'bearer', token } });
    const before = receiver.requests.length;
    const held = receiver.holdNext();
    const started = await startTest(good.id);
    await held.received;
    // The worker is waiting on the endpoint: the job is running.
    const running = await ok<Job>(s.tenant.request('GET', `/jobs/${started.id}`));
    expect(running.status).toBe('running');
    expect(running).not.toHaveProperty('error');
    held.release();
    const { job } = await poll(started.id);
    expect(job.status).toBe('succeeded');
    const probes = receiver.requests.slice(before);
    expect(probes).toHaveLength(1);
    expect(probes[0]).toMatchObject({ method: 'POST', path: '/ingest', headers: { authorization: `Bearer ${token}`, 'x-syncwell-test': '1' } });
    expect(JSON.parse(probes[0]!.body)).toEqual({ stream: '_syncwell_test', customer_id: '', provider_name: '', records: [] });

    // Nothing listens there.
    const closed = await createDestination('api', { url: `http://127.0.0.1:${await freePort()}/ingest`, auth: { type: 'bearer', token } });
    const refused = await testDestination(closed.id);
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/^connection test failed: .*ECONNREFUSED/);
    expect(JSON.stringify(refused)).not.toContain(token);

    // The server is there but the path is wrong.
    const wrongPath = await createDestination('api', { url: `${receiver.url}/missing`, auth: { type: 'bearer', token } });
    const notFound = await testDestination(wrongPath.id);
    expect(notFound.status).toBe('failed');
    expect(notFound.error).toMatch(/^connection test failed: .*404/);
    expect(JSON.stringify(notFound)).not.toContain(token);
  });

  it('a destination type without a writer fails its test with a readable error', async () => {
    const snow = await createDestination('snowflake', {
      host: 'acct.snowflakecomputing.com',
      role: 'LOADER',
      warehouse: 'WH',
      database: 'DB',
      schema: 'PUBLIC',
      username: 'u',
      password: 'snowflake-pass-secret',
    });
    const job = await testDestination(snow.id);
    expect(job).toMatchObject({ status: 'failed', error: 'No writer for destination type "snowflake" yet' });
  });
});

describe('GET /jobs/{id}', () => {
  it('is tenant-scoped: another application gets 404 for the job and for testing the destination', async () => {
    const dest = await createDestination('postgres', postgresDestinationConfig(s.dest.url));
    const job = await testDestination(dest.id);
    for (const res of [await other.request('GET', `/jobs/${job.id}`), await other.request('POST', `/destinations/${dest.id}/_test`)]) {
      expect(res.status).toBe(404);
      expect(res.body.errors[0]).toMatchObject({ code: 'NOT_FOUND_ERROR', status: '404' });
    }
    expect((await s.tenant.request('GET', '/jobs/not-a-uuid')).status).toBe(404);
    expect((await s.tenant.request('GET', '/jobs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await s.tenant.request('POST', '/destinations/not-a-uuid/_test')).status).toBe(404);
    expect((await s.tenant.request('POST', '/destinations/00000000-0000-4000-8000-000000000000/_test')).status).toBe(404);
    // Nothing was queued for the refused requests.
    expect(await s.api.tdb.db.selectFrom('jobs').select('id').where('application_id', '=', other.applicationId).execute()).toEqual([]);
  });

  it('is documented as a Syncwell extension in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${s.api.base}/mgmt/v2/openapi.json`)).json()) as any;
    const testOp = doc.paths['/destinations/{destination_id}/_test'].post;
    const getOp = doc.paths['/jobs/{job_id}'].get;
    for (const op of [testOp, getOp]) {
      expect(op['x-extension']).toBe(true);
      expect(op.description).toMatch(/^Syncwell extension/);
    }
    expect(Object.keys(testOp.responses)).toContain('202');
    expect(testOp.responses['202'].content['application/json'].schema.$ref).toBe('#/components/schemas/job');
    expect(doc.components.schemas.job['x-extension']).toBe(true);
    expect(doc.components.schemas.job.properties.status.$ref ?? doc.components.schemas.job.properties.status.enum).toBeTruthy();
  });
});
