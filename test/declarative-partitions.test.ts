/**
 * Concurrent partitions of a declarative stream against a real HTTP simulator: date windows,
 * numbered pages with a total, and (in declarative-parent-child.test.ts) child streams. Each
 * reads every record exactly once, never has more requests in flight than the connection
 * allows, and resumes from any handed-back page state with nothing lost or repeated.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectorDefinitionSchema, definitionIssues } from '../providers/declarative/definition';
import type { JsonValue, SourceRecord } from '../providers/types';
import { connect, fastRuntime, readAll } from './helpers/declarative-harness';
import { startApiSimulator, type ApiSimulator } from './helpers/http-api-simulator';
import { useTenants } from './helpers/tenants';

const HOUR = 3_600_000;
const START = Date.parse('2024-04-21T00:00:00Z');
/** The harness's clock: where a run's windows end. */
const NOW = Date.parse('2024-05-01T00:00:00Z');

let sim: ApiSimulator | undefined;
afterEach(() => sim?.close());

interface Item {
  id: string;
  updated_at: string;
}

/** 240 events an hour apart, one at every window boundary; the API's `until` is inclusive, so a boundary record comes back in two windows. */
function eventsApi(events: Item[], onRequest?: (q: Record<string, string>) => void) {
  return startApiSimulator((q) => {
    onRequest?.(q.query);
    const since = Date.parse(q.query.since!);
    const until = Date.parse(q.query.until!);
    const inRange = events.filter((e) => Date.parse(e.updated_at) >= since && Date.parse(e.updated_at) <= until);
    const from = Number(q.query.cursor ?? 0);
    const page = inRange.slice(from, from + 10);
    return { json: { data: page, next: from + 10 < inRange.length ? String(from + 10) : null }, delayMs: 10 };
  });
}

const events = (): Item[] => Array.from({ length: 240 }, (_, i) => ({ id: `e${i}`, updated_at: new Date(START + i * HOUR).toISOString() }));

function windowed(url: string, concurrency = 3) {
  return {
    id: 'events-api',
    name: 'Events',
    base_url: url,
    rate_limit: { concurrency },
    streams: [
      {
        id: 'events',
        path: '/events',
        primary_key: 'id',
        records_selector: '$.data',
        pagination: { type: 'cursor', param: 'cursor', next_cursor_selector: '$.next', page_size_param: 'limit', page_size: 10 },
        incremental: { replication_key: 'updated_at', param: 'since', end_param: 'until', format: 'iso8601', step: 'P1D', start_datetime: '2024-04-21T00:00:00Z' },
      },
    ],
  };
}

function numbered(url: string, pagination: Record<string, unknown>, concurrency = 4) {
  return {
    id: 'items-api',
    name: 'Items',
    base_url: url,
    rate_limit: { concurrency },
    streams: [{ id: 'items', path: '/items', primary_key: 'id', records_selector: '$.data', pagination }],
  };
}

const ITEMS = Array.from({ length: 253 }, (_, i) => ({ id: `i${String(i).padStart(3, '0')}` }));
const itemsApi = () =>
  startApiSimulator((q) => {
    const from = q.query.offset !== undefined ? Number(q.query.offset) : (Number(q.query.page) - 1) * 10;
    return { json: { total: ITEMS.length, pages: Math.ceil(ITEMS.length / 10), data: ITEMS.slice(from, from + 10) }, delayMs: 10 };
  });

const ids = (records: SourceRecord[]) => records.map((r) => r.id).sort();

/** Reads `pages` pages, then the worker dies; a new connection resumes from the last handed-back state. */
async function readWithCrash(def: unknown, object: string, pages: number, modifiedSince: Date | null = null) {
  const worker = new AbortController();
  const conn = connect(def, {});
  const before: SourceRecord[] = [];
  let state: JsonValue | null = null;
  for (let i = 0; i < pages; i++) {
    const page = await conn.readPage({ object, objectType: 'standard', modifiedSince, pageState: state, signal: worker.signal });
    before.push(...page.records);
    state = JSON.parse(JSON.stringify(page.nextPageState));
    if (state === null) break;
  }
  worker.abort();
  const after = state === null ? [] : (await readAll(connect(def, {}), object, { pageState: state, modifiedSince, maxPages: 1000 })).records;
  return { before, after, all: [...before, ...after] };
}

