/**
 * End-to-end sync benchmark: N records (~1 KB, 20 fields) from a local HTTP provider
 * through the real worker (its own process) into Postgres, against the raw COPY rate of
 * the same rows into the same kind of table, measured in the same run.
 *
 *   npm run bench:sync -- [--records 1000000] [--baseline 100000] [--page 1000] [--changes 1000] [--worker built,tsx] [--paging chain|total] [--record-bytes 1000]
 *
 * --record-bytes: each record's JSON length (padding in `notes`), for the worker's working set under big records.
 *
 * --worker: how the worker process runs, the first for the throughput figures, each for its peak RSS:
 * `built` (the default) is the production build as docker-compose.yml's worker command starts it
 * (`node --max-semi-space-size=8 dist/worker.js`, read from that file), with the prebuilt workflow
 * bundle (`npm run build` runs first); `tsx` is `tsx worker.ts`, bundling the workflows at start.
 * Node options after a `+` (`built+--max-old-space-size=256`) are given to that kind's workers.
 *
 * Uses DATABASE_URL / TEMPORAL_ADDRESS when set, else an embedded Postgres and a Temporal dev server.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { parse as parseYaml } from 'yaml';
import { createApp } from '../api/app';
import { upsertConnector } from '../db/repositories/connectors';
import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { PROJECT_ROOT } from '../lib/temporal-binaries';
import { compose } from '../runtime/compose';
import { createApplication } from '../services/tenants/applications';
import { withBenchServers } from './servers';
import { generateRecord, generateRecordText, measureRawCopy } from './copy-baseline';
import { cpuBetween, cpuSnapshot } from './cpu';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    baseline: { type: 'string', default: '100000' },
    page: { type: 'string', default: '1000' },
    changes: { type: 'string', default: '1000' },
    worker: { type: 'string', default: 'built' },
    paging: { type: 'string', default: 'chain' },
    'record-bytes': { type: 'string', default: '1000' },
  },
});
if (!['chain', 'total'].includes(args.paging)) throw new Error('--paging: chain (next_offset from each page) or total (pages read concurrently from the total)');
/** chain: each page names the next, one request at a time; total: the response's total lets the connector read pages concurrently. */
const PAGING = args.paging as 'chain' | 'total';
const N = Number(args.records);
const N_SMALL = Number(args.baseline);
const PAGE = Number(args.page);
const CHANGES = Number(args.changes);
const RECORD_BYTES = Number(args['record-bytes']);
/** The worker's command in docker-compose.yml (its node options, then dist/worker.js): `built` runs the worker as deployed. */
function deployedWorkerArgs(): string[] {
  const compose = parseYaml(readFileSync(`${PROJECT_ROOT}/docker-compose.yml`, 'utf8'), { merge: true }) as { services: { worker: { command: string[] } } };
  const [node, ...args] = compose.services.worker.command;
  if (node !== 'node' || args.at(-1) !== 'dist/worker.js')
    throw new Error(`docker-compose.yml's worker command is not node [options] dist/worker.js: ${JSON.stringify(compose.services.worker.command)}`);
  return args;
}
const WORKER_KINDS = { built: deployedWorkerArgs(), tsx: ['--import', 'tsx', 'worker.ts'] };
type WorkerKind = keyof typeof WORKER_KINDS;
const KINDS = args.worker.split(',').map((label) => {
  const [kind, ...nodeOptions] = label.split('+');
  if (!kind || !(kind in WORKER_KINDS)) throw new Error(`--worker: ${label} is not one of ${Object.keys(WORKER_KINDS).join(', ')} (+ node options)`);
  return { label, kind: kind as WorkerKind, nodeOptions };
});
const log = (m: string) => console.error(`[bench:sync] ${m}`);
const updatedAtMs = (i: number) => Date.parse(generateRecord(0).updated_at as string) + i * 1000;

/**
 * A provider whose records are generated on demand, so the source costs no memory. While the worker
 * handles a page, the page after it is prepared (the one a full read asks for next): like a remote
 * API's own server time, generating it is then not on the run's chain of requests, though its CPU
 * is still on the cores the worker and Postgres share.
 */
