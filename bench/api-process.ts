/**
 * The API as users run it (`npm run api`: server.ts in its own process) on the benchmark's database
 * and Temporal, and the calls a user's application makes to it. Its own process, so a load
 * generator in the benchmark's process does not share its event loop.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../lib/ports';
import { PROJECT_ROOT } from '../lib/temporal-binaries';

export interface ApiProcess {
  base: string;
  /** The API process's CPU time so far (user + system, ms), from /proc. */
  cpuMs(): Promise<number>;
  apiKey: string;
  /** One Management API call; a status of 300 or more throws with the body. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any>;
}

export async function startApiProcess(opts: {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  dataDir: string;
  encryptionKey: string;
  /** Writes the API process's CPU profile (node --cpu-prof) into this directory when it stops. */
  cpuProfileDir?: string;
  onClose: (stop: () => Promise<unknown>) => void;
}): Promise<ApiProcess> {
  const port = await freePort();
  const apiKey = `sk_bench_${randomBytes(16).toString('hex')}`;
  const profile = opts.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfileDir] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'server.ts'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: opts.databaseUrl,
      TEMPORAL_ADDRESS: opts.temporalAddress,
      TEMPORAL_TASK_QUEUE: opts.taskQueue,
      ENCRYPTION_KEY: opts.encryptionKey,
      DATA_DIR: opts.dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      API_KEY: apiKey,
      LOG_LEVEL: 'warn',
    },
  });
  const exited = new Promise((r) => child.once('exit', r));
  opts.onClose(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  const base = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 60_000; ; await sleep(200)) {
    if (child.exitCode !== null) throw new Error(`the API process exited with ${child.exitCode}`);
    const ready = await fetch(`${base}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error('the API process did not become ready within 60 s');
  }
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}/mgmt/v2${path}`, {
      method,
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const cpuMs = async () => {
    // Fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name; clock ticks of 10 ms.
    const fields = (await readFile(`/proc/${child.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  return { base, apiKey, cpuMs, call };
}

/**
 * What an application sets up once (a declarative connector with `objects` streams, its provider,
 * a Postgres destination, a sync config of every object, hourly, no start on connection), then
 * per customer: the customer and its connection, whose syncs and schedules the API creates.
 * `concurrency` customers at a time. Returns the customer ids.
 */
export async function seedThroughApi(
  api: ApiProcess,
  opts: { customers: number; objects: string[]; concurrency: number; databaseUrl: string; onProgress?: (done: number) => void },
): Promise<string[]> {
  const db = new URL(opts.databaseUrl);
  await api.call('PUT', '/connectors/bench-crm', {
    id: 'bench-crm',
    name: 'Bench CRM',
    base_url: '{config.base_url}',
    auth: { type: 'api_key', location: 'header', name: 'x-api-key', value: '{config.api_key}' },
    parameters: [
      { name: 'base_url', label: 'Base URL', required: true },
      { name: 'api_key', label: 'API key', required: true, secret: true },
    ],
    streams: opts.objects.map((o) => ({ id: o, path: `/${o}`, primary_key: 'id' })),
  });
  await api.call('POST', '/providers', { auth_type: 'api_key', category: 'no_category', name: 'bench-crm' });
  await api.call('POST', '/destinations', {
    name: 'warehouse',
    type: 'postgres',
    config: { host: db.hostname, port: Number(db.port), database: db.pathname.slice(1), schema: 'synced', user: db.username, password: db.password, ssl_mode: 'disable' },
  });
  await api.call('POST', '/sync_configs', {
    destination_name: 'warehouse',
    provider_name: 'bench-crm',
    config: {
      // No run at connection: the benchmarks measure the API and the schedules, not sync runs.
      default_config: { period_ms: 3_600_000, strategy: 'full then incremental', auto_start_on_connection: false },
      standard_objects: opts.objects.map((object) => ({ object })),
    },
  });
  const ids = Array.from({ length: opts.customers }, (_, i) => `customer-${String(i).padStart(5, '0')}`);
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      for (let i = next++; i < ids.length; i = next++) {
        const id = ids[i]!;
        await api.call('PUT', '/customers', { customer_id: id, name: `Customer ${i}`, email: `ops@${id}.example` });
        await api.call('POST', `/customers/${id}/connections`, {
          provider_name: 'bench-crm',
          type: 'api_key',
          api_key: `key-${id}`,
          params: { base_url: 'https://crm.example.com/api' },
        });
        opts.onProgress?.(++done);
      }
    }),
  );
  return ids;
}
