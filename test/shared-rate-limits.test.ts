/**
 * The Postgres rate limit store against the real test database: the burst then the rate, leases
 * that expire on their own (a process killed mid-request), the pause every asker sees, two
 * HTTP runtimes (two processes' worth) sending to one server within one budget, and short leases
 * renewed while their request is in flight (held past their TTL, freed soon after a SIGKILL of
 * the child process holding one, never brought back once released or dropped).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../db/connection';
import { acquireRateLimit, renewRateLimitLeases } from '../db/repositories/rate-limits';
import { createHttpRuntime } from '../providers/runtime';
import { createSharedRateLimits } from '../services/connections/shared-rate-limits';
import { createTestDatabase, type TestDatabase } from './helpers/db';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb?.destroy();
});

let seq = 0;
const connectionId = () => `conn-${++seq}`;

describe('Postgres rate limit store', () => {
  it('grants the burst at once, then refuses with the wait until the next token', async () => {
    const store = createSharedRateLimits(tdb.db);
    const id = connectionId();
    const limits = { requestsPerSecond: 5, burst: 3, concurrency: 100 };
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await store.acquire(id, limits, 60_000));
    expect(decisions.slice(0, 3).map((d) => d.granted)).toEqual([true, true, true]);
    const refused = decisions[3]!;
    expect(refused).toMatchObject({ granted: false, reason: 'rate_limit' });
    // 5/s: a token every 200 ms, of which the few ms since the burst have already refilled a little.
    if (!refused.granted) expect(refused.waitMs).toBeGreaterThan(150);
    if (!refused.granted) expect(refused.waitMs).toBeLessThanOrEqual(200);
    await new Promise((r) => setTimeout(r, refused.granted ? 0 : refused.waitMs + 5));
    expect((await store.acquire(id, limits, 60_000)).granted).toBe(true);
  });

  it('holds the concurrency to its leases: a released one frees its slot, an unreleased one expires', async () => {
    const store = createSharedRateLimits(tdb.db);
    const id = connectionId();
    const limits = { requestsPerSecond: Infinity, burst: 100, concurrency: 2 };
    const first = await store.acquire(id, limits, 60_000);
    const second = await store.acquire(id, limits, 300);
    expect([first.granted, second.granted]).toEqual([true, true]);
    expect(await store.acquire(id, limits, 60_000)).toMatchObject({ granted: false, reason: 'concurrency' });
    if (first.granted) await store.release(id, first.lease!);
    const third = await store.acquire(id, limits, 60_000);
    expect(third.granted).toBe(true);
    expect(await store.acquire(id, limits, 60_000)).toMatchObject({ granted: false, reason: 'concurrency' });
    // `second` is never released (its process died): after its 300 ms the slot is free again.
    await new Promise((r) => setTimeout(r, 350));
    expect((await store.acquire(id, limits, 60_000)).granted).toBe(true);
  });

  it('refuses everything during a pause, saying how long it lasts, and a shorter pause does not cut it', async () => {
    const store = createSharedRateLimits(tdb.db);
    const id = connectionId();
    const limits = { requestsPerSecond: 100, burst: 100, concurrency: 10 };
    expect((await store.acquire(id, limits, 60_000)).granted).toBe(true);
    await store.pause(id, 400);
    await store.pause(id, 50);
    const paused = await store.acquire(id, limits, 60_000);
    expect(paused).toMatchObject({ granted: false, reason: 'paused' });
    if (!paused.granted) expect(paused.waitMs).toBeGreaterThan(300);
    await new Promise((r) => setTimeout(r, paused.granted ? 0 : paused.waitMs + 5));
    expect((await store.acquire(id, limits, 60_000)).granted).toBe(true);
  });
});

describe('cost', () => {
  it('one statement per request: measured and printed (docs/benchmarks.md)', async () => {
    const store = createSharedRateLimits(tdb.db);
    const id = connectionId();
    const limits = { requestsPerSecond: Infinity, burst: 1, concurrency: 4 };
    const N = 500;
    const started = performance.now();
    for (let i = 0; i < N; i++) {
      const d = await store.acquire(id, limits, 60_000);
      if (d.granted) await store.release(id, d.lease!);
    }
    const acquireAndRelease = (performance.now() - started) / N;
    // Leases of 1 ms expire by the next ask: the ask alone, on an existing row.
    const asks = performance.now();
    for (let i = 0; i < N; i++) await store.acquire(id, limits, 1);
    const ask = (performance.now() - asks) / N;
    const firstAsks = performance.now();
    for (let i = 0; i < N; i++) await store.acquire(connectionId(), limits, 60_000);
    const firstAsk = (performance.now() - firstAsks) / N;
    console.info(
      `[shared-rate-limits] per request (sequential, ${N}): ask ${ask.toFixed(2)} ms, ask + release ${acquireAndRelease.toFixed(2)} ms; a connection's first ask (insert) ${firstAsk.toFixed(2)} ms`,
    );
    expect(acquireAndRelease).toBeLessThan(20);
  });
});

describe('two runtimes on one store', () => {
  let server: Server;
  let url: string;
  const sentAt: number[] = [];
  let throttleNext = false;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      sentAt.push(Date.now());
      if (throttleNext) {
        throttleNext = false;
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' }).end('{}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('send no faster together than the connection allows, and a Retry-After one saw holds back the other', async () => {
    const id = connectionId();
    const limits = { requestsPerSecond: 10, burst: 2, concurrency: 4 };
    const clients = [1, 2].map(() => createHttpRuntime({ rateLimits: createSharedRateLimits(tdb.db) }).client({ connectionId: id, limits }));
    sentAt.length = 0;
    const started = Date.now();
    await Promise.all(clients.flatMap((c) => Array.from({ length: 6 }, () => c.request({ url }))));
    // 12 requests: 2 at once, then one per 100 ms.
    expect(sentAt).toHaveLength(12);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    // Never ahead of the bucket: the i-th request no sooner than (i - burst + 1) tokens' time after the first
    // (less the first one's own way to the server).
    const sorted = [...sentAt].sort((x, y) => x - y);
    for (let i = 2; i < sorted.length; i++) expect(sorted[i]! - sorted[0]!).toBeGreaterThanOrEqual((i - 1) * 100 - 100);

    sentAt.length = 0;
    throttleNext = true;
    const throttledAt = Date.now();
    const throttled = clients[0]!.request({ url });
    // The other runtime starts once the 429 is in: its requests wait for the pause's end.
    await new Promise((r) => setTimeout(r, 150));
    const other = await Promise.all([clients[1]!.request({ url }), clients[1]!.request({ url })]);
    expect((await throttled).status).toBe(200);
    expect(other.map((r) => r.status)).toEqual([200, 200]);
    const pauseEnd = throttledAt + 1000;
    // The 429, then nothing from either runtime until the second of Retry-After had passed.
    expect(sentAt).toHaveLength(4);
    for (const at of sentAt.slice(1)) expect(at).toBeGreaterThanOrEqual(pauseEnd - 5);
  });
});

/** Short enough to see several renewals (every TTL / 3) and a lapse in well under a second. */
const TTL = 600;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const leasesOf = async (id: string) =>
  (await tdb.db.selectFrom('connection_rate_limits').select('leases').where('connection_id', '=', id).executeTakeFirstOrThrow()).leases as Record<string, number>;