function startProvider(count: () => number, changed: Map<number, string>) {
  const render = (offset: number, limit: number, since: string | null, n: number): string => {
    let indexes: number[];
    if (since === null) {
      indexes = Array.from({ length: Math.max(0, Math.min(limit, n - offset)) }, (_, k) => offset + k);
    } else {
      // Incremental: records at or after the bound, computed, not scanned.
      const first = Math.max(0, Math.ceil((Number(since) * 1000 - updatedAtMs(0)) / 1000));
      const all = [...new Set([...Array.from({ length: Math.max(0, n - first) }, (_, k) => first + k), ...changed.keys()])].sort((a, b) => a - b);
      indexes = all.slice(offset, offset + limit);
    }
    // Each record's text joined into the page: the bytes JSON.stringify of the whole page writes, for one stringify a record instead of two.
    const data = indexes.map((i) => {
      const at = changed.get(i);
      return at ? JSON.stringify({ ...generateRecord(i, RECORD_BYTES), updated_at: at, stage: 'changed' }) : generateRecordText(i, RECORD_BYTES);
    });
    const total = since === null ? n : null;
    const more = total !== null ? offset + limit < total : indexes.length === limit;
    return `{"data":[${data.join(',')}],${PAGING === 'total' ? `"total":${total ?? incrementalTotal(since!, n, changed)}` : `"next_offset":${more ? offset + limit : null}`}}`;
  };
  // What a page's text depends on, so a prepared page is only served for the same request against the same source.
  const keyOf = (offset: number, limit: number, n: number) => `${offset}/${limit}/${n}/${changed.size}`;
  let prepared: { key: string; body: Buffer } | undefined;
  let furthest = -1;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const offset = Number(url.searchParams.get('offset') ?? 0);
    const limit = Number(url.searchParams.get('limit') ?? PAGE);
    const since = url.searchParams.get('updated_after');
    const n = count();
    const key = keyOf(offset, limit, n);
    const body = since === null && prepared?.key === key ? prepared.body : Buffer.from(render(offset, limit, since, n));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
    if (since !== null) return;
    // Concurrent pages (--paging total) are asked for in order too: the next is past the furthest asked for.
    furthest = offset === 0 ? 0 : Math.max(furthest, offset);
    const next = furthest + limit;
    if (next < n) setImmediate(() => (prepared = { key: keyOf(next, limit, n), body: Buffer.from(render(next, limit, null, n)) }));
  });
  return new Promise<{ url: string; close: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() })),
  );
}

