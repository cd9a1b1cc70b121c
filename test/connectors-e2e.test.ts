/**
 * A connector published through PUT /connectors, end to end: a local HTTP API with
 * offset pagination, incremental filtering, a parent-child pair and API-key auth;
 * a customer connects, the worker syncs both streams to Postgres, then picks up
 * exactly the changed records incrementally.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiSimulator, type ApiSimulator } from './helpers/http-api-simulator';
import { configure, destinationRows, ok, startScenario, waitForRuns } from './helpers/sync-scenario';

interface Company {
  id: string;
  name: string;
  updated_at: string;
}
interface Contact {
  id: string;
  name: string;
  updated_at: string;
}

let s: Awaited<ReturnType<typeof startScenario>>;
let sim: ApiSimulator;
const API_KEY = 'hub-secret-key';
const companies = new Map<string, Company>();
const contacts = new Map<string, Map<string, Contact>>();
const T = (m: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + m * 60_000).toISOString();

function page<X extends { id: string; updated_at: string }>(all: X[], q: Record<string, string>) {
  const since = q.updated_after ? Number(q.updated_after) * 1000 : -Infinity;
  const rows = all.filter((r) => Date.parse(r.updated_at) >= since).sort((a, b) => a.id.localeCompare(b.id));
  const offset = Number(q.offset ?? 0);
  const limit = Number(q.limit ?? 100);
  return { data: rows.slice(offset, offset + limit), next_offset: offset + limit < rows.length ? offset + limit : null };
}

const connector = {
  name: 'Acme Hub',
  base_url: '{config.base_url}',
  auth: { type: 'api_key', location: 'header', name: 'x-api-key', value: '{config.api_key}' },
  parameters: [
    { name: 'base_url', required: true },
    { name: 'api_key', required: true, secret: true },
  ],
  streams: [
    {
      id: 'companies',
      path: '/companies',
      primary_key: 'id',
      records_selector: '$.data',
      pagination: { type: 'offset', offset_param: 'offset', limit_param: 'limit', limit: 2, next_offset_selector: '$.next_offset' },
      incremental: { replication_key: 'updated_at', param: 'updated_after', format: 'timestamp' },
      child_context: { company_id: '{record.id}' },
    },
    {
      id: 'contacts',
      path: '/companies/{parent.company_id}/contacts',
      parent_stream: 'companies',
      primary_key: 'id',
      records_selector: '$.data',
      pagination: { type: 'offset', offset_param: 'offset', limit_param: 'limit', limit: 2, next_offset_selector: '$.next_offset' },
      incremental: { replication_key: 'updated_at', param: 'updated_after', format: 'timestamp' },
    },
  ],
};

beforeAll(async () => {
  s = await startScenario();
  for (let i = 1; i <= 5; i++) {
    companies.set(`co-${i}`, { id: `co-${i}`, name: `Company ${i}`, updated_at: T(i) });
    contacts.set(`co-${i}`, new Map(Array.from({ length: 3 }, (_, j) => [`ct-${i}-${j}`, { id: `ct-${i}-${j}`, name: `Contact ${i}.${j}`, updated_at: T(10 + i + j) }])));
  }
  sim = await startApiSimulator((req) => {
    if (req.headers['x-api-key'] !== API_KEY) return { status: 401, json: { error: 'invalid api key' } };
    if (req.path === '/companies') return { json: page([...companies.values()], req.query) };
    const m = /^\/companies\/([\w-]+)\/contacts$/.exec(req.path);
    if (m && contacts.has(m[1]!)) return { json: page([...contacts.get(m[1]!)!.values()], req.query) };
    return { status: 404, json: { error: 'not found' } };
  });
});
afterAll(async () => {
  await sim?.close();
  await s?.close();
});

describe('a connector published through the API, end to end', () => {
  it('syncs the parent and child streams, then exactly the changes incrementally', async () => {
    const { connect, customerId, providerName } = await configure(
      s,
      { url: sim.url, apiKey: API_KEY },
      { providerName: 'acme-hub', connector, standardObjects: ['companies', 'contacts'] },
    );
    const trigger = (object: string) =>
      ok(s.tenant.request('POST', '/syncs/_trigger', { headers: { 'x-customer-id': customerId, 'x-provider-name': providerName }, body: { object_type: 'standard', object } }));

    await s.worker.run(async () => {
      await connect();
      const first = await waitForRuns(s.tenant, customerId, 2);
      expect(first.map((r) => [r.status, r.num_records_synced]).sort()).toEqual([
        ['SUCCESS', 15],
        ['SUCCESS', 5],
      ]);

      const companyRows = await destinationRows(s.destPool, 'acme_hub_companies');
      expect(companyRows.map((r) => [r.id, r.raw, r.customer, r.deleted, r.modified.toISOString()])).toEqual(
        [...companies.values()].map((c) => [c.id, c, customerId, false, c.updated_at]),
      );
      const contactRows = await destinationRows(s.destPool, 'acme_hub_contacts');
      const expected = [...contacts.entries()]
        .flatMap(([companyId, cs]) => [...cs.values()].map((c) => ({ ...c, company_id: companyId })))
        .sort((a, b) => a.id.localeCompare(b.id));
      expect(contactRows.map((r) => [r.id, r.raw, r.modified.toISOString()])).toEqual(expected.map((c) => [c.id, c, c.updated_at]));

      // Changes at the source: one company renamed; one contact changed, one added under another company.
      companies.set('co-2', { id: 'co-2', name: 'Company 2 renamed', updated_at: T(100) });
      contacts.get('co-1')!.set('ct-1-1', { id: 'ct-1-1', name: 'Changed', updated_at: T(101) });
      contacts.get('co-4')!.set('ct-4-9', { id: 'ct-4-9', name: 'New', updated_at: T(102) });
      const mark = sim.requests.length;

      await trigger('companies');
      const [second] = await waitForRuns(s.tenant, customerId, 3);
      expect(second).toMatchObject({ status: 'SUCCESS', num_records_synced: 1 });
      // The incremental bound went to the API (seconds, inclusive cursor = the newest company before).
      expect(
        sim.requests
          .slice(mark)
          .filter((r) => r.path === '/companies')
          .map((r) => r.query.updated_after),
      ).toEqual([String(Date.parse(T(5)) / 1000)]);

      await trigger('contacts');
      const [third] = await waitForRuns(s.tenant, customerId, 4);
      expect(third).toMatchObject({ status: 'SUCCESS', num_records_synced: 2 });

      const companiesAfter = await destinationRows(s.destPool, 'acme_hub_companies');
      expect(companiesAfter.map((r) => [r.id, r.raw.name])).toEqual([
        ['co-1', 'Company 1'],
        ['co-2', 'Company 2 renamed'],
        ['co-3', 'Company 3'],
        ['co-4', 'Company 4'],
        ['co-5', 'Company 5'],
      ]);
      const contactsAfter = await destinationRows(s.destPool, 'acme_hub_contacts');
      expect(contactsAfter).toHaveLength(16);
      expect(contactsAfter.find((r) => r.id === 'ct-1-1')!.raw).toEqual({ id: 'ct-1-1', name: 'Changed', updated_at: T(101), company_id: 'co-1' });
      expect(contactsAfter.find((r) => r.id === 'ct-4-9')!.raw).toEqual({ id: 'ct-4-9', name: 'New', updated_at: T(102), company_id: 'co-4' });
      expect(contactsAfter.filter((r) => r.raw.name !== 'Changed' && r.id !== 'ct-4-9').every((r) => String(r.raw.name).startsWith('Contact '))).toBe(true);
    });

    // The API key (a secret parameter) is encrypted at rest.
    const conn = await s.api.tdb.db.selectFrom('connections').selectAll().where('provider_name', '=', 'acme-hub').executeTakeFirstOrThrow();
    expect(JSON.stringify(conn.params)).not.toContain(API_KEY);
    expect(conn.params).toEqual({ base_url: sim.url });
  });
});
