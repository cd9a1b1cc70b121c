import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiDestinationConfigSchema, createApiWriter, parseRetryAfter } from '../destinations/api';
import type { DestinationRecord, WriteTarget } from '../destinations/types';
import { startApiReceiver, type ApiReceiver } from './helpers/http-api-simulator';

const target: WriteTarget = {
  applicationId: 'app-1',
  customerId: 'cust-1',
  providerName: 'hubspot',
  object: 'contacts',
  objectType: 'standard',
};

function records(n: number): DestinationRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    lastModifiedAt: new Date(Date.UTC(2024, 0, 1, 0, 0, i % 60)),
    isDeleted: i % 7 === 3,
    emittedAt: new Date('2024-02-01T00:00:00.000Z'),
    raw: { id: `r${i}`, n: i },
    mapped: { number: i },
  }));
}

let rx: ApiReceiver;
let sleeps: number[];
const sleep = async (ms: number) => {
  sleeps.push(ms);
};

beforeEach(async () => {
  rx = await startApiReceiver();
  sleeps = [];
});
afterEach(async () => {
  await rx.close();
});

describe('HTTP API destination', () => {
  it('posts chunks of batch_size with auth, custom headers and idempotency keys', async () => {
    const writer = createApiWriter({ url: `${rx.url}/ingest`, batch_size: 100, headers: { 'X-Tenant': 'acme' }, auth: { type: 'bearer', token: 'tok-secret-123' } }, { sleep });
    await writer.writeBatch(target, { runId: 'run-1', seq: 3, records: records(250) });

    expect(rx.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'POST']);
    expect(rx.requests.map((r) => r.path)).toEqual(['/ingest', '/ingest', '/ingest']);
    expect(rx.requests.map((r) => r.headers['idempotency-key'])).toEqual(['run-1:3:0', 'run-1:3:1', 'run-1:3:2']);
    expect(rx.requests.map((r) => (r.json as { records: unknown[] }).records.length)).toEqual([100, 100, 50]);
    for (const r of rx.requests) {
      expect(r.headers.authorization).toBe('Bearer tok-secret-123');
      expect(r.headers['x-tenant']).toBe('acme');
      expect(r.headers['content-type']).toBe('application/json');
    }
    const first = rx.requests[0]!.json as Record<string, unknown>;
    expect({ ...first, records: (first.records as unknown[]).slice(0, 1) }).toEqual({
      stream: 'contacts',
      customer_id: 'cust-1',
      provider_name: 'hubspot',
      records: [
        {
          id: 'r0',
          last_modified_at: '2024-01-01T00:00:00.000Z',
          is_deleted: false,
          emitted_at: '2024-02-01T00:00:00.000Z',
          raw_data: { id: 'r0', n: 0 },
          mapped_data: { number: 0 },
        },
      ],
    });
    const ids = rx.requests.flatMap((r) => (r.json as { records: Array<{ id: string }> }).records.map((x) => x.id));
    expect(ids).toEqual(records(250).map((r) => r.id));
    expect(sleeps).toEqual([]);
  });

  it('sends unified_data when present and a null last_modified_at as null', async () => {
    const writer = createApiWriter({ url: rx.url }, { sleep });
    const rec: DestinationRecord = {
      id: 'a',
      lastModifiedAt: null,
      isDeleted: true,
      emittedAt: new Date('2024-03-01T00:00:00Z'),
      raw: { Id: 'a' },
      mapped: {},
      unified: { email: 'x@example.com' },
    };
    await writer.writeBatch({ ...target, objectType: 'common' }, { runId: 'r', seq: 0, records: [rec] });
    expect((rx.requests[0]!.json as { records: unknown[] }).records).toEqual([
      {
        id: 'a',
        last_modified_at: null,
        is_deleted: true,
        emitted_at: '2024-03-01T00:00:00.000Z',
        raw_data: { Id: 'a' },
        mapped_data: {},
        unified_data: { email: 'x@example.com' },
      },
    ]);
  });

  it('sends basic and api_key auth', async () => {
    await createApiWriter({ url: rx.url, auth: { type: 'basic', username: 'u', password: 'p@ss' } }, { sleep }).writeBatch(target, { runId: 'r', seq: 0, records: records(1) });
    await createApiWriter({ url: rx.url, auth: { type: 'api_key', header: 'X-Api-Key', value: 'k-123' } }, { sleep }).writeBatch(target, {
      runId: 'r',
      seq: 1,
      records: records(1),
    });
    expect(rx.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('u:p@ss').toString('base64')}`);
    expect(rx.requests[1]!.headers['x-api-key']).toBe('k-123');
    expect(rx.requests[1]!.headers.authorization).toBeUndefined();
  });

  it('does not send anything for an empty batch', async () => {
    await createApiWriter({ url: rx.url }, { sleep }).writeBatch(target, { runId: 'r', seq: 0, records: [] });
    expect(rx.requests).toEqual([]);
  });

  it('retries 429 after the Retry-After seconds, then succeeds with the same idempotency key', async () => {
    rx.respondWith({ status: 429, headers: { 'retry-after': '2' }, body: 'slow down' });
    await createApiWriter({ url: rx.url }, { sleep }).writeBatch(target, { runId: 'run-9', seq: 0, records: records(3) });
    expect(sleeps).toEqual([2000]);
    expect(rx.requests.map((r) => r.headers['idempotency-key'])).toEqual(['run-9:0:0', 'run-9:0:0']);
    expect(rx.requests[1]!.body).toBe(rx.requests[0]!.body);
  });

  it('honours an HTTP-date Retry-After and backs off exponentially (capped) on 5xx', async () => {
    const soon = new Date(Date.now() + 5000).toUTCString();
    rx.respondWith({ status: 503, headers: { 'retry-after': soon } }, { status: 500 }, { status: 502 }, { status: 500 });
    const writer = createApiWriter({ url: rx.url }, { sleep, random: () => 1, retry: { baseDelayMs: 100, maxDelayMs: 300 } });
    await writer.writeBatch(target, { runId: 'r', seq: 0, records: records(1) });
    expect(rx.requests).toHaveLength(5);
    expect(sleeps[0]).toBeGreaterThan(3000);
    expect(sleeps[0]).toBeLessThanOrEqual(5000);
    // attempts 2..4 without Retry-After: 200, 300 (capped), 300
    expect(sleeps.slice(1)).toEqual([200, 300, 300]);
  });

  it('gives up after maxAttempts on persistent 5xx with the status in the error', async () => {
    rx.respondWith({ status: 503, body: 'down' }, { status: 503, body: 'down' }, { status: 503, body: 'still down' });
    const writer = createApiWriter({ url: rx.url }, { sleep, retry: { maxAttempts: 3 } });
    await expect(writer.writeBatch(target, { runId: 'r', seq: 0, records: records(1) })).rejects.toThrow(/503 Service Unavailable: still down \(gave up after 3 attempts\)/);
    expect(rx.requests).toHaveLength(3);
  });

  it('fails a 4xx at once with the status and a short, redacted body excerpt', async () => {
    const body = `{"error":"invalid record","echo":"Bearer tok-secret-123"} ` + 'x'.repeat(2000);
    rx.respondWith({ status: 422, body });
    const writer = createApiWriter({ url: rx.url, auth: { type: 'bearer', token: 'tok-secret-123' } }, { sleep });
    const err = await writer.writeBatch(target, { runId: 'r', seq: 5, records: records(1) }).then(
      () => null,
      (e: Error & { status?: number; retryable?: boolean }) => e,
    );
    expect(err).not.toBeNull();
    expect(err!.message).toMatch(/^HTTP API destination answered 422 Unprocessable Entity: \{"error":"invalid record"/);
    expect(err!.message).not.toContain('tok-secret-123');
    expect(err!.message).toContain('[redacted]');
    expect(err!.message).toContain('[contacts, batch 5, chunk 0]');
    const excerpt = err!.message.slice(err!.message.indexOf(': ') + 2, err!.message.lastIndexOf(' [contacts'));
    expect(excerpt.length).toBeLessThanOrEqual(500);
    expect(err!.status).toBe(422);
    expect(err!.retryable).toBe(false);
    expect(rx.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries network errors and then reports the host it cannot reach', async () => {
    const dead = await startApiReceiver();
    const url = dead.url;
    await dead.close();
    const writer = createApiWriter({ url }, { sleep, retry: { maxAttempts: 2 } });
    await expect(writer.writeBatch(target, { runId: 'r', seq: 0, records: records(1) })).rejects.toThrow(`cannot reach ${url} (ECONNREFUSED) after 2 attempt(s)`);
    expect(sleeps).toHaveLength(1);
  });

  it('follows a same-origin redirect but never one to another host', async () => {
    rx.respondWith({ status: 307, headers: { location: '/v2/ingest' } });
    await createApiWriter({ url: `${rx.url}/ingest` }, { sleep }).writeBatch(target, { runId: 'r', seq: 0, records: records(1) });
    expect(rx.requests.map((r) => r.path)).toEqual(['/ingest', '/v2/ingest']);
    expect(rx.requests[1]!.body).toBe(rx.requests[0]!.body);

    const other = await startApiReceiver();
    try {
      rx.respondWith({ status: 308, headers: { location: `${other.url}/steal` } });
      const writer = createApiWriter({ url: rx.url, auth: { type: 'bearer', token: 'tok-secret-123' } }, { sleep });
      await expect(writer.writeBatch(target, { runId: 'r', seq: 1, records: records(1) })).rejects.toThrow(/redirected \(308\) to another host .*refusing to follow/);
      expect(other.requests).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('test() posts an empty batch marked X-Syncwell-Test and reports a non-2xx readably', async () => {
    const writer = createApiWriter({ url: rx.url, auth: { type: 'api_key', header: 'x-key', value: 'k-secret-1' } }, { sleep });
    await writer.test();
    expect(rx.requests).toHaveLength(1);
    expect(rx.requests[0]!.headers['x-syncwell-test']).toBe('1');
    expect(rx.requests[0]!.headers['x-key']).toBe('k-secret-1');
    expect((rx.requests[0]!.json as { records: unknown[] }).records).toEqual([]);

    rx.respondWith({ status: 401, body: '{"error":"bad key k-secret-1"}' });
    const err = await writer.test().catch((e: Error) => e);
    expect((err as Error).message).toBe('connection test failed: HTTP API destination answered 401 Unauthorized: {"error":"bad key [redacted]"}');
    rx.respondWith({ status: 503 });
    await expect(writer.test()).rejects.toThrow(/connection test failed: .*503/);
    expect(sleeps).toEqual([]);
  });
});

describe('apiDestinationConfigSchema', () => {
  it('defaults batch_size to 100 and bounds it to 1..10000', () => {
    expect(apiDestinationConfigSchema.parse({ url: 'https://example.com/in' }).batch_size).toBe(100);
    expect(apiDestinationConfigSchema.safeParse({ url: 'https://example.com', batch_size: 0 }).success).toBe(false);
    expect(apiDestinationConfigSchema.safeParse({ url: 'https://example.com', batch_size: 10_001 }).success).toBe(false);
    expect(apiDestinationConfigSchema.safeParse({ url: 'ftp://example.com' }).success).toBe(false);
    expect(apiDestinationConfigSchema.safeParse({ url: 'https://example.com', auth: { type: 'bearer' } }).success).toBe(false);
  });

  it('parses Retry-After seconds and HTTP dates', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('garbage', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
