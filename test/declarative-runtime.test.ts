import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../providers/errors';
import type { WaitInfo } from '../providers/types';
import { connect, fastRuntime, readAll } from './helpers/declarative-harness';
import { startApiSimulator, type ApiSimulator, type SimHandler } from './helpers/http-api-simulator';

const sims: ApiSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

async function serve(handler: SimHandler) {
  const sim = await startApiSimulator(handler);
  sims.push(sim);
  return sim;
}

function sequence(...responses: ReturnType<SimHandler>[]): SimHandler {
  return (_q, i) => responses[Math.min(i, responses.length - 1)]!;
}

const OK = { json: { ok: true } };

describe('HTTP runtime: throttling and retries', () => {
  it('429 honours Retry-After in seconds and reports the wait before sleeping', async () => {
    const sim = await serve(sequence({ status: 429, headers: { 'retry-after': '7' }, json: {} }, { status: 429, headers: { 'retry-after': '2' }, json: {} }, OK));
    const rt = fastRuntime();
    const waits: WaitInfo[] = [];
    const res = await rt.runtime.client({ connectionId: 'c' }).request({ url: `${sim.url}/x`, onWait: (w) => waits.push({ ...w }) });
    expect(res.status).toBe(200);
    // Retry-After plus jitter of min(1s, 10%) scaled by random()=0.5.
    expect(waits).toEqual([
      { reason: 'rate_limit', ms: 7350, status: 429 },
      { reason: 'rate_limit', ms: 2100, status: 429 },
    ]);
    expect(rt.sleeps).toEqual([7350, 2100]);
    expect(sim.requests).toHaveLength(3);
  });

  it('429 honours Retry-After as an HTTP date', async () => {
    const rt = fastRuntime();
    const when = new Date(rt.clock.now + 30_000).toUTCString();
    const sim = await serve(sequence({ status: 429, headers: { 'retry-after': when }, json: {} }, OK));
    await rt.runtime.client({ connectionId: 'c' }).request({ url: `${sim.url}/x` });
    expect(rt.sleeps).toEqual([30_500]);
  });

  it('503 without Retry-After backs off exponentially with jitter', async () => {
    const sim = await serve(sequence({ status: 503, body: 'busy' }, { status: 503, body: 'busy' }, { status: 503, body: 'busy' }, OK));
    const rt = fastRuntime({ backoff: { baseMs: 1000, maxMs: 3000 } });
    await rt.runtime.client({ connectionId: 'c' }).request({ url: `${sim.url}/x` });
    // Equal jitter: exp/2 + exp/2 * 0.5, exp = 1s, 2s, then capped at 3s.
    expect(rt.sleeps).toEqual([750, 1500, 2250]);
  });

  it('gives up as transient after max attempts, with status and body excerpt', async () => {
    const sim = await serve(() => ({ status: 429, json: { error: 'slow down' } }));
    const rt = fastRuntime({ maxRateLimitAttempts: 3 });
    const err = (await rt.runtime
      .client({ connectionId: 'c' })
      .request({ url: `${sim.url}/v1/items?page=2` })
      .catch((e) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ kind: 'transient', status: 429, bodyExcerpt: '{"error":"slow down"}' });
    expect(err.message).toBe(`GET ${sim.url}/v1/items returned HTTP 429 (still throttled after 3 attempts): {"error":"slow down"}`);
    expect(sim.requests).toHaveLength(3);
  });

  it('a Retry-After beyond the limit fails fast as transient', async () => {
    const sim = await serve(() => ({ status: 429, headers: { 'retry-after': '3600' }, json: {} }));
    const rt = fastRuntime({ maxRetryAfterMs: 60_000 });
    await expect(rt.runtime.client({ connectionId: 'c' }).request({ url: sim.url })).rejects.toMatchObject({
      kind: 'transient',
      message: expect.stringContaining('Retry-After of 3600s'),
    });
    expect(rt.sleeps).toEqual([]);
  });

  it('other 5xx are retried a few times then reported as transient', async () => {
    const sim = await serve(() => ({ status: 502, body: '<h1>Bad gateway</h1>', headers: { 'content-type': 'text/html' } }));
    const rt = fastRuntime({ maxTransientAttempts: 3 });
    const err = await rt.runtime
      .client({ connectionId: 'c' })
      .request({ url: `${sim.url}/a` })
      .catch((e) => e);
    expect(err).toMatchObject({ kind: 'transient', status: 502, bodyExcerpt: '<h1>Bad gateway</h1>' });
    expect(sim.requests).toHaveLength(3);
    expect(rt.sleeps).toHaveLength(2);
  });

  it('network errors are retried then transient', async () => {
    const sim = await serve(() => OK);
    const url = sim.url;
    await sim.close();
    sims.length = 0;
    const rt = fastRuntime({ maxTransientAttempts: 2 });
    await expect(rt.runtime.client({ connectionId: 'c' }).request({ url: `${url}/gone` })).rejects.toMatchObject({
      kind: 'transient',
      message: expect.stringMatching(/failed after 2 attempts: ECONNREFUSED/),
    });
  });

  it('a slow response times out and is retried as transient', async () => {
    const sim = await serve(() => ({ ...OK, delayMs: 600 }));
    const rt = fastRuntime({ maxTransientAttempts: 2, timeoutMs: 100 });
    await expect(rt.runtime.client({ connectionId: 'c' }).request({ url: sim.url })).rejects.toMatchObject({
      kind: 'transient',
      message: expect.stringContaining('timed out after 100ms'),
    });
    // Two attempts with one backoff between them (on a loaded machine the server may not see the first before it times out).
    expect(rt.sleeps).toHaveLength(1);
    expect(sim.requests.length).toBeGreaterThanOrEqual(1);
  });

  it("the caller's abort signal is not retried", async () => {
    const ac = new AbortController();
    const sim = await serve(() => {
      ac.abort(new Error('activity cancelled'));
      return { ...OK, delayMs: 200 };
    });
    const rt = fastRuntime();
    await expect(rt.runtime.client({ connectionId: 'c' }).request({ url: sim.url, signal: ac.signal })).rejects.toThrow('activity cancelled');
    expect(sim.requests).toHaveLength(1);
    expect(rt.sleeps).toEqual([]);
  });
});

