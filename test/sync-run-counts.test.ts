/**
 * GET /sync-runs' unfiltered total_count comes from per-sync counts the database keeps (triggers
 * on sync_runs): it must equal the application's rows after inserts of many rows at once, deletes,
 * and the cascades of a sync's and a connection's delete, for each tenant alone; and runs of two
 * syncs of one application open without waiting for each other's commit.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/connection';
import { startTestApi, type ApiClient, type TestApi } from './helpers/api';
import { seedConnection } from './helpers/seed';

let api: TestApi;
let db: Db;
const tenants: Array<{ client: ApiClient; connectionId: string; customerId: string; syncIds: string[] }> = [];

async function seedTenant(name: string, syncs: number) {
  const client = await api.newTenant(name);
  const app = client.applicationId;
  const { customerId, connectionId, syncConfigId } = await seedConnection(db, app);
  const rows = await db
    .insertInto('syncs')
    .values(
      Array.from({ length: syncs }, (_, i) => ({
        application_id: app,
        connection_id: connectionId,
        sync_config_id: syncConfigId,
        type: 'object',
        object_type: 'standard' as const,
        object: `object_${i}`,
      })),
    )
    .returning('id')
    .execute();
  tenants.push({ client, connectionId, customerId, syncIds: rows.map((r) => r.id) });
}

/** `n` finished runs of each of the tenant's syncs (or of those given), in one statement. */
async function insertRuns(t: (typeof tenants)[number], n: number, on: Db = db, syncIds = t.syncIds) {
  await on
    .insertInto('sync_runs')
    .values(
      syncIds.flatMap((syncId) =>
        Array.from({ length: n }, () => ({
          application_id: t.client.applicationId,
          sync_id: syncId,
          connection_id: t.connectionId,
          customer_id: t.customerId,
          provider_name: 'hubspot',
          category: 'crm',
          object_type: 'standard',
          object: 'contacts',
          status: 'SUCCESS' as const,
          strategy: 'full' as const,
        })),
      ),
    )
    .execute();
}

async function expectCountsMatchRows() {
  for (const t of tenants) {
    const rows = await db
      .selectFrom('sync_runs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('application_id', '=', t.client.applicationId)
      .executeTakeFirstOrThrow();
    const res = await t.client.request('GET', '/sync-runs?page_size=1');
    expect(res.status).toBe(200);
    expect(res.body.total_count).toBe(Number(rows.n));
  }
}

beforeAll(async () => {
  api = await startTestApi();
  db = api.tdb.db;
  await seedTenant('counted-a', 3);
  await seedTenant('counted-b', 2);
});
afterAll(() => api?.close());

describe('GET /sync-runs total_count', () => {
  it('is 0 for an application without runs', async () => {
    await expectCountsMatchRows();
    expect((await tenants[0]!.client.request('GET', '/sync-runs')).body.total_count).toBe(0);
  });

  it('follows inserts, deletes and the cascades of sync and connection deletes, per application', async () => {
    const [a, b] = tenants as [(typeof tenants)[number], (typeof tenants)[number]];
    await insertRuns(a, 4);
    await insertRuns(b, 5);
    await expectCountsMatchRows();
    expect((await a.client.request('GET', '/sync-runs')).body.total_count).toBe(12);

    const oldest = await db.selectFrom('sync_runs').select('id').where('application_id', '=', a.client.applicationId).limit(3).execute();
    await db
      .deleteFrom('sync_runs')
      .where(
        'id',
        'in',
        oldest.map((r) => r.id),
      )
      .execute();
    await expectCountsMatchRows();

    await db.deleteFrom('syncs').where('id', '=', a.syncIds[0]!).execute();
    await expectCountsMatchRows();

    await db.deleteFrom('connections').where('id', '=', b.connectionId).execute();
    await expectCountsMatchRows();
    expect((await b.client.request('GET', '/sync-runs')).body.total_count).toBe(0);
  });

  it('a filtered list still counts the rows it filters', async () => {
    const [a] = tenants as [(typeof tenants)[number]];
    const res = await a.client.request('GET', '/sync-runs?customer_id=acme&status=success');
    const rows = await db
      .selectFrom('sync_runs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('application_id', '=', a.client.applicationId)
      .executeTakeFirstOrThrow();
    expect(res.body.total_count).toBe(Number(rows.n));
    expect((await a.client.request('GET', '/sync-runs?customer_id=nobody')).body.total_count).toBe(0);
  });

  it('runs of two syncs of one application open while the other is uncommitted', async () => {
    const [a] = tenants as [(typeof tenants)[number]];
    const [first, second] = a.syncIds.slice(-2) as [string, string];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let opened!: () => void;
    const firstOpened = new Promise<void>((r) => (opened = r));
    const open = db.transaction().execute(async (trx) => {
      await insertRuns(a, 1, trx, [first]);
      opened();
      await held;
    });
    await firstOpened;
    try {
      // With one count row per application this insert waited for the first transaction's commit.
      await db.transaction().execute(async (trx) => {
        await sql`set local lock_timeout = '3s'`.execute(trx);
        await insertRuns(a, 1, trx, [second]);
      });
    } finally {
      release();
      await open;
    }
    await expectCountsMatchRows();
  });
});