describe('date windows', () => {
  it('reads the range in step-long windows at once, each record once though the API repeats boundary records', async () => {
    const seen: Record<string, string>[] = [];
    sim = await eventsApi(events(), (q) => seen.push(q));
    const { records, states } = await readAll(connect(windowed(sim.url), {}), 'events', { maxPages: 1000 });
    expect(ids(records)).toEqual(
      events()
        .map((e) => e.id)
        .sort(),
    );
    expect(sim.maxInFlight).toBe(3);
    // Ten windows of a day, from start_datetime to the moment the run started.
    const windows = [...new Set(seen.map((q) => `${q.since}..${q.until}`))].sort();
    expect(windows).toHaveLength(10);
    expect(windows[0]).toBe('2024-04-21T00:00:00.000Z..2024-04-22T00:00:00.000Z');
    expect(windows.at(-1)).toBe('2024-04-30T00:00:00.000Z..2024-05-01T00:00:00.000Z');
    expect(states.at(-1)).toBeNull();
  });

  it('reads an incremental run from the cursor to the run’s start', async () => {
    const seen: Record<string, string>[] = [];
    sim = await eventsApi(events(), (q) => seen.push(q));
    const since = new Date(START + 200 * HOUR);
    const { records } = await readAll(connect(windowed(sim.url), {}), 'events', { modifiedSince: since, maxPages: 1000 });
    expect(ids(records)).toEqual(
      events()
        .slice(200)
        .map((e) => e.id)
        .sort(),
    );
    expect(new Set(seen.map((q) => q.since))).toEqual(new Set(['2024-04-29T08:00:00.000Z', '2024-04-30T08:00:00.000Z']));
  });

  it('resumes every window where its handed-back pages end, after a crash at any page', async () => {
    sim = await eventsApi(events());
    for (const pages of [1, 3, 7, 12]) {
      const { all } = await readWithCrash(windowed(sim.url), 'events', pages);
      expect(ids(all), `crash after ${pages} pages`).toEqual(
        events()
          .map((e) => e.id)
          .sort(),
      );
    }
  });

  it('leaves a record modified while its window is read to the next run, which picks it up', async () => {
    const data = events();
    const moved = data[30]!; // in the second window
    const rt = fastRuntime();
    sim = await eventsApi(data, (q) => {
      // The record changes on the provider while its window is being read: it moves past the run's start.
      if (q.since === '2024-04-22T00:00:00.000Z' && q.cursor === undefined) moved.updated_at = new Date(NOW + 5_000).toISOString();
    });
    const first = await readAll(connect(windowed(sim.url), {}, rt), 'events', { maxPages: 1000 });
    expect(first.records.map((r) => r.id)).not.toContain(moved.id);
    // The engine's cursor: the greatest last-modified the run committed.
    const cursor = new Date(Math.max(...first.records.map((r) => r.lastModifiedAt!.getTime())));
    expect(cursor.getTime()).toBeLessThanOrEqual(NOW);
    rt.clock.now = NOW + HOUR;
    const next = await readAll(connect(windowed(sim.url), {}, rt), 'events', { modifiedSince: cursor, maxPages: 1000 });
    expect(next.records.map((r) => r.id)).toContain(moved.id);
  });
});

describe('numbered pages with a total', () => {
  it.each([
    ['page_increment, total of records', { type: 'page_increment', param: 'page', page_size: 10, total_selector: '$.total' }],
    ['page_increment, total of pages', { type: 'page_increment', param: 'page', page_size_param: 'per_page', page_size: 10, total_selector: '$.pages', total_unit: 'pages' }],
    ['offset, total of records', { type: 'offset', offset_param: 'offset', limit_param: 'limit', limit: 10, total_selector: '$.total' }],
  ])('%s: every page once, up to the connection’s concurrency', async (_label, pagination) => {
    sim = await itemsApi();
    const { records } = await readAll(connect(numbered(sim.url, pagination), {}), 'items', { maxPages: 1000 });
    expect(ids(records)).toEqual(ITEMS.map((i) => i.id));
    expect(sim.maxInFlight).toBe(4);
    // 26 pages, and the last one's successor (empty) because records may have been added meanwhile.
    const asked = sim.requests.map((q) => q.query.page ?? q.query.offset);
    expect(new Set(asked).size).toBe(asked.length);
    expect(asked).toHaveLength(26);
  });

  it('resumes after a crash at any page with nothing lost or repeated', async () => {
    sim = await itemsApi();
    for (const pages of [1, 2, 5, 9]) {
      const { all } = await readWithCrash(numbered(sim.url, { type: 'page_increment', param: 'page', page_size: 10, total_selector: '$.total' }), 'items', pages);
      expect(ids(all), `crash after ${pages} pages`).toEqual(ITEMS.map((i) => i.id));
      expect(all).toHaveLength(ITEMS.length);
    }
  });

  it('reads one chain when the response has no total', async () => {
    sim = await startApiSimulator((q) => ({ json: { data: ITEMS.slice((Number(q.query.page) - 1) * 10, Number(q.query.page) * 10) } }));
    const { records } = await readAll(connect(numbered(sim.url, { type: 'page_increment', param: 'page', page_size: 10, total_selector: '$.total' }), {}), 'items', {
      maxPages: 1000,
    });
    expect(ids(records)).toEqual(ITEMS.map((i) => i.id));
    expect(sim.maxInFlight).toBe(1);
  });
});

