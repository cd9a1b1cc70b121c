/**
 * The hosted connect page's answer time: GET /magic-link/{id} (link lookup, provider and connector,
 * CSRF token, HTML) over real HTTP against the API on a real port, one request at a time after a
 * warm-up, then with `--concurrency` clients at once. Reports p50/p95/p99/max in ms.
 *
 *   npm run bench:connect -- [--requests 2000] [--warmup 200] [--concurrency 8]
 *
 * Uses DATABASE_URL / TEMPORAL_ADDRESS when set, else an embedded Postgres and a Temporal dev server.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { createApp } from '../api/app';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { compose } from '../runtime/compose';
import { createApplication } from '../services/tenants/applications';
import { withBenchServers } from './servers';

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '2000' }, warmup: { type: 'string', default: '200' }, concurrency: { type: 'string', default: '8' } },
});
const REQUESTS = Number(values.requests);
const WARMUP = Number(values.warmup);
const CONCURRENCY = Number(values.concurrency);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const summary = (ms: number[]) => {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s.at(-1)! };
};

async function timeGet(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url);
  await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return performance.now() - t0;
}

async function main() {
  const logger = createLogger('warn', 'bench');
  await withBenchServers(async ({ temporalAddress, newDatabase, onClose }) => {
    const database = await newDatabase('bench_connect');
    const root = await compose(
      loadConfig({ DATABASE_POOL_SIZE: '10', TEMPORAL_TASK_QUEUE: `bench-${randomUUID()}`, ENCRYPTION_KEY: `bench:${randomBytes(32).toString('base64')}` }),
      { logger, database, temporal: temporalAddress },
    );
    onClose(root.close);
    const server = serve({ fetch: createApp(root.app).fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    onClose(() => new Promise((r) => server.close(r)));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const tenant = await createApplication(root.services.db, 'bench');
    const call = async (method: string, p: string, body: unknown) => {
      const res = await fetch(`${base}/mgmt/v2${p}`, { method, headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<any>;
    };
    await call('PUT', '/customers', { customer_id: 'acme', name: 'Acme Inc', email: 'ops@acme.example' });
    await call('PUT', '/connectors/bench-crm', {
      id: 'bench-crm',
      name: 'Bench CRM',
      base_url: '{config.base_url}',
      auth: { type: 'api_key', location: 'header', name: 'x-api-key', value: '{config.api_key}' },
      parameters: [
        { name: 'base_url', label: 'Base URL', required: true },
        { name: 'api_key', label: 'API key', required: true, secret: true },
      ],
      streams: [{ id: 'contacts', path: '/contacts', primary_key: 'id' }],
    });
    await call('POST', '/providers', { auth_type: 'api_key', category: 'no_category', name: 'bench-crm' });
    const link = await call('POST', '/magic_links', { customer_id: 'acme', provider_name: 'bench-crm', return_url: 'https://app.example.com/done', expiration_secs: 3600 });

    for (let i = 0; i < WARMUP; i++) await timeGet(link.url);
    const sequential: number[] = [];
    for (let i = 0; i < REQUESTS; i++) sequential.push(await timeGet(link.url));
    const concurrent: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < REQUESTS) concurrent.push(await timeGet(link.url));
      }),
    );

    const fmt = (n: number) => n.toFixed(2);
    console.log(
      `GET /magic-link/{id}: ${REQUESTS} requests after ${WARMUP} warm-up; Node ${process.version}, ${os.cpus().length} CPUs, load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    console.log('| clients | p50 ms | p95 ms | p99 ms | max ms |');
    console.log('| ---: | ---: | ---: | ---: | ---: |');
    for (const [clients, ms] of [
      [1, sequential],
      [CONCURRENCY, concurrent],
    ] as const) {
      const s = summary(ms);
      console.log(`| ${clients} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ${fmt(s.max)} |`);
    }
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
