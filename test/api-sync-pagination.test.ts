/**
 * Keyset pagination of GET /syncs (oldest first) and GET /sync-runs (newest first): walking `next`
 * with a small page size visits every row once in (time, id) order, including rows whose times tie
 * or differ by a microsecond, and walking `previous` back from the last page gives the same pages.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type ApiClient, type TestApi } from './helpers/api';
import { seedConnection } from './helpers/seed';

let api: TestApi;
let tenant: ApiClient;
/** Ids in the order each list must return them. */
let syncIds: string[];
let runIds: string[];

// Two pairs tie on time, two rows differ from their neighbour by one microsecond.
const TIMES = [
  '2026-01-01T00:00:00.000001Z',
  '2026-01-01T00:00:00.000002Z',
  '2026-01-01T00:00:01Z',
  '2026-01-01T00:00:01Z',
  '2026-01-02T00:00:00Z',
  '2026-01-02T00:00:00Z',
  '2026-01-03T00:00:00Z',
];

beforeAll(async () => {
  api = await startTestApi();
  tenant = await api.newTenant('pages');
  const db = api.tdb.db;
  const app = tenant.applicationId;
  const { customerId, connectionId, syncConfigId } = await seedConnection(db, app);

  for (const [i, at] of TIMES.entries()) {
    const sync = await db
      .insertInto('syncs')
      .values({
        application_id: app,
        connection_id: connectionId,
        sync_config_id: syncConfigId,
        type: 'object',
        object_type: 'standard',
        object: `object_${i}`,
        created_at: sql`${at}::timestamptz`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('sync_runs')
      .values({
        application_id: app,
        sync_id: sync.id,
        connection_id: connectionId,
        customer_id: customerId,
        provider_name: 'hubspot',
        category: 'crm',
        object_type: 'standard',
        object: `object_${i}`,
        status: 'SUCCESS',
        strategy: 'full',
        start_timestamp: sql`${at}::timestamptz`,
      })
      .execute();
  }
  syncIds = (await db.selectFrom('syncs').select('id').where('application_id', '=', app).orderBy('created_at').orderBy('id').execute()).map((r) => r.id);
  runIds = (await db.selectFrom('sync_runs').select('id').where('application_id', '=', app).orderBy('start_timestamp', 'desc').orderBy('id', 'desc').execute()).map((r) => r.id);
});
afterAll(() => api?.close());

interface Page {
  next: string | null;
  previous: string | null;
  total_count: number;
  results: Array<{ id: string }>;
}

async function page(path: string, cursor?: string): Promise<Page> {
  const res = await tenant.request<Page>('GET', `${path}?page_size=2${cursor ? `&cursor=${cursor}` : ''}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

describe.each([
  ['/syncs', () => syncIds],
  ['/sync-runs', () => runIds],
])('GET %s', (path, expected) => {
  it('next visits every row once in order, previous walks back through the same pages', async () => {
    const forward: Page[] = [await page(path)];
    while (forward.at(-1)!.next) forward.push(await page(path, forward.at(-1)!.next!));
    expect(forward.flatMap((p) => p.results.map((r) => r.id))).toEqual(expected());
    expect(forward.map((p) => p.total_count)).toEqual(forward.map(() => TIMES.length));
    expect(forward[0]!.previous).toBeNull();

    const backward: Page[] = [forward.at(-1)!];
    while (backward.at(-1)!.previous) backward.push(await page(path, backward.at(-1)!.previous!));
    expect(backward.map((p) => p.results.map((r) => r.id))).toEqual(forward.map((p) => p.results.map((r) => r.id)).reverse());
  });
});