describe('HTTP runtime: error classification', () => {
  const cases: [number, string][] = [
    [401, 'authentication'],
    [403, 'permission'],
    [400, 'configuration'],
    [404, 'configuration'],
    [422, 'configuration'],
    [409, 'unknown'],
  ];
  it.each(cases)('HTTP %i -> %s with method, path, status and excerpt', async (status, kind) => {
    const sim = await serve(() => ({ status, json: { message: `failure ${status}` } }));
    const rt = fastRuntime();
    const err = await rt.runtime
      .client({ connectionId: 'c' })
      .request({ method: 'POST', url: `${sim.url}/v2/deals?api_key=xyz`, json: {} })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.kind).toBe(kind);
    expect(err.status).toBe(status);
    expect(err.message).toBe(`POST ${sim.url}/v2/deals returned HTTP ${status}: {"message":"failure ${status}"}`);
    expect(err.pausesSync).toBe(kind !== 'unknown');
  });

  it('caps the excerpt at 500 chars and redacts secrets from path, body and message', async () => {
    const secret = 'sk_live_0123456789';
    const sim = await serve(() => ({ status: 400, body: `invalid key ${secret} ${'x'.repeat(2000)}`, headers: { 'content-type': 'text/plain' } }));
    const conn = connect(
      {
        id: 'leaky',
        name: 'Leaky',
        base_url: sim.url,
        auth: { type: 'api_key', location: 'query', name: 'key', value: '{config.api_key}' },
        parameters: [{ name: 'api_key', secret: true }],
        streams: [{ id: 's', path: '/accounts/{config.api_key}/items' }],
      },
      { api_key: secret },
    );
    const err = (await readAll(conn, 's').catch((e) => e)) as ProviderError;
    expect(err.kind).toBe('configuration');
    expect(err.bodyExcerpt!.length).toBeLessThanOrEqual(500);
    expect(err.bodyExcerpt!.startsWith('invalid key [REDACTED] xxx')).toBe(true);
    expect(err.message).toContain(`GET ${sim.url}/accounts/[REDACTED]/items returned HTTP 400`);
    expect(err.message).not.toContain(secret);
    expect(err.message).not.toContain('key=');
  });
});

