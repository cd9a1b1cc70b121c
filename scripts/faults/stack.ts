/**
 * The stack the fault scenarios break: an embedded PostgreSQL (the application's database and, behind
 * an outage proxy, the destination database), a Temporal dev server on a SQLite file (so it can be
 * restarted with its history), one `npm run api` and two `npm run worker` processes against them, on
 * free ports and a scratch DATA_DIR. Everything started here is stopped by close(), whatever failed.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { postgresDataDir, startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../lib/embedded-postgres';
import { freePort } from '../../lib/ports';
import { resolveTemporalBinaryPath } from '../../lib/temporal-binaries';
import { startTemporalDevServer, type DevServerHandle } from '../../lib/temporal-dev-server';
import { ensureDatabase } from '../../runtime/infrastructure';
import { startOutageProxy, type OutageProxy } from './outage-proxy';
import { startRole, type RoleProcess } from './processes';

export const TASK_QUEUE = 'faults';
export const DEST_DATABASE = 'faults_dest';
/** Records per destination batch on the workers: several batches per run, so kills land between them. */
export const BATCH_RECORDS = 500;

export interface ApiResponse {
  status: number;
  body: any;
}

export interface Stack {
  readonly dir: string;
  readonly apiUrl: string;
  readonly apiKey: string;
  /** The application database (what the API and workers store). */
  readonly db: pg.Pool;
  /** The destination database, directly (not through the outage proxy). */
  readonly dest: pg.Pool;
  /** What destinations are configured with: the outage proxy in front of the destination database. */
  readonly destProxy: OutageProxy;
  readonly destConfig: { host: string; port: number; database: string; user: string; password: string; ssl_mode: 'disable' };
  readonly temporal: Client;
  readonly env: NodeJS.ProcessEnv;
  api: RoleProcess;
  /** Worker processes alive (killed ones are removed). */
  readonly workers: RoleProcess[];
  request(method: string, route: string, body?: unknown, apiKey?: string): Promise<ApiResponse>;
  startWorker(): Promise<RoleProcess>;
  /** Starts workers until `n` are alive. */
  ensureWorkers(n: number): Promise<void>;
  /** SIGKILLs a worker and forgets it. */
  killWorker(w: RoleProcess): Promise<void>;
  /** The worker process that runs the workflow's pending activity (by Temporal's worker identity), if any. */
  workerRunningActivity(workflowId: string): Promise<RoleProcess | undefined>;
  /** SIGKILLs the API process (kill=true) or stops it, then starts another on the same port. */
  restartApi(opts: { kill: boolean }): Promise<void>;
  /** Stops the Temporal server, waits downMs, and starts it again on the same port and SQLite file. */
  restartTemporal(downMs: number): Promise<void>;
  /** The tails of every process's log, for a failure. */
  logs(): string;
  close(): Promise<void>;
}

