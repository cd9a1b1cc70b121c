import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeContacts, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, destinationRows, ok, runs, startScenario, waitForRuns } from './helpers/sync-scenario';

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;

beforeAll(async () => {
  s = await startScenario();
  source = await startSourceApi(makeContacts(250));
});
afterAll(async () => {
  await source?.close();
  await s?.close();
});

describe('sync engine end to end (API → schedule → workflow → declarative connector → Postgres)', () => {
  it('runs a full sync on connect, then an incremental one that picks up exactly the changes', async () => {
    const { connect, customerId } = await configure(s, source, { pageSize: 100 });
    await s.worker.run(async () => {
      await connect();
      const [first] = await waitForRuns(s.tenant, customerId, 1);
      expect(first).toMatchObject({ status: 'SUCCESS', num_records_synced: 250, error_message: null });

      const rows = await destinationRows(s.destPool);
      expect(rows.map((r) => r.id)).toEqual([...source.contacts.keys()].sort());
      expect(rows[0]!.raw).toEqual(source.contacts.get('c-000000'));
      expect(rows.every((r) => r.customer === customerId && !r.deleted)).toBe(true);

      // Change three records and add one, all after the cursor; trigger an incremental run.
      const later = (i: number) => new Date(Date.parse('2026-02-01T00:00:00Z') + i * 1000).toISOString();
      source.upsert(
        { ...source.contacts.get('c-000003')!, name: 'Changed 3', updated_at: later(1) },
        { ...source.contacts.get('c-000100')!, name: 'Changed 100', updated_at: later(2) },
        { ...source.contacts.get('c-000249')!, name: 'Changed 249', updated_at: later(2) },
        { id: 'c-new', name: 'New', email: 'new@example.com', updated_at: later(3) },
      );
      await ok(
        s.tenant.request('POST', '/syncs/_trigger', {
          headers: { 'x-customer-id': customerId, 'x-provider-name': 'acme-crm' },
          body: { object_type: 'standard', object: 'contacts' },
        }),
      );
      const [second] = await waitForRuns(s.tenant, customerId, 2);
      expect(second).toMatchObject({ status: 'SUCCESS', num_records_synced: 4 });

      const after = await destinationRows(s.destPool);
      expect(after).toHaveLength(251);
      expect(after.find((r) => r.id === 'c-000100')!.raw.name).toBe('Changed 100');
      expect(after.find((r) => r.id === 'c-new')!.raw).toEqual(source.contacts.get('c-new'));

      // Nothing changed: the next incremental run re-reads the boundary (inclusive) but syncs nothing.
      await ok(
        s.tenant.request('POST', '/syncs/_trigger', {
          headers: { 'x-customer-id': customerId, 'x-provider-name': 'acme-crm' },
          body: { object_type: 'standard', object: 'contacts' },
        }),
      );
      const [third] = await waitForRuns(s.tenant, customerId, 3);
      expect(third).toMatchObject({ status: 'SUCCESS', num_records_synced: 0 });

      // A record sharing the boundary timestamp, added later, is not dropped.
      source.upsert({ id: 'c-tie', name: 'Tie', email: 'tie@example.com', updated_at: later(3) });
      await ok(
        s.tenant.request('POST', '/syncs/_trigger', {
          headers: { 'x-customer-id': customerId, 'x-provider-name': 'acme-crm' },
          body: { object_type: 'standard', object: 'contacts' },
        }),
      );
      const [fourth] = await waitForRuns(s.tenant, customerId, 4);
      expect(fourth).toMatchObject({ status: 'SUCCESS', num_records_synced: 1 });
      expect((await destinationRows(s.destPool)).map((r) => r.id)).toContain('c-tie');

      // A full refresh soft-deletes what the source no longer has.
      source.contacts.delete('c-000007');
      await ok(
        s.tenant.request('POST', '/syncs/_trigger', {
          headers: { 'x-customer-id': customerId, 'x-provider-name': 'acme-crm' },
          body: { object_type: 'standard', object: 'contacts', perform_full_refresh: true },
        }),
      );
      const [fifth] = await waitForRuns(s.tenant, customerId, 5);
      expect(fifth).toMatchObject({ status: 'SUCCESS', num_records_synced: 251 });
      const final = await destinationRows(s.destPool);
      expect(final.filter((r) => r.deleted).map((r) => r.id)).toEqual(['c-000007']);
    });

    const events = await s.api.tdb.db.selectFrom('webhook_events').select(['type', 'payload']).where('type', '=', 'sync.complete').execute();
    expect(events).toHaveLength(5);
    expect(events.every((e) => (e.payload as { result: string }).result === 'SUCCESS')).toBe(true);
    expect((await runs(s.tenant, customerId)).map((r) => r.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
  });
});
