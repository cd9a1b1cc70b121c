/**
 * Connection state (bookmarks) end to end: API → Postgres state → Temporal schedule → sync run →
 * source simulator → Postgres destination. A state set is what the next run reads from (the
 * simulator's updated_after is its cursor, the destination gets exactly the records since), a
 * deleted state makes the next run full, a run in progress refuses changes with 409 naming it, and
 * every bad body is a 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, ok, runs, startScenario, waitForRuns } from './helpers/sync-scenario';

const headers = { 'x-customer-id': 'customer-1', 'x-provider-name': 'acme-crm' };
const object = { object_type: 'standard', object: 'contacts' };
const STATE = '/customers/customer-1/connections/acme-crm/_state';
const seconds = (iso: string) => String(Date.parse(iso) / 1000);

describe('connection state', () => {
  let s: Awaited<ReturnType<typeof startScenario>>;
  let source: SourceApi;
  let customerId: string;

  beforeAll(async () => {
    s = await startScenario();
    // c-000000 … c-000009, updated one second apart from 2026-01-01T00:00:00Z.
    source = await startSourceApi(makeContacts(10));
    const c = await configure(s, source, { periodMs: 86_400_000 });
    customerId = c.customerId;
    await s.worker.run(async () => {
      await c.connect();
      await waitForRuns(s.tenant, customerId, 1);
    });
  }, 120_000);

  afterAll(async () => {
    await source?.close();
    await s?.close();
  });

  /** Triggers a run and waits for it; the contacts requests the source got and the rows the run wrote. */
  async function runOnce(expectedRuns: number) {
    const from = source.sim.requests.length;
    const startedAt = new Date();
    await s.worker.run(async () => {
      await ok(s.tenant.request('POST', '/syncs/_trigger', { headers, body: object }));
      await waitForRuns(s.tenant, customerId, expectedRuns);
    });
    const requests = source.sim.requests.slice(from).filter((r) => r.path === '/contacts');
    const { rows } = await s.destPool.query<{ id: string }>('select _supaglue_id as id from public.acme_crm_contacts where _supaglue_emitted_at >= $1 order by 1', [startedAt]);
    const [latest] = await runs(s.tenant, customerId);
    return { requests, written: rows.map((r) => r.id), run: latest! };
  }

  it('reads the state the first run left: its cursor, the records at it, the next run incremental', async () => {
    const state = await ok(s.tenant.request('GET', STATE));
    expect(state).toEqual({
      bookmarks: {
        contacts: {
          object_type: 'standard',
          object: 'contacts',
          cursor: '2026-01-01T00:00:09.000Z',
          boundary_records: 1,
          full_refresh_pending: false,
          next_run_strategy: 'incremental',
          last_full_sync_at: expect.any(String),
          last_run: expect.objectContaining({ status: 'SUCCESS', strategy: 'full', num_records_synced: 10, ended_at: expect.any(String) }),
        },
      },
    });
  });

  it('a state set is what the next run reads from: the source gets its cursor, the destination exactly the records since', { timeout: 120_000 }, async () => {
    const set = await ok(s.tenant.request('PUT', STATE, { body: { bookmarks: { contacts: { cursor: '2026-01-01T00:00:05Z' } } } }));
    expect(set.bookmarks.contacts).toMatchObject({ cursor: '2026-01-01T00:00:05.000Z', boundary_records: 0, next_run_strategy: 'incremental' });
    expect((await ok(s.tenant.request('GET', STATE))).bookmarks.contacts.cursor).toBe('2026-01-01T00:00:05.000Z');

    const { requests, written, run } = await runOnce(2);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.map((r) => r.query.updated_after)).toEqual(requests.map(() => seconds('2026-01-01T00:00:05Z')));
    // Inclusive lower bound, no boundary records known: c-5 (at exactly the cursor) through c-9.
    expect(written).toEqual(['c-000005', 'c-000006', 'c-000007', 'c-000008', 'c-000009']);
    expect(run).toMatchObject({ status: 'SUCCESS', num_records_synced: 5 });
    // The run moved the cursor on from there as usual.
    expect((await ok(s.tenant.request('GET', STATE))).bookmarks.contacts).toMatchObject({ cursor: '2026-01-01T00:00:09.000Z', boundary_records: 1 });
  });

  it('a deleted state makes the next run full', { timeout: 120_000 }, async () => {
    const deleted = await ok(s.tenant.request('DELETE', STATE));
    expect(deleted.bookmarks.contacts).toMatchObject({ cursor: null, next_run_strategy: 'full' });
    expect(deleted.bookmarks.contacts.boundary_records).toBeUndefined();

    const { requests, written, run } = await runOnce(3);
    expect(requests.map((r) => r.query.updated_after ?? null)).toEqual(requests.map(() => null));
    expect(written).toHaveLength(10);
    const row = await s.api.tdb.db.selectFrom('sync_runs').select('strategy').where('id', '=', run.id).executeTakeFirstOrThrow();
    expect(row.strategy).toBe('full');
    expect((await ok(s.tenant.request('GET', STATE))).bookmarks.contacts).toMatchObject({ cursor: '2026-01-01T00:00:09.000Z', next_run_strategy: 'incremental' });
  });

  it('one object deleted by object_type and object; an object the connection does not sync is a 404', async () => {
    const one = await ok(s.tenant.request('DELETE', `${STATE}?object_type=standard&object=contacts`));
    expect(one.bookmarks.contacts.cursor).toBeNull();
    const missing = await s.tenant.request('DELETE', `${STATE}?object_type=standard&object=deals`);
    expect(missing.status).toBe(404);
    const half = await s.tenant.request('DELETE', `${STATE}?object=contacts`);
    expect(half.status).toBe(400);
    expect(half.body.errors[0].meta.fields.map((f: { field: string }) => f.field)).toEqual(['object']);
    await ok(s.tenant.request('PUT', STATE, { body: { bookmarks: { contacts: { cursor: '2026-01-01T00:00:09Z' } } } }));
  });

  it('never races a run: 409 naming the run in progress, for setting and deleting; accepted once it ended', { timeout: 120_000 }, async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // The run's first page waits until the test releases it.
    source.intercept = async () => {
      await gate;
      return undefined;
    };
    await s.worker.run(async () => {
      await ok(s.tenant.request('POST', '/syncs/_trigger', { headers, body: object }));
      let running: { id: string } | undefined;
      for (const deadline = Date.now() + 30_000; !running && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        running = (await runs(s.tenant, customerId)).find((r) => r.status === 'IN_PROGRESS');
      }
      expect(running, 'a run in progress').toBeDefined();

      const before = await ok(s.tenant.request('GET', STATE));
      expect(before.bookmarks.contacts.last_run).toMatchObject({ id: running!.id, status: 'IN_PROGRESS', ended_at: null });
      const put = await s.tenant.request('PUT', STATE, { body: { bookmarks: { contacts: { cursor: '2026-01-01T00:00:02Z' } } } });
      expect(put.status).toBe(409);
      expect(put.body.errors[0].detail).toContain(running!.id);
      const del = await s.tenant.request('DELETE', STATE);
      expect(del.status).toBe(409);
      expect(del.body.errors[0].detail).toContain(running!.id);
      // Nothing changed.
      expect((await ok(s.tenant.request('GET', STATE))).bookmarks.contacts.cursor).toBe(before.bookmarks.contacts.cursor);

      source.intercept = undefined;
      release();
      await waitForRuns(s.tenant, customerId, 4);
    });
    const after = await ok(s.tenant.request('PUT', STATE, { body: { bookmarks: { contacts: { cursor: '2026-01-01T00:00:02Z' } } } }));
    expect(after.bookmarks.contacts.cursor).toBe('2026-01-01T00:00:02.000Z');
  });

  it('every bad body is a 400 naming the field, and changes nothing', async () => {
    const before = await ok(s.tenant.request('GET', STATE));
    const cases: Array<[unknown, string[]]> = [
      [{}, ['bookmarks']],
      [{ bookmarks: {} }, ['bookmarks']],
      [{ bookmarks: [] }, ['bookmarks']],
      [{ bookmarks: { contacts: {} } }, ['bookmarks.contacts.cursor']],
      [{ bookmarks: { contacts: { cursor: 'yesterday' } } }, ['bookmarks.contacts.cursor']],
      [{ bookmarks: { contacts: { cursor: '2026-13-45T00:00:00Z' } } }, ['bookmarks.contacts.cursor']],
      [{ bookmarks: { contacts: { cursor: '2026-01-01T00:00:00' } } }, ['bookmarks.contacts.cursor']],
      [{ bookmarks: { contacts: { cursor: 1767225600 } } }, ['bookmarks.contacts.cursor']],
      [{ bookmarks: { contacts: 'now' } }, ['bookmarks.contacts']],
      [{ bookmarks: { contacts: { cursor: '2026-01-01T00:00:00Z', boundary_records: 3 } } }, ['bookmarks.contacts']],
      [{ bookmarks: { contacts: { cursor: '2026-01-01T00:00:00Z', object_type: 'custom' } } }, ['bookmarks.contacts.object_type']],
      [{ bookmarks: { deals: { cursor: '2026-01-01T00:00:00Z' } } }, ['bookmarks.deals']],
      [{ bookmarks: { contacts: { cursor: '2026-01-01T00:00:00Z' }, deals: { cursor: 'x' } } }, ['bookmarks.deals.cursor']],
      [{ bookmarks: { contacts: { cursor: '2026-01-01T00:00:00Z' } }, state: {} }, ['(root)']],
    ];
    for (const [body, fields] of cases) {
      const res = await s.tenant.request('PUT', STATE, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(
        res.body.errors[0].meta.fields.map((f: { field: string }) => f.field),
        JSON.stringify(body),
      ).toEqual(fields);
    }
    const unknown = await s.tenant.request('PUT', STATE, { body: { bookmarks: { deals: { cursor: '2026-01-01T00:00:00Z' } } } });
    expect(unknown.body.errors[0].meta.fields[0].message).toContain('objects: contacts');
    const extra = await s.tenant.request('PUT', STATE, { body: { bookmarks: { contacts: { cursor: '2026-01-01T00:00:00Z', boundary_records: 3 } } } });
    expect(extra.body.errors[0].meta.fields[0].message).toContain('boundary_records');
    expect(await ok(s.tenant.request('GET', STATE))).toEqual(before);
  });

  it('an object synced "full only" takes no cursor: a 400 naming it', async () => {
    const [config] = (await ok(s.tenant.request('GET', '/sync_configs'))) as Array<{ id: string; config: Record<string, any> }>;
    const fullOnly = { ...config!.config, default_config: { ...config!.config.default_config, strategy: 'full only' } };
    await ok(s.tenant.request('PUT', `/sync_configs/${config!.id}`, { body: { config: fullOnly } }));
    expect((await ok(s.tenant.request('GET', STATE))).bookmarks.contacts.next_run_strategy).toBe('full');
    const res = await s.tenant.request('PUT', STATE, { body: { bookmarks: { contacts: { cursor: '2026-01-01T00:00:00Z' } } } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].meta.fields).toEqual([{ field: 'bookmarks.contacts', message: expect.stringContaining('full only'), code: 'full_only' }]);
  });

  it('a connection that does not exist is a 404', async () => {
    expect((await s.tenant.request('GET', '/customers/customer-1/connections/nope/_state')).status).toBe(404);
  });
});
