import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubspotConnection } from '../providers/hubspot';
import { createHttpRuntime } from '../providers/runtime';
import { configureCrm, tableRows } from './helpers/crm-scenario';
import { startHubspotSim, type HubspotSim } from './helpers/hubspot-simulator';
import { ok, startScenario, waitForRuns } from './helpers/sync-scenario';

let s: Awaited<ReturnType<typeof startScenario>>;
let hs: HubspotSim;
const T = (m: number) => new Date(Date.parse('2026-03-01T00:00:00Z') + m * 60_000).toISOString();
const CARS = '2-3465404';

beforeAll(async () => {
  s = await startScenario();
  hs = await startHubspotSim();
  hs.defineCustomObject({
    objectTypeId: CARS,
    name: 'cars',
    singular: 'Car',
    plural: 'Cars',
    properties: [
      { name: 'model', type: 'string' },
      { name: 'year', type: 'number' },
      { name: 'is_electric', type: 'bool' },
      { name: 'inspected_on', type: 'date' },
      { name: 'condition', type: 'enumeration' },
    ],
  });
  hs.upsert(CARS, { id: '901', createdAt: T(0), updatedAt: T(1), properties: { model: 'Zoe', year: '2021', is_electric: 'true', inspected_on: '2026-02-01', condition: 'used' } });
  hs.upsert(CARS, { id: '902', createdAt: T(0), updatedAt: T(2), properties: { model: 'Clio', year: '2019' } });
  hs.upsert(CARS, { id: '903', createdAt: T(0), updatedAt: T(3), properties: { model: 'Twingo' } });
  hs.upsert(CARS, { id: '909', createdAt: T(0), updatedAt: T(0), properties: { model: 'Scrapped' } });
  hs.archive(CARS, '909', T(0));
});
afterAll(async () => {
  await hs?.close();
  await s?.close();
});

/** A raw car as the provider writes it: id, the properties HubSpot returned, timestamps, archived. */
const car = (id: string, created: string, modified: string, props: Record<string, string>, archivedAt?: string) => ({
  id,
  hs_object_id: id,
  ...props,
  hs_createdate: created,
  hs_lastmodifieddate: modified,
  createdAt: created,
  updatedAt: archivedAt ?? modified,
  archived: archivedAt !== undefined,
  ...(archivedAt ? { archivedAt } : {}),
});