describe('leases renewed while their request is in flight', () => {
  const oneSlot = { requestsPerSecond: Infinity, burst: 100, concurrency: 1 };

  it('keep a request slower than the lease counted: another process waits for its response, not for the lease', async () => {
    const id = connectionId();
    const log: string[] = [];
    const server = createServer((req, res) => {
      log.push(`start ${req.url}`);
      // Two and a half leases long: held only by its renewals.
      setTimeout(
        () => {
          log.push(`end ${req.url}`);
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        },
        req.url === '/slow' ? TTL * 2.5 : 0,
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const [a, b] = [1, 2].map(() => createHttpRuntime({ rateLimits: createSharedRateLimits(tdb.db, { leaseTtlMs: TTL }) }).client({ connectionId: id, limits: oneSlot }));
      const slow = a!.request({ url: `${base}/slow` });
      while (log.length === 0) await sleep(10);
      const other = await b!.request({ url: `${base}/other` });
      expect([(await slow).status, other.status]).toEqual([200, 200]);
      expect(log).toEqual(['start /slow', 'end /slow', 'start /other', 'end /other']);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('fail their renewals without failing the request: the request completes, the failures are logged', async () => {
    const id = connectionId();
    const server = createServer((_req, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), TTL * 1.5);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const warnings: Array<{ msg: string }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(JSON.parse(line)) });
    // Its own pool, closed under the request in flight: every renewal (and the release) fails.
    const db = createDb(tdb.url, 1);
    try {
      const client = createHttpRuntime({ rateLimits: createSharedRateLimits(db, { leaseTtlMs: TTL, logger }) }).client({ connectionId: id, limits: oneSlot });
      const pending = client.request({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` });
      await sleep(50);
      await db.destroy();
      expect((await pending).status).toBe(200);
      expect(warnings.map((w) => w.msg)).toContain('concurrency lease renewal failed; retried at the next one');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('are refused to another process past their TTL while renewed, and not renewed once released', async () => {
    const id = connectionId();
    const holder = createSharedRateLimits(tdb.db, { leaseTtlMs: TTL });
    const other = createSharedRateLimits(tdb.db, { leaseTtlMs: TTL });
    const held = await holder.acquire(id, oneSlot, 60_000);
    if (!held.granted) throw new Error('not granted');
    await sleep(TTL * 2);
    expect(await other.acquire(id, oneSlot, 60_000)).toMatchObject({ granted: false, reason: 'concurrency' });
    await holder.release(id, held.lease!);
    expect(await leasesOf(id)).toEqual({});
    // Past the renewals that would have come: nothing of the released lease is back in the row.
    await sleep(TTL);
    expect(await leasesOf(id)).toEqual({});
    expect((await other.acquire(id, oneSlot, 60_000)).granted).toBe(true);
  });

  it('are renewed no longer than their request may last', async () => {
    const id = connectionId();
    const store = createSharedRateLimits(tdb.db, { leaseTtlMs: TTL });
    // Never released (a leak): its bound of 1.5 TTL ends its renewals, and it lapses by then.
    expect((await store.acquire(id, oneSlot, TTL * 1.5)).granted).toBe(true);
    await sleep(TTL * 1.5 + 100);
    expect((await store.acquire(id, oneSlot, 60_000)).granted).toBe(true);
  });

  it('renew only the leases still in the row: a released or expired-and-dropped lease is not brought back', async () => {
    const id = connectionId();
    const ask = { connectionId: id, rate: Infinity, burst: 100, concurrency: 2 };
    await acquireRateLimit(tdb.db, { ...ask, leaseId: 'kept', leaseMs: 60_000 });
    await acquireRateLimit(tdb.db, { ...ask, leaseId: 'expired', leaseMs: 50 });
    await sleep(100);
    // The next ask drops the expired lease (and takes its slot).
    await acquireRateLimit(tdb.db, { ...ask, leaseId: 'newer', leaseMs: 60_000 });
    const before = await leasesOf(id);
    const renewed = await renewRateLimitLeases(tdb.db, id, { kept: 120_000, expired: 120_000, gone: 120_000 });
    expect(renewed).toEqual(['kept']);
    const after = await leasesOf(id);
    expect(Object.keys(after).sort()).toEqual(['kept', 'newer']);
    expect(after.kept! - before.kept!).toBeGreaterThan(59_000);
    expect(after.newer).toBe(before.newer);
    expect(await renewRateLimitLeases(tdb.db, connectionId(), { kept: 1 })).toEqual([]);
  });

  it("free a SIGKILLed process's slot within the lease's TTL, not the request's timeout", async () => {
    const id = connectionId();
    const child = spawn(
      path.resolve(import.meta.dirname, '..', 'node_modules', '.bin', 'tsx'),
      [path.join(import.meta.dirname, 'helpers', 'rate-limit-holder.ts'), tdb.url, id, String(TTL)],
      { detached: true, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      const lease = line.toString().trim();
      const store = createSharedRateLimits(tdb.db, { leaseTtlMs: TTL });
      // Its request asked for 10 minutes: its renewals alone hold the slot past the TTL.
      await sleep(TTL * 2.5);
      expect(await store.acquire(id, oneSlot, 60_000)).toMatchObject({ granted: false, reason: 'concurrency' });
      expect(Object.keys(await leasesOf(id))).toEqual([lease]);
      process.kill(-child.pid!, 'SIGKILL');
      const killedAt = Date.now();
      let decision = await store.acquire(id, oneSlot, 60_000);
      while (!decision.granted && Date.now() - killedAt < 10_000) {
        await sleep(decision.waitMs);
        decision = await store.acquire(id, oneSlot, 60_000);
      }
      expect(decision.granted).toBe(true);
      // At most one TTL after the last renewal, which came no later than the kill (plus the asks' polling).
      expect(Date.now() - killedAt).toBeLessThanOrEqual(TTL + 250);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
  }, 30_000);
});
