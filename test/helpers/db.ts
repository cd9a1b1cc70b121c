import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, type Db } from '../../db/connection';
import { migrateToLatest } from '../../db/migrate';

export interface TestDatabase {
  db: Db;
  url: string;
  name: string;
  destroy(): Promise<void>;
}

function urlFor(name: string): string {
  const url = new URL(inject('pgAdminUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the shared test server (a destination, say). */
export async function createEmptyDatabase(prefix = 'test'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`create database ${c.escapeIdentifier(name)}`));
  return {
    url: urlFor(name),
    name,
    drop: () => admin((c) => c.query(`drop database if exists ${c.escapeIdentifier(name)} with (force)`)).then(() => undefined),
  };
}

/** A fresh, migrated application database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyDatabase('app');
  const db = createDb(empty.url, 5);
  await migrateToLatest(db);
  return {
    db,
    url: empty.url,
    name: empty.name,
    destroy: async () => {
      await db.destroy();
      await empty.drop();
    },
  };
}

/** A Postgres destination's config for a database on the test server (`url` as createEmptyDatabase gives it). */
export function postgresDestinationConfig<O extends Record<string, unknown> = Record<never, never>>(url: string, overrides?: O) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port),
    database: decodeURIComponent(u.pathname.slice(1)),
    schema: 'public',
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    ssl_mode: 'disable' as const,
    ...overrides,
  };
}
