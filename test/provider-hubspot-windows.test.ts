/**
 * HubSpot incremental reads as concurrent windows (providers/hubspot/search.ts) against the HubSpot
 * simulator over real HTTP: concurrency, exact boundaries, resumes from every page state, splits
 * past search's 10,000 cap, the fallback within one millisecond, page states from before windows,
 * search's own rate, and a record modified during a run picked up by the next (a real sync).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHubspotConnection } from '../providers/hubspot';
import { SEARCH_LIMIT } from '../providers/hubspot/search';
import { createHttpRuntime, type HttpRuntime } from '../providers/runtime';
import type { JsonValue, ReadPageRequest } from '../providers/types';
import { configureCrm, tableRows } from './helpers/crm-scenario';
import { startHubspotSim, type HubspotSim } from './helpers/hubspot-simulator';
import { startScenario, waitForRuns } from './helpers/sync-scenario';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
type SearchBody = { filterGroups: Array<{ filters: Array<{ operator: string; value: string }> }>; after?: string };

let hs: HubspotSim;
beforeEach(async () => {
  hs = await startHubspotSim();
});
afterEach(async () => {
  await hs.close();
});

/** A connection on its own runtime; the default one does not sleep (rate limits are not what these tests measure). */
function connection(params: Record<string, unknown> = {}, runtime: HttpRuntime = createHttpRuntime({ sleep: async () => {} })) {
  return createHubspotConnection(
    {
      applicationId: 'a',
      customerId: 'c',
      connectionId: `hs-${Math.random()}`,
      providerName: 'hubspot',
      params: { access_token: hs.oauth.issue(), instance_url: hs.url, ...params },
    },
    runtime,
  );
}

/** Reads to the end: the ids in the order handed back, and each state with how many ids came with it or before. */
async function readAll(conn: ReturnType<typeof connection>, req: Omit<ReadPageRequest, 'pageState'>, from: JsonValue | null = null) {
  const ids: string[] = [];
  const states: Array<{ state: JsonValue; handed: number }> = [];
  let pageState = from;
  do {
    const page = await conn.readPage({ ...req, pageState });
    ids.push(...page.records.map((r) => r.id));
    pageState = page.nextPageState;
    if (pageState !== null) states.push({ state: pageState, handed: ids.length });
  } while (pageState !== null);
  return { ids, states };
}

const products = (times: number[]) => {
  for (const [k, t] of times.entries()) hs.upsert('products', { id: String(k + 1), updatedAt: iso(t), properties: { name: `P${k + 1}` } });
};
const idsIn = (times: number[], from: number, to: number) => times.flatMap((t, k) => (t >= from && t < to ? [String(k + 1)] : [])).sort();
const searches = () => hs.requests('/crm/v3/objects/products/search').map((r) => r.json as SearchBody);
const bounds = (b: SearchBody) => {
  const value = (op: string) => Number(b.filterGroups[0]!.filters.find((f) => f.operator === op)?.value);
  return { GTE: value('GTE'), LT: value('LT') };
};