/** `onClose` receives the stop-everything function at once, so a signal during the start can still use it. */
export async function startStack(log: (line: string) => void, onClose: (close: () => Promise<void>) => void): Promise<Stack> {
  const dir = await mkdtemp(path.join(tmpdir(), 'syncwell-faults-'));
  // Postgres runs as an unprivileged user when we are root: it must be able to reach its data dir.
  await chmod(dir, 0o755);
  const logDir = path.join(dir, 'logs');
  await mkdir(logDir);
  const closers: Array<() => Promise<unknown>> = [];
  const everyProcess: RoleProcess[] = [];
  const workers: RoleProcess[] = [];
  let temporalServer: DevServerHandle | undefined;
  let counter = 0;

  let closing: Promise<void> | undefined;
  // Once, whether the runner's finally or a signal asks first.
  const close = () =>
    (closing ??= (async () => {
      await Promise.all(everyProcess.map((p) => p.stop(10_000).catch(() => undefined)));
      for (const c of closers.reverse()) await c().catch((err) => log(`cleanup: ${(err as Error).message}`));
      await temporalServer?.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    })());
  onClose(close);

  try {
    const pgPort = await freePort();
    const postgres: EmbeddedPostgresHandle = await startEmbeddedPostgres({ dataDir: postgresDataDir(path.join(dir, 'data')), port: pgPort, persistent: false });
    closers.push(() => postgres.stop());
    await ensureDatabase(postgres.adminUrl, 'syncwell');
    await ensureDatabase(postgres.adminUrl, DEST_DATABASE);
    const destProxy = await startOutageProxy({ host: '127.0.0.1', port: pgPort });
    closers.push(() => destProxy.close());

    const cliPath = await resolveTemporalBinaryPath('cli', { explicitPath: process.env.TEMPORAL_CLI_PATH, log });
    const temporalPort = await freePort();
    const startTemporal = async () => {
      temporalServer = await startTemporalDevServer({ cliPath, dbFile: path.join(dir, 'temporal', 'temporal.db'), port: temporalPort, namespace: 'default' });
    };
    await startTemporal();
    const temporalAddress = `127.0.0.1:${temporalPort}`;
    const connection = await Connection.connect({ address: temporalAddress });
    closers.push(() => connection.close());
    const temporal = new Client({ connection, namespace: 'default' });

    const apiPort = await freePort();
    const apiKey = `sk_faults_${randomBytes(16).toString('hex')}`;
    const databaseUrl = postgres.urlFor('syncwell');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      API_KEY: apiKey,
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SYNC_BATCH_RECORDS: String(BATCH_RECORDS),
      LOG_FORMAT: 'json',
      LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'info',
    };
    const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    closers.push(() => db.end());
    const dest = new pg.Pool({ connectionString: postgres.urlFor(DEST_DATABASE), max: 2 });
    closers.push(() => dest.end());
    // An idle client that Postgres ends (its stop, an outage) is an 'error' of the pool: logged, not a crash of the runner.
    for (const [name, pool] of [
      ['db', db],
      ['dest', dest],
    ] as const)
      pool.on('error', (err) => log(`${name} pool: idle client ended (${err.message})`));
    const apiUrl = `http://127.0.0.1:${apiPort}`;

    const spawnRole = (role: 'api' | 'worker', own: NodeJS.ProcessEnv = {}) => {
      const name = `${role}-${++counter}`;
      const p = startRole(role, name, { ...env, ...own, DATA_DIR: path.join(dir, name) }, logDir);
      everyProcess.push(p);
      return p;
    };
    const waitHealthy = async (p: RoleProcess, url: string) => {
      const deadline = Date.now() + 180_000;
      for (;;) {
        if (p.exited()) throw new Error(`${p.name} exited at start:\n${p.logTail()}`);
        const res = await fetch(url).catch(() => undefined);
        if (res?.ok) return;
        if (Date.now() > deadline) throw new Error(`${p.name} was not healthy within 3 minutes:\n${p.logTail()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const startApi = async () => {
      const api = spawnRole('api');
      await waitHealthy(api, `${apiUrl}/ready`);
      return api;
    };
    const startWorker = async () => {
      // Each worker serves /health on a port of its own. No /metrics (METRICS_PORT's default is one port
      // for all, and with metrics on, the worker picks its SDK exporter's port as freePort picked this one).
      const port = String(await freePort());
      const w = spawnRole('worker', { METRICS_PORT: '0', WORKER_HEALTH_PORT: port });
      await waitHealthy(w, `http://127.0.0.1:${port}/health`);
      workers.push(w);
      return w;
    };

    // The API first: it runs the migrations the workers' start needs.
    const stack: Stack = {
      dir,
      apiUrl,
      apiKey,
      db,
      dest,
      destProxy,
      destConfig: { host: '127.0.0.1', port: destProxy.port, database: DEST_DATABASE, user: 'postgres', password: 'postgres', ssl_mode: 'disable' },
      temporal,
      env,
      api: await startApi(),
      workers,
      async request(method, route, body, key = apiKey) {
        const res = await fetch(`${apiUrl}/mgmt/v2${route}`, {
          method,
          headers: { 'x-api-key': key, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : null;
        } catch {
          // not JSON: the text says what went wrong
        }
        return { status: res.status, body: parsed };
      },
      startWorker,
      async ensureWorkers(n) {
        for (const w of workers.filter((x) => x.exited())) await stack.killWorker(w);
        await Promise.all(Array.from({ length: Math.max(0, n - workers.length) }, () => startWorker()));
      },
      async killWorker(w) {
        await w.kill();
        workers.splice(workers.indexOf(w), 1);
      },
      async workerRunningActivity(workflowId) {
        const description = await temporal.workflow.getHandle(workflowId).describe();
        const pending = description.raw.pendingActivities ?? [];
        for (const a of pending) {
          const pid = Number(/^(\d+)@/.exec(a.lastWorkerIdentity ?? '')?.[1]);
          const w = workers.find((x) => x.pids().includes(pid));
          if (w) return w;
        }
        return undefined;
      },
      async restartApi({ kill }) {
        await (kill ? stack.api.kill() : stack.api.stop());
        stack.api = await startApi();
      },
      async restartTemporal(downMs) {
        await temporalServer?.stop();
        temporalServer = undefined;
        await new Promise((r) => setTimeout(r, downMs));
        await startTemporal();
      },
      // The API's banner prints the key it was given.
      logs: () => everyProcess.map((p) => `--- ${p.name}${p.exited() ? ' (exited)' : ''}\n${p.logTail(15).replaceAll(apiKey, 'sk_…')}`).join('\n'),
      close,
    };
    await stack.ensureWorkers(2);
    return stack;
  } catch (err) {
    await close();
    throw err;
  }
}