describe('partition settings in a definition', () => {
  const base = () => structuredClone(windowed('https://api.example.com')) as Record<string, any>;
  const issues = (mutate: (d: Record<string, any>) => void) => {
    const d = base();
    mutate(d);
    const r = connectorDefinitionSchema.safeParse(d);
    return r.success ? [] : definitionIssues(r.error);
  };

  it.each<[string, (d: Record<string, any>) => void, string, RegExp]>([
    ['step not a duration', (d) => (d.streams[0].incremental.step = '1 day'), 'streams.0.incremental.step', /ISO 8601 duration/],
    ['step in months', (d) => (d.streams[0].incremental.step = 'P1M'), 'streams.0.incremental.step', /weeks, days, hours/],
    ['step without end_param', (d) => delete d.streams[0].incremental.end_param, 'streams.0.incremental.end_param', /required when step is set/],
    ['step without start_datetime', (d) => delete d.streams[0].incremental.start_datetime, 'streams.0.incremental.start_datetime', /required when step is set/],
    ['start_datetime not an instant', (d) => (d.streams[0].incremental.start_datetime = 'last year'), 'streams.0.incremental.start_datetime', /ISO 8601 instant/],
    [
      'start_datetime undeclared parameter',
      (d) => (d.streams[0].incremental.start_datetime = '{config.since}'),
      'streams.0.incremental.start_datetime',
      /undeclared parameter "since"/,
    ],
    [
      'total of records without page_size',
      (d) => (d.streams[0] = { ...d.streams[0], incremental: undefined, pagination: { type: 'page_increment', param: 'page', total_selector: '$.total' } }),
      'streams.0.pagination.page_size',
      /required when total_selector counts records/,
    ],
    [
      'total with next_offset_selector',
      (d) =>
        (d.streams[0] = {
          ...d.streams[0],
          incremental: undefined,
          pagination: { type: 'offset', offset_param: 'o', limit: 10, next_offset_selector: '$.n', total_selector: '$.total' },
        }),
      'streams.0.pagination.total_selector',
      /next_offset_selector/,
    ],
    [
      'total with windows',
      (d) => (d.streams[0].pagination = { type: 'page_increment', param: 'page', page_size: 10, total_selector: '$.total' }),
      'streams.0.pagination.total_selector',
      /not both/,
    ],
    [
      'windows on a child stream',
      (d) => {
        d.streams[0].child_context = { id: '{record.id}' };
        d.streams.push({ ...structuredClone(d.streams[0]), id: 'details', parent_stream: 'events', path: '/events/{parent.id}' });
      },
      'streams.1.incremental.step',
      /not supported on child streams/,
    ],
  ])('%s', (_label, mutate, path, message) => {
    const found = issues(mutate);
    expect(
      found.find((i) => i.path === path && message.test(i.message)),
      JSON.stringify(found),
    ).toBeDefined();
  });

  it('accepts windows and totals as documented', () => {
    expect(issues(() => {})).toEqual([]);
    expect(issues((d) => (d.streams[0].incremental.step = 'P1DT12H'))).toEqual([]);
  });
});

describe('publishing a definition with partition settings', () => {
  const { a } = useTenants();

  it('answers a bad step with a 400 naming the field', async () => {
    const def = windowed('https://api.example.com');
    def.streams[0]!.incremental.step = 'daily';
    const res = await a.request('PUT', '/connectors/events-api', { body: def });
    expect(res.status).toBe(400);
    const fields = res.body.errors[0].meta.fields as Array<{ field: string; message: string }>;
    expect(fields).toContainEqual(expect.objectContaining({ field: 'streams.0.incremental.step', message: expect.stringMatching(/ISO 8601 duration/) }));
    expect((await a.request('PUT', '/connectors/events-api', { body: windowed('https://api.example.com') })).status).toBe(201);
  });
});
