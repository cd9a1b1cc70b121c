/**
 * The Management API under load: autocannon with `--connections` clients against `npm run api`'s
 * process (server.ts, default pool of 10 database connections) over real HTTP, on GET /syncs,
 * GET /sync-runs and POST /syncs/_trigger, each for `--duration` s after a `--warmup` s warm-up,
 * then for as long again with one connection (a request's own time, without queueing).
 * Data: `--customers` customers, each connected to one provider of `--objects` objects (syncs and
 * Temporal schedules created through the API), and `--runs` finished runs per sync in the ledger
 * (written straight into sync_runs, as workers would have over `--runs` hours). Each trigger names
 * a random sync; no worker runs, so what it measures is the API's part: the sync's lookup and the
 * schedule's trigger (at most one run running and one buffered per sync, however many triggers).
 *
 *   npm run bench:api -- [--customers 300] [--objects 3] [--runs 200] [--connections 200] [--duration 20] [--warmup 5]
 *
 * `--cpu-prof DIR` writes the API process's CPU profile there.
 * Uses DATABASE_URL / TEMPORAL_ADDRESS when set, else an embedded Postgres and a Temporal dev server.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { createDb } from '../db/connection';
import { startApiProcess, seedThroughApi } from './api-process';
import { withBenchServers } from './servers';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '300' },
    objects: { type: 'string', default: '3' },
    runs: { type: 'string', default: '200' },
    connections: { type: 'string', default: '200' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    'cpu-prof': { type: 'string' },
  },
});
const CUSTOMERS = Number(args.customers);
const OBJECTS = ['contacts', 'companies', 'deals', 'tickets', 'notes', 'calls', 'meetings', 'tasks'].slice(0, Number(args.objects));
const RUNS = Number(args.runs);
const CONNECTIONS = Number(args.connections);

const log = (msg: string) => console.error(`[bench:api] ${msg}`);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

interface Target {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  /** Varies each request (trigger: a random sync). */
  setupRequest?: autocannon.Request['setupRequest'];
}

async function main() {
  await withBenchServers(async ({ dir, temporalAddress, newDatabase, onClose }) => {
    const databaseUrl = await newDatabase('bench_api');
    const api = await startApiProcess({
      databaseUrl,
      temporalAddress,
      taskQueue: `bench-${randomUUID()}`,
      dataDir: dir,
      encryptionKey: `bench:${randomBytes(32).toString('base64')}`,
      cpuProfileDir: args['cpu-prof'],
      onClose,
    });

    log(`seeding ${CUSTOMERS} customers × ${OBJECTS.length} objects through the API...`);
    const t0 = performance.now();
    const customers = await seedThroughApi(api, { customers: CUSTOMERS, objects: OBJECTS, concurrency: 8, databaseUrl });
    log(`seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s; writing ${RUNS} runs per sync into the ledger...`);
    const db = createDb(databaseUrl, 2);
    onClose(() => db.destroy());
    // One run an hour per sync, newest an hour ago; one in 20 failed, one in 24 a full run.
    await sql`
      insert into sync_runs (application_id, sync_id, connection_id, customer_id, provider_name, category, object_type, object,
                             status, strategy, error_message, num_records_synced, start_timestamp, end_timestamp)
      select s.application_id, s.id, s.connection_id, c.customer_id, c.provider_name, c.category, s.object_type, s.object,
             case when g % 20 = 0 then 'FAILURE' else 'SUCCESS' end,
             case when g % 24 = 0 then 'full' else 'incremental' end,
             case when g % 20 = 0 then 'provider answered 503 Service Unavailable' end,
             (g * 7919) % 5000,
             now() - g * interval '1 hour' + (hashtext(s.id::text) % 3600) * interval '1 second',
             now() - g * interval '1 hour' + (hashtext(s.id::text) % 3600 + 40) * interval '1 second'
      from syncs s join connections c on c.id = s.connection_id cross join generate_series(1, ${RUNS}) g`.execute(db);
    await sql`analyze`.execute(db);
    const counts = await sql<{ syncs: number; runs: number }>`select (select count(*) from syncs)::int syncs, (select count(*) from sync_runs)::int runs`.execute(db);
    const { syncs, runs } = counts.rows[0]!;
    log(`${syncs} syncs, ${runs} sync runs`);

    const triggerBody = (object: string) => JSON.stringify({ object_type: 'standard', object });
    const targets: Target[] = [
      { name: 'GET /mgmt/v2/syncs', method: 'GET', path: '/mgmt/v2/syncs' },
      { name: 'GET /mgmt/v2/sync-runs', method: 'GET', path: '/mgmt/v2/sync-runs' },
      {
        name: 'POST /mgmt/v2/syncs/_trigger',
        method: 'POST',
        path: '/mgmt/v2/syncs/_trigger',
        setupRequest: (req) => ({
          ...req,
          headers: {
            ...req.headers,
            'x-customer-id': customers[Math.floor(Math.random() * customers.length)]!,
            'x-provider-name': 'bench-crm',
          },
          body: triggerBody(OBJECTS[Math.floor(Math.random() * OBJECTS.length)]!),
        }),
      },
    ];
    const rows: string[] = [];
    for (const t of targets) {
      const run = (connections: number, duration: number) =>
        autocannon({
          url: `${api.base}${t.path}`,
          method: t.method,
          connections,
          duration,
          headers: { 'x-api-key': api.apiKey, 'content-type': 'application/json' },
          requests: [{ method: t.method, path: t.path, ...(t.setupRequest ? { setupRequest: t.setupRequest } : {}) }],
        });
      const report = (connections: number, r: autocannon.Result, loadBefore: string, cpu: string) => {
        const codes = Object.entries(r.statusCodeStats ?? {})
          .map(([code, s]) => `${code}: ${s.count ?? 0}`)
          .join(', ');
        rows.push(
          `| ${t.name} | ${connections} | ${r.latency.p50} | ${r.latency.p99} | ${r.latency.max} | ${r.requests.average.toFixed(0)} | ${r.requests.total} | ${r.non2xx} | ${r.errors} (${r.timeouts} timeouts) | ${codes} | ${cpu} | ${loadBefore} |`,
        );
        log(rows.at(-1)!);
      };
      log(`${t.name}: warm-up ${args.warmup} s...`);
      await run(CONNECTIONS, Number(args.warmup));
      // Each connection sends its next request when the answer came: once the API saturates, latency
      // is connections ÷ throughput. One connection alone shows a request's own time.
      for (const connections of [CONNECTIONS, 1]) {
        const loadBefore = load();
        const [apiCpu, ownCpu, t0] = [await api.cpuMs(), process.cpuUsage(), performance.now()];
        const r = await run(connections, Number(args.duration));
        const wall = performance.now() - t0;
        const own = process.cpuUsage(ownCpu);
        const pct = (ms: number) => `${((100 * ms) / wall).toFixed(0)} %`;
        report(connections, r, loadBefore, `${pct((await api.cpuMs()) - apiCpu)} / ${pct((own.user + own.system) / 1000)}`);
      }
    }
    console.log(
      `${args.duration} s per endpoint and number of connections after ${args.warmup} s warm-up at ${CONNECTIONS}; ${syncs} syncs of ${CUSTOMERS} customers, ${runs} sync runs; Node ${process.version}, ${os.cpus().length} CPUs`,
    );
    console.log(
      '| endpoint | connections | p50 ms | p99 ms | max ms | req/s | requests | non-2xx | errors | status codes | CPU of a core: API / load generator | machine load (1/5/15 min) |',
    );
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |');
    for (const row of rows) console.log(row);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