describe('HubSpot windowed search', () => {
  it('reads windows concurrently up to the connection’s concurrency, every record of [since, before) once, boundaries exact', async () => {
    hs.latencyMs = 20;
    const end = T0 + 1_000_000;
    // A record on every second of the range and either side of it: wherever a window ends, records sit on its bounds.
    const times = [T0 - 1, end, ...Array.from({ length: 1000 }, (_, k) => [T0 + k * 1000, T0 + k * 1000 + 1, T0 + k * 1000 + 999]).flat()];
    products(times);
    const { ids, states } = await readAll(connection(), { object: 'products', objectType: 'standard', modifiedSince: new Date(T0), modifiedBefore: new Date(end) });

    expect(ids).toHaveLength(new Set(ids).size);
    expect(ids.sort()).toEqual(idsIn(times, T0, end));
    // One window at first, whose total (30 pages) split it; the pieces were read at once.
    const all = searches();
    expect(bounds(all[0]!)).toEqual({ GTE: T0, LT: end });
    expect(all[1]!.after).toBeUndefined();
    expect(hs.sim.maxInFlight).toBe(4);
    // The split kept its first page: the pieces tile the rest of the range, from that page's last instant.
    const pieces = all
      .slice(1)
      .filter((b) => b.after === undefined)
      .map(bounds)
      .sort((a, b) => a.GTE - b.GTE);
    expect(pieces.length).toBeGreaterThan(2);
    const inRange = times.filter((t) => t >= T0 && t < end).sort((a, b) => a - b);
    expect(pieces[0]!.GTE).toBe(inRange[99]);
    for (let k = 1; k < pieces.length; k++) expect(pieces[k]!.GTE).toBe(pieces[k - 1]!.LT);
    expect(pieces.at(-1)!.LT).toBe(end);
    // Then the archived records, from the run's lower bound.
    expect(states.at(-1)!.state).toEqual({ mode: 'list', phase: 'archived', after: null, since: T0 });
    expect(hs.requests('/crm/v3/objects/products').map((r) => r.query.archived)).toEqual(['true']);
  });

  it('resumes from every page state it handed back (a fresh process), reading the rest exactly once', async () => {
    const times = Array.from({ length: 200 }, (_, k) => T0 + k * 1000);
    products(times);
    const req = { object: 'products', objectType: 'standard' as const, modifiedSince: new Date(T0), modifiedBefore: new Date(T0 + 200_000) };
    const { ids: order, states } = await readAll(connection({ page_size: 10 }), req);
    const all = [...order].sort();
    expect(all).toEqual(idsIn(times, T0, T0 + 200_000));
    expect(states.length).toBeGreaterThan(5);
    expect(states.some(({ state }) => (state as { open?: unknown[] }).open?.length)).toBe(true);
    for (const [k, { state, handed }] of states.entries()) {
      const { ids: rest } = await readAll(connection({ page_size: 10 }), req, JSON.parse(JSON.stringify(state)));
      const read = [...order.slice(0, handed), ...rest];
      expect(read.length, `state ${k}`).toBe(all.length);
      expect(read.sort(), `state ${k}`).toEqual(all);
    }
  });

  it('splits a window past search’s 10,000-result cap instead of falling back to the full list', async () => {
    const times = Array.from({ length: SEARCH_LIMIT + 50 }, (_, k) => T0 + k * 100);
    products(times);
    const end = T0 + times.length * 100;
    const { ids } = await readAll(connection(), { object: 'products', objectType: 'standard', modifiedSince: new Date(T0), modifiedBefore: new Date(end) });
    expect(ids).toHaveLength(times.length);
    expect(ids.sort()).toEqual(idsIn(times, T0, end));
    expect(hs.requests('/crm/v3/objects/products').filter((r) => r.query.archived === 'false')).toEqual([]);
    // The first search saw the whole range; the split cost that one request.
    expect(searches().length).toBeLessThan(Math.ceil(times.length / 100) + 30);
  });

  it('falls back to the full list only past the cap within one millisecond', async () => {
    const times = Array.from({ length: SEARCH_LIMIT + 1 }, () => T0 + 500);
    products([...times, T0 + 2_000]);
    const { ids, states } = await readAll(connection(), { object: 'products', objectType: 'standard', modifiedSince: new Date(T0), modifiedBefore: new Date(T0 + 1_000) });
    const fallback = states.findIndex(({ state }) => (state as { mode?: string }).mode === 'list');
    expect(states[fallback]!.state).toEqual({ mode: 'list', phase: 'active', after: null, since: T0 });
    // The list filters by the lower bound only; the engine drops what lies past modifiedBefore.
    expect(new Set(ids).size).toBe(times.length + 1);
    const narrowest = Math.min(...searches().map((b) => bounds(b).LT - bounds(b).GTE));
    expect(narrowest).toBe(1);
  });

  it('resumes page states from before windows: a search’s keyset, a search not started, the archived list', async () => {
    const times = Array.from({ length: 10 }, (_, k) => T0 + k * 1000);
    products(times);
    hs.archive('products', '10', iso(T0 + 20_000));
    const req = { object: 'products', objectType: 'standard' as const, modifiedSince: new Date(T0) };
    const keyset = await readAll(connection(), req, { mode: 'search', phase: 'active', after: null, since: T0, from: T0 + 3000, tie: 1 });
    expect(keyset.ids).toEqual(['5', '6', '7', '8', '9', '10']);
    expect(bounds(searches()[0]!)).toMatchObject({ GTE: T0 + 3000 });
    expect(searches()[0]!.after).toBe('1');
    const fresh = await readAll(connection(), req, { mode: 'search', phase: 'active', after: null, since: T0 });
    expect(fresh.ids).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    const archived = await readAll(connection(), req, { mode: 'list', phase: 'archived', after: null, since: T0 });
    expect(archived.ids).toEqual(['10']);
  });

  it('keeps to search’s own rate: never six searches within a second', async () => {
    hs.latencyMs = 250;
    const times = Array.from({ length: 60 }, (_, k) => T0 + k * 1000);
    products(times);
    const { ids } = await readAll(connection({ page_size: 5 }, createHttpRuntime()), {
      object: 'products',
      objectType: 'standard',
      modifiedSince: new Date(T0),
      modifiedBefore: new Date(T0 + 60_000),
    });
    expect(ids.sort()).toEqual(idsIn(times, T0, T0 + 60_000));
    const at = hs.searchTimes;
    expect(at.length).toBeGreaterThan(10);
    // Five a second, spaced 200 ms: the sixth after a search comes a second later (less the timers' few milliseconds).
    for (let i = 0; i + 5 < at.length; i++) expect(at[i + 5]! - at[i]!).toBeGreaterThanOrEqual(950);
    expect(hs.sim.maxInFlight).toBeGreaterThan(1);
  });
});

