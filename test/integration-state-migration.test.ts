/**
 * Migration 20261201007000 on a database that already has connections: each gets its own 24-hex
 * public id and is `live` (it was made without a check and its syncs run), and down undoes it.
 */
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDb, type Db } from '../db/connection';
import { migrations } from '../db/migrations';
import { createEmptyDatabase } from './helpers/db';

const BEFORE = '20261201006000_tenant_token_key';
const THIS = '20261201007000_integration_state';

let empty: Awaited<ReturnType<typeof createEmptyDatabase>>;
let db: Db;
const migrator = () => new Migrator({ db, provider: { getMigrations: async () => migrations } });

beforeAll(async () => {
  empty = await createEmptyDatabase('migration');
  db = createDb(empty.url, 2);
});
afterAll(async () => {
  await db?.destroy();
  await empty?.drop();
});

it('gives existing connections distinct public ids and the live state; down removes the columns', async () => {
  expect((await migrator().migrateTo(BEFORE)).error).toBeUndefined();
  const { rows: apps } = await sql<{ id: string }>`insert into applications (name, api_key_hash) values ('app', 'hash') returning id`.execute(db);
  const app = apps[0]!.id;
  const { rows: providers } = await sql<{
    id: string;
  }>`insert into providers (application_id, name, category, auth_type) values (${app}, 'acme-crm', 'no_category', 'api_key') returning id`.execute(db);
  for (const n of [1, 2, 3]) {
    const { rows: customers } = await sql<{
      id: string;
    }>`insert into customers (application_id, external_id, name, email) values (${app}, ${`c${n}`}, 'C', 'c@example.com') returning id`.execute(db);
    await sql`insert into connections (application_id, customer_id, provider_id, provider_name, category) values (${app}, ${customers[0]!.id}, ${providers[0]!.id}, 'acme-crm', 'no_category')`.execute(
      db,
    );
  }

  const up = await migrator().migrateTo(THIS);
  expect(up.error).toBeUndefined();
  const { rows } = await sql<{ public_id: string; integration_state: string; name: string | null }>`select public_id, integration_state, name from connections`.execute(db);
  expect(rows).toHaveLength(3);
  for (const r of rows) expect(r).toEqual({ public_id: expect.stringMatching(/^[a-f0-9]{24}$/), integration_state: 'live', name: null });
  expect(new Set(rows.map((r) => r.public_id)).size).toBe(3);
  await expect(sql`update connections set integration_state = 'gone'`.execute(db)).rejects.toThrow(/connections_integration_state/);
  await expect(sql`update connections set public_id = 'ABC'`.execute(db)).rejects.toThrow(/connections_public_id/);

  expect((await migrator().migrateTo(BEFORE)).error).toBeUndefined();
  const { rows: columns } = await sql<{
    column_name: string;
  }>`select column_name from information_schema.columns where table_name in ('connections', 'jobs') and column_name in ('public_id', 'integration_state', 'subject')`.execute(db);
  expect(columns).toEqual([]);
});