describe('HTTP runtime: OAuth refresh hook', () => {
  it('refreshes once on 401 and retries with the new headers', async () => {
    const sim = await serve((q) => (q.headers.authorization === 'Bearer fresh' ? OK : { status: 401, json: { error: 'expired' } }));
    let refreshes = 0;
    const client = fastRuntime().runtime.client({
      connectionId: 'c',
      onUnauthorized: async () => {
        refreshes++;
        return { authorization: 'Bearer fresh' };
      },
    });
    const results = await Promise.all([1, 2, 3].map(() => client.request({ url: sim.url, headers: { authorization: 'Bearer stale' } })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(refreshes).toBe(1);
  });

  it('a 401 after refreshing is an authentication error; the new token is redacted', async () => {
    const sim = await serve((q) => ({ status: 401, json: { error: `token ${q.headers.authorization} revoked` } }));
    const client = fastRuntime().runtime.client({ connectionId: 'c', onUnauthorized: async () => ({ authorization: 'Bearer new-token-42' }) });
    const err = await client.request({ url: sim.url }).catch((e) => e);
    expect(err).toMatchObject({ kind: 'authentication', status: 401 });
    expect(err.message).toContain('token [REDACTED] revoked');
    expect(err.message).not.toContain('new-token-42');
    expect(sim.requests).toHaveLength(2);
  });
});

describe('HTTP runtime: per-connection limits', () => {
  it('token bucket spaces requests per connection', async () => {
    const sim = await serve(() => OK);
    const rt = fastRuntime();
    const waits: WaitInfo[] = [];
    const a = rt.runtime.client({ connectionId: 'a', limits: { requestsPerSecond: 2, burst: 1 } });
    for (let i = 0; i < 3; i++) await a.request({ url: sim.url, onWait: (w) => waits.push(w) });
    expect(waits).toEqual([
      { reason: 'rate_limit', ms: 500 },
      { reason: 'rate_limit', ms: 500 },
    ]);
    // Another connection has its own bucket.
    await rt.runtime.client({ connectionId: 'b', limits: { requestsPerSecond: 2, burst: 1 } }).request({ url: sim.url });
    expect(rt.sleeps).toEqual([500, 500]);
  });

  it('caps concurrent requests per connection', async () => {
    const sim = await serve(() => ({ ...OK, delayMs: 100 }));
    const rt = fastRuntime();
    const waits: WaitInfo[] = [];
    const client = rt.runtime.client({ connectionId: 'conc', limits: { concurrency: 2 } });
    await Promise.all(Array.from({ length: 6 }, () => client.request({ url: sim.url, onWait: (w) => waits.push(w) })));
    expect(sim.maxInFlight).toBe(2);
    expect(waits.filter((w) => w.reason === 'concurrency').length).toBeGreaterThan(0);
  });
});

describe('HTTP runtime: redirects', () => {
  it('keeps credentials on same-origin redirects and drops them across origins', async () => {
    const other = await serve((q) => ({ json: { seenKey: q.headers['x-api-key'] ?? null } }));
    const sim = await serve((q) =>
      q.path === '/old' ? { status: 301, headers: { location: '/new' } } : q.path === '/new' ? { status: 302, headers: { location: `${other.url}/cdn` } } : OK,
    );
    const res = await fastRuntime()
      .runtime.client({ connectionId: 'c' })
      .request({ url: `${sim.url}/old`, headers: { 'x-api-key': 'k' } });
    expect(sim.requests.map((q) => [q.path, q.headers['x-api-key']])).toEqual([
      ['/old', 'k'],
      ['/new', 'k'],
    ]);
    expect(JSON.parse(res.body)).toEqual({ seenKey: null });
    expect(res.url).toBe(`${other.url}/cdn`);
  });
});

describe('declarative connection + runtime', () => {
  it('readPage passes onWait through for 429 and returns the page after waiting', async () => {
    const sim = await serve(sequence({ status: 429, headers: { 'retry-after': '1' }, json: {} }, { json: [{ id: 1 }] }));
    const { records, waits } = await readAll(connect({ id: 'x', name: 'X', base_url: sim.url, streams: [{ id: 's', path: '/s', primary_key: 'id' }] }, {}), 's');
    expect(records.map((r) => r.id)).toEqual(['1']);
    expect(waits).toEqual([{ reason: 'rate_limit', ms: 1050, status: 429 }]);
  });
});