describe('HubSpot windowed search in a sync (API → worker → simulator → Postgres)', () => {
  it('leaves a record modified while its window is read to the next run, which picks it up', async () => {
    const s = await startScenario();
    try {
      const { connect, customerId, trigger } = await configureCrm(s, {
        providerName: 'hubspot',
        clientId: hs.oauth.clientId,
        clientSecret: hs.oauth.clientSecret,
        common: [],
        standard: ['products'],
      });
      products(Array.from({ length: 1000 }, (_, k) => T0 + k * 1000));
      await s.worker.run(async () => {
        await connect({ access_token: hs.oauth.issue(), refresh_token: 'refresh-1', instance_url: hs.url });
        expect((await waitForRuns(s.tenant, customerId, 1))[0]).toMatchObject({ status: 'SUCCESS', num_records_synced: 1000 });

        // 1,000 changes: more than one window's worth, so the run splits its range.
        products(Array.from({ length: 1000 }, (_, k) => T0 + 86_400_000 + k * 1000));
        let n = 0;
        hs.onSearch = () => {
          // While the run reads its windows, product 500 changes again, after the run's range.
          if (++n === 3) hs.upsert('products', { id: '500', updatedAt: new Date().toISOString(), properties: { name: 'late' } });
        };
        await trigger('standard', 'products');
        const [second] = await waitForRuns(s.tenant, customerId, 2);
        hs.onSearch = undefined;
        expect(second!.status).toBe('SUCCESS');
        expect(hs.requests('/crm/v3/objects/products/search').length).toBeGreaterThan(3);
        const afterSecond = await tableRows(s.destPool, 'hubspot_products');
        expect(afterSecond).toHaveLength(1000);
        expect(afterSecond.find((r) => r.id === '500')!.raw.name).toBe('P500');
        expect(afterSecond.filter((r) => r.id !== '500').every((r) => Date.parse(r.raw.updatedAt) >= T0 + 86_400_000)).toBe(true);

        await trigger('standard', 'products');
        const [third] = await waitForRuns(s.tenant, customerId, 3);
        expect(third!.status).toBe('SUCCESS');
        expect((await tableRows(s.destPool, 'hubspot_products')).find((r) => r.id === '500')!.raw.name).toBe('late');
      });
    } finally {
      await s.close();
    }
  });
});