describe('HubSpot custom objects end to end (API → worker → HubSpot simulator → Postgres)', () => {
  it('syncs a custom object named in the sync config through its objectTypeId, incrementally too, and discovers it with its fields', async () => {
    const { connect, customerId, trigger } = await configureCrm(s, {
      providerName: 'hubspot',
      clientId: hs.oauth.clientId,
      clientSecret: hs.oauth.clientSecret,
      common: [],
      standard: [],
      custom: ['cars'],
    });

    await s.worker.run(async () => {
      await connect({ access_token: hs.oauth.issue(), refresh_token: 'refresh-1', instance_url: hs.url });
      const [first] = await waitForRuns(s.tenant, customerId, 1, 90_000);
      expect(first).toMatchObject({ status: 'SUCCESS', error_message: null, num_records_synced: 4 });
      // HubSpot's objects API knows custom objects by objectTypeId (or fully qualified name), not by name.
      expect(hs.requests('/crm/v3/objects/cars')).toEqual([]);
      expect(hs.requests(`/crm/v3/objects/${CARS}`).map((r) => r.query.archived)).toEqual(['false', 'true']);

      const rows = await tableRows(s.destPool, 'hubspot_cars');
      expect(rows.map(({ id, deleted, raw, modified }) => ({ id, deleted, raw, modified: modified.toISOString() }))).toEqual([
        {
          id: '901',
          deleted: false,
          raw: car('901', T(0), T(1), { model: 'Zoe', year: '2021', is_electric: 'true', inspected_on: '2026-02-01', condition: 'used' }),
          modified: T(1),
        },
        { id: '902', deleted: false, raw: car('902', T(0), T(2), { model: 'Clio', year: '2019' }), modified: T(2) },
        { id: '903', deleted: false, raw: car('903', T(0), T(3), { model: 'Twingo' }), modified: T(3) },
        { id: '909', deleted: true, raw: car('909', T(0), T(0), { model: 'Scrapped' }, T(0)), modified: T(0) },
      ]);

      // Incremental: search on hs_lastmodifieddate, then the archived listing, as for standard objects.
      hs.upsert(CARS, { id: '902', updatedAt: T(100), properties: { model: 'Clio V', year: '2019' } });
      hs.archive(CARS, '903', T(101));
      await trigger('custom', 'cars');
      const [second] = await waitForRuns(s.tenant, customerId, 2);
      expect(second).toMatchObject({ status: 'SUCCESS', num_records_synced: 2 });
      expect(hs.requests(`/crm/v3/objects/${CARS}/search`).map((r) => r.json)).toEqual([
        expect.objectContaining({
          filterGroups: [
            {
              filters: [
                { propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(Date.parse(T(3))) },
                // The run's range ends when it starts (a window of the windowed search).
                { propertyName: 'hs_lastmodifieddate', operator: 'LT', value: expect.any(String) },
              ],
            },
          ],
        }),
      ]);
      const after = await tableRows(s.destPool, 'hubspot_cars');
      expect(after.map(({ id, deleted, raw }) => ({ id, deleted, raw }))).toEqual([
        { id: '901', deleted: false, raw: rows[0]!.raw },
        { id: '902', deleted: false, raw: car('902', T(0), T(100), { model: 'Clio V', year: '2019' }) },
        { id: '903', deleted: true, raw: car('903', T(0), T(3), { model: 'Twingo' }, T(101)) },
        { id: '909', deleted: true, raw: rows[3]!.raw },
      ]);

      const discovered = await ok(s.tenant.request('GET', `/customers/${customerId}/connections/hubspot/_discover`));
      expect(discovered.objects.map((o: { object_type: string; name: string }) => `${o.object_type}:${o.name}`)).toEqual([
        'common:contact',
        'common:account',
        'common:opportunity',
        'common:user',
        'standard:contacts',
        'standard:companies',
        'standard:deals',
        'standard:tickets',
        'standard:products',
        'standard:line_items',
        'custom:cars',
      ]);
      expect(discovered.objects.at(-1)).toEqual({
        name: 'cars',
        object_type: 'custom',
        label: 'Cars',
        supports_incremental: true,
        fields: [
          { name: 'id', type: 'string', nullable: false },
          { name: 'hs_object_id', type: 'number', nullable: true },
          { name: 'hs_createdate', type: 'string', nullable: true, format: 'date-time' },
          { name: 'hs_lastmodifieddate', type: 'string', nullable: true, format: 'date-time' },
          { name: 'model', type: 'string', nullable: true },
          { name: 'year', type: 'number', nullable: true },
          { name: 'is_electric', type: 'boolean', nullable: true },
          { name: 'inspected_on', type: 'string', nullable: true, format: 'date' },
          { name: 'condition', type: 'string', nullable: true },
          { name: 'createdAt', type: 'string', nullable: false, format: 'date-time' },
          { name: 'updatedAt', type: 'string', nullable: false, format: 'date-time' },
          { name: 'archived', type: 'boolean', nullable: false },
        ],
      });
    });
  });
});

describe('HubSpot custom objects, directly', () => {
  const open = (connectionId: string) =>
    createHubspotConnection(
      { applicationId: 'a', customerId: 'c', connectionId, providerName: 'hubspot', params: { access_token: hs.oauth.issue(), instance_url: hs.url } },
      createHttpRuntime({ sleep: async () => {} }),
    );

  it('reads by objectTypeId or fully qualified name too, and names the custom objects there are when one is unknown', async () => {
    const byId = await open('hs-custom-id').readPage({ object: CARS, objectType: 'custom', modifiedSince: null, pageState: null });
    const byFqn = await open('hs-custom-fqn').readPage({ object: 'p62515_cars', objectType: 'custom', modifiedSince: null, pageState: null });
    expect(byId.records.map((r) => r.id)).toEqual(['901', '902']);
    expect(byFqn.records).toEqual(byId.records);
    const err = await open('hs-custom-unknown')
      .readPage({ object: 'boats', objectType: 'custom', modifiedSince: null, pageState: null })
      .catch((e) => e);
    expect(err).toMatchObject({ name: 'ProviderError', kind: 'configuration', message: 'HubSpot has no custom object "boats" (it has cars)' });
  });

  it('without the schemas scope, discovery offers no custom objects and an objectTypeId still syncs', async () => {
    hs.schemasForbidden = true;
    try {
      const conn = open('hs-custom-noscope');
      const objects = await conn.listObjects();
      expect(objects.filter((o) => o.objectType === 'custom')).toEqual([]);
      expect(objects.filter((o) => o.objectType === 'standard')).toHaveLength(6);
      const page = await conn.readPage({ object: CARS, objectType: 'custom', modifiedSince: null, pageState: null });
      expect(page.records.map((r) => r.id)).toEqual(['901', '902']);
      const err = await conn.readPage({ object: 'cars', objectType: 'custom', modifiedSince: null, pageState: null }).catch((e) => e);
      expect(err).toMatchObject({ name: 'ProviderError', kind: 'permission', status: 403 });
    } finally {
      hs.schemasForbidden = false;
    }
  });
});