/** How many records an incremental query matches (what a total field says). */
function incrementalTotal(since: string, n: number, changed: Map<number, string>): number {
  const first = Math.max(0, Math.ceil((Number(since) * 1000 - updatedAtMs(0)) / 1000));
  return new Set([...Array.from({ length: Math.max(0, n - first) }, (_, k) => first + k), ...changed.keys()]).size;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function main() {
  const logger = createLogger('warn', 'bench');
  await withBenchServers(async ({ dir, temporalAddress: address, newDatabase, onClose }) => {
    const [appDb, destDb, copyDb] = [await newDatabase('bench_app'), await newDatabase('bench_dest'), await newDatabase('bench_copy')];
    const key = `bench:${randomBytes(32).toString('base64')}`;
    const taskQueue = `bench-${randomUUID()}`;
    const root = await compose(loadConfig({ DATABASE_POOL_SIZE: '5', TEMPORAL_TASK_QUEUE: taskQueue, ENCRYPTION_KEY: key }), {
      logger,
      database: appDb,
      temporal: address,
    });
    onClose(root.close);
    const { db } = root.services;
    const { client } = root.services.temporal;
    const app = createApp(root.app);
    const tenant = await createApplication(db, 'bench');
    const call = async (method: string, p: string, body?: unknown) => {
      const res = await app.request(`/mgmt/v2${p}`, {
        method,
        headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
      if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<any>;
    };

    let count = N_SMALL;
    const changed = new Map<number, string>();
    const provider = await startProvider(() => count, changed);
    onClose(async () => provider.close());

    const dest = new URL(destDb);
    await upsertConnector(db, tenant.id, 'bench-source', {
      id: 'bench-source',
      name: 'Bench source',
      base_url: provider.url,
      auth: { type: 'none' },
      // A local API without a quota; the polite default (10 requests/s) would cap the run at 10 pages/s.
      rate_limit: { requests_per_second: 10_000, burst: 100 },
      streams: [
        {
          id: 'records',
          name: 'Records',
          path: '/records',
          primary_key: 'id',
          pagination:
            PAGING === 'total'
              ? { type: 'offset', location: 'query', offset_param: 'offset', limit_param: 'limit', limit: PAGE, total_selector: '$.total' }
              : { type: 'offset', location: 'query', offset_param: 'offset', limit_param: 'limit', limit: PAGE, next_offset_selector: '$.next_offset' },
          incremental: { replication_key: 'updated_at', location: 'query', param: 'updated_after', format: 'timestamp' },
          records_selector: '$.data',
        },
      ],
    });
    await call('PUT', '/customers', { customer_id: 'bench', name: 'Bench', email: 'bench@example.com' });
    await call('POST', '/providers', { auth_type: 'api_key', category: 'no_category', name: 'bench-source' });
    await call('POST', '/destinations', {
      name: 'pg',
      type: 'postgres',
      config: {
        host: dest.hostname,
        port: Number(dest.port),
        database: dest.pathname.slice(1),
        schema: 'public',
        user: dest.username,
        password: decodeURIComponent(dest.password),
        ssl_mode: 'disable',
      },
    });
    await call('POST', '/sync_configs', {
      destination_name: 'pg',
      provider_name: 'bench-source',
      config: { default_config: { period_ms: 86_400_000, strategy: 'full then incremental', auto_start_on_connection: false }, standard_objects: [{ object: 'records' }] },
    });
    await call('POST', '/customers/bench/connections', { provider_name: 'bench-source', params: {} });
    const syncId = (await call('GET', '/syncs')).results[0].id as string;

    if (KINDS.some((k) => k.kind === 'built'))
      execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const startWorker = (queue: string, { kind, nodeOptions }: (typeof KINDS)[number]): ChildProcess =>
      // A kind's own node options come after the deployed ones, so that they win (V8 takes a flag's last value).
      spawn(process.execPath, [...WORKER_KINDS[kind].slice(0, -1), ...nodeOptions, WORKER_KINDS[kind].at(-1)!], {
        cwd: PROJECT_ROOT,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          ...process.env,
          DATABASE_URL: appDb,
          TEMPORAL_ADDRESS: address,
          TEMPORAL_TASK_QUEUE: queue,
          ENCRYPTION_KEY: key,
          DATA_DIR: dir,
          LOG_LEVEL: 'warn',
          METRICS_PORT: '0',
        },
      });
    /** The worker bundles its workflows at start: time runs only once it polls. */
    const waitForWorker = async (queue: string) => {
      for (;;) {
        const res = await client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: queue }, taskQueueType: 1 });
        if ((res.pollers ?? []).length > 0) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const run = async (label: string, queue: string) => {
      const started = Date.now();
      const result = await client.workflow.execute('syncRunWorkflow', { taskQueue: queue, workflowId: `bench-${label}-${randomUUID()}`, args: [{ syncId }] });
      const seconds = (Date.now() - started) / 1000;
      if (result.status !== 'SUCCESS') throw new Error(`${label} run failed: ${JSON.stringify(result)}`);
      log(`${label}: ${result.numRecordsSynced} records in ${seconds.toFixed(1)} s`);
      return { seconds, records: result.numRecordsSynced as number };
    };
    const stopWorker = async (w: ChildProcess) => {
      w.kill('SIGTERM');
      await new Promise((r) => w.once('exit', r));
    };

    /**
     * The next run reads everything, into an empty destination table: a first load, as the raw COPY
     * is (on top of the previous phase's rows, the first N_SMALL records of the large run were upserts).
     */
    const fullRefresh = async () => {
      await db
        .updateTable('syncs')
        .set({ state: JSON.stringify({ full_refresh_requested: true }) })
        .where('id', '=', syncId)
        .execute();
      const dest = new pg.Client({ connectionString: destDb });
      await dest.connect();
      try {
        const { rows } = await dest.query<{ name: string }>(`SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = 'public'`);
        if (rows.length) await dest.query(`TRUNCATE ${rows.map((r) => r.name).join(', ')}`);
      } finally {
        await dest.end();
      }
    };
    /** A fresh worker process of this kind on its own task queue (so peak RSS is per phase), and how long it took to poll. */
    const freshWorker = async (kind: (typeof KINDS)[number], phase: string) => {
      const queue = `${taskQueue}-${KINDS.indexOf(kind)}-${phase}`;
      const spawned = Date.now();
      const worker = startWorker(queue, kind);
      await waitForWorker(queue);
      return { worker, queue, startSeconds: (Date.now() - spawned) / 1000 };
    };

    // Per worker kind: the small object for the memory baseline, then the large one (and, for the first
    // kind, its incremental), each on a fresh worker.
    const measured: Array<{ kind: string; rssSmall: number; rssLarge: number; startSeconds: number }> = [];
    let small: { seconds: number; records: number } | undefined;
    let full: { seconds: number; records: number } | undefined;
    let incremental: { seconds: number; records: number } | undefined;
    const cpu: string[] = [];
    for (const kind of KINDS) {
      count = N_SMALL;
      await fullRefresh();
      let w = await freshWorker(kind, 'small');
      const smallRun = await run(`${kind.label} full-${N_SMALL}`, w.queue);
      const rssSmall = peakRssMb(w.worker.pid!);
      const startSeconds = w.startSeconds;
      await stopWorker(w.worker);

      count = N;
      await fullRefresh();
      w = await freshWorker(kind, 'large');
      const before = cpuSnapshot();
      const fullRun = await run(`${kind.label} full-${N}`, w.queue);
      cpu.push(`${kind.label} full-${N} ${cpuBetween(before, cpuSnapshot(), { worker: w.worker.pid, 'bench (provider)': process.pid })}`);
      const rssLarge = peakRssMb(w.worker.pid!);
      if (!full) {
        [small, full] = [smallRun, fullRun];
        const last = generateRecord(N - 1).updated_at as string;
        for (let k = 0; k < CHANGES; k++) changed.set(Math.floor((k * N) / CHANGES), new Date(Date.parse(last) + 10_000).toISOString());
        incremental = await run(`${kind.label} incremental`, w.queue);
      }
      await stopWorker(w.worker);
      measured.push({ kind: kind.label, rssSmall, rssLarge, startSeconds });
    }
    if (!small || !full || !incremental) throw new Error('no worker kind measured');

    log(`raw COPY of ${N} rows...`);
    const beforeCopy = cpuSnapshot();
    // Measured before the COPY's connection closes: its Postgres backend exits with it.
    const copyRate = await measureRawCopy(copyDb, N, RECORD_BYTES, () => cpu.push(`raw COPY ${cpuBetween(beforeCopy, cpuSnapshot(), { bench: process.pid })}`));

    const e2e = full.records / full.seconds;
    const lines = [
      `records: ${N} (~${RECORD_BYTES.toLocaleString('en')} bytes, 20 fields), page ${PAGE}; memory baseline at ${N_SMALL}; throughput of the ${KINDS[0]!.label} worker`,
      `end-to-end full sync: ${Math.round(e2e).toLocaleString('en')} records/s (${full.seconds.toFixed(1)} s)`,
      `raw COPY, same rows:  ${Math.round(copyRate).toLocaleString('en')} rows/s`,
      `ratio e2e / COPY:     ${(e2e / copyRate).toFixed(2)}  (target >= 0.6)`,
      ...measured.map(
        (m) =>
          `worker peak RSS (${m.kind}): ${m.rssSmall.toFixed(0)} MB at ${N_SMALL}, ${m.rssLarge.toFixed(0)} MB at ${N} -> ${(m.rssLarge / m.rssSmall).toFixed(2)}x (target <= 300 MB, <= 1.3x); polling ${m.startSeconds.toFixed(1)} s after spawn`,
      ),
      `small full sync:      ${Math.round(small.records / small.seconds).toLocaleString('en')} records/s`,
      `incremental, ${incremental.records} changes: ${incremental.seconds.toFixed(2)} s = ${((100 * incremental.seconds) / full.seconds).toFixed(2)}% of the full run (target < 2%)`,
      ...cpu,
    ];
    console.log(lines.join('\n'));
  });
}

await main();
