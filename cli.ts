/**
 * Operator commands. `npm run cli -- applications create --name NAME` prints the new
 * application's API key alone on the last line. Uses DATABASE_URL when set, else the
 * embedded Postgres under DATA_DIR — the running one, or a temporary start of it.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { createDb } from './db/connection';
import { migrateToLatest } from './db/migrate';
import { ConfigError, getConfig, type Config } from './lib/config';
import { startEmbeddedPostgres } from './lib/embedded-postgres';
import { EMBEDDED_DATABASE, ensureDatabase } from './runtime/infrastructure';
import { createLogger } from './lib/logger';
import { createApplication } from './services/tenants/applications';
import { setHostedOAuthConnect } from './services/connect/oauth';
import pg from 'pg';

const USAGE = [
  'usage: npm run cli -- applications create --name NAME',
  '       npm run cli -- applications hosted-oauth --id APPLICATION_ID (--allow-origin https://app.example.com ... | --off)',
].join('\n');

async function withDatabaseUrl<T>(config: Config, fn: (url: string) => Promise<T>): Promise<T> {
  if (config.databaseUrl) return fn(config.databaseUrl);
  const url = `postgres://postgres:postgres@127.0.0.1:${config.embeddedPostgresPort}/${EMBEDDED_DATABASE}`;
  if (await reachable(url)) return fn(url);
  // Nothing is running: start the same embedded cluster just for this command.
  const logger = createLogger('warn', 'cli');
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'postgres'), port: config.embeddedPostgresPort, logger });
  try {
    await ensureDatabase(embedded.adminUrl, EMBEDDED_DATABASE);
    return await fn(embedded.urlFor(EMBEDDED_DATABASE));
  } finally {
    await embedded.stop();
  }
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function main(argv: string[]): Promise<number> {
  const [group, action, ...rest] = argv;
  if (group === 'applications' && action === 'hosted-oauth') return hostedOAuth(rest);
  if (group !== 'applications' || action !== 'create') {
    console.error(USAGE);
    return 2;
  }
  const { values } = parseArgs({ args: rest, options: { name: { type: 'string' } }, strict: true });
  const name = values.name?.trim();
  if (!name) {
    console.error(`--name is required\n${USAGE}`);
    return 2;
  }
  const config = getConfig();
  return withDatabaseUrl(config, async (url) => {
    const db = createDb(url, 1);
    try {
      await migrateToLatest(db);
      const created = await createApplication(db, name);
      console.log(`Created application ${created.name} (${created.id}). Its API key, shown once:`);
      console.log(created.apiKey);
      return 0;
    } finally {
      await db.destroy();
    }
  });
}

/** Opts an application in to GET /oauth/connect (the return URL origins it may redirect to) or out (--off). */
async function hostedOAuth(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { id: { type: 'string' }, 'allow-origin': { type: 'string', multiple: true }, off: { type: 'boolean' } }, strict: true });
  const origins = values['allow-origin'] ?? [];
  if (!values.id || (values.off ? origins.length > 0 : origins.length === 0)) {
    console.error(`--id and either --allow-origin (one or more) or --off are required\n${USAGE}`);
    return 2;
  }
  const id = values.id;
  return withDatabaseUrl(getConfig(), async (url) => {
    const db = createDb(url, 1);
    try {
      await migrateToLatest(db);
      await setHostedOAuthConnect({ db }, id, values.off ? null : origins);
      console.log(values.off ? `Hosted OAuth connect is off for application ${id}` : `Hosted OAuth connect is on for application ${id}, returning to ${origins.join(', ')}`);
      return 0;
    } finally {
      await db.destroy();
    }
  });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `error: ${(err as Error).message}`);
  process.exitCode = 1;
}
