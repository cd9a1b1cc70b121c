/**
 * Salesforce incremental reads as concurrent SOQL ranges of SystemModstamp, against the Salesforce
 * simulator over real HTTP: never more queries in flight than the connection's concurrency, every
 * record once (pairs of records on the same instant, some on the windows' boundaries), the run's
 * upper bound sent and rounded up to the second, a resume from any handed-back page state, and a
 * page state from before ranges resumed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpRuntime } from '../providers/runtime';
import { createSalesforceConnection } from '../providers/salesforce';
import type { JsonValue, ProviderConnection, ReadPageRequest, SourceRecord } from '../providers/types';
import { startSalesforceSim, type SalesforceSim } from './helpers/salesforce-simulator';

const HOUR = 3_600_000;
/** Ten days ago, to the second: the records are in the past of the run's "now". */
const T0 = Math.floor((Date.now() - 11 * 24 * HOUR) / 1000) * 1000;
/** [T0, T0 + 246 h): its first page ends at T0 + 6 h, and the rest is split into 8 windows of 30 h, whose boundaries fall on records. */
const END = T0 + 246 * HOUR;
const at = (ms: number) => new Date(ms).toISOString();
const id = (i: number) => `003${String(i).padStart(5, '0')}`;

let sf: SalesforceSim;

beforeAll(async () => {
  sf = await startSalesforceSim();
  sf.batchSize = 5;
  sf.queryDelayMs = 20;
  // Pairs 3 h apart from T0; the last pair is on END itself, so outside the range.
  for (let i = 0; i < 166; i++) sf.upsert('Contact', { Id: id(i), SystemModstamp: at(T0 + Math.floor(i / 2) * 3 * HOUR), LastName: `L${i}` });
  sf.upsert('Contact', { Id: '003before', SystemModstamp: at(T0 - 1000), LastName: 'before' });
  sf.remove('Contact', id(7), at(T0 + 100 * HOUR));
});
afterAll(() => sf?.close());
beforeEach(() => {
  sf.maxQueriesInFlight = 0;
});

const connect = () =>
  createSalesforceConnection(
    {
      applicationId: 'a',
      customerId: 'c',
      connectionId: `sf-windows-${Math.random()}`,
      providerName: 'salesforce',
      params: { access_token: sf.oauth.issue(), instance_url: sf.url },
    },
    createHttpRuntime(),
  );

const request = (over: Partial<ReadPageRequest> = {}): ReadPageRequest => ({
  object: 'Contact',
  objectType: 'standard',
  modifiedSince: new Date(T0),
  modifiedBefore: new Date(END),
  pageState: null,
  ...over,
});

/** Reads until the end from `pageState`, each state through JSON as the engine stores it. */
async function readAll(conn: ProviderConnection, req: ReadPageRequest, maxPages = Infinity) {
  const records: SourceRecord[] = [];
  const states: Array<JsonValue | null> = [];
  const worker = new AbortController();
  let pageState = req.pageState;
  for (let n = 0; n < maxPages; n++) {
    const page = await conn.readPage({ ...req, pageState, signal: worker.signal });
    records.push(...page.records);
    pageState = JSON.parse(JSON.stringify(page.nextPageState));
    states.push(pageState);
    if (pageState === null) break;
  }
  // The process is gone: nothing more is asked.
  worker.abort();
  return { records, states, pageState };
}

const ids = (records: SourceRecord[]) => records.map((r) => r.id).sort();
const inRange = () => Array.from({ length: 164 }, (_, i) => id(i)).sort();
/** The [>=, <) literals of the range queries sent since `from`. */
const ranges = (from: number) =>
  sf
    .queries()
    .slice(from)
    .map((q) => /WHERE SystemModstamp >= (\S+) AND SystemModstamp < (\S+) ORDER BY SystemModstamp ASC, Id ASC$/.exec(q)!.slice(1, 3));

describe('Salesforce incremental reads as SOQL ranges', () => {
  it('splits a range of many pages into windows read 4 at a time, each record once, deletes included', async () => {
    const from = sf.queries().length;
    const firstRequest = sf.sim.requests.length;
    const { records, states } = await readAll(connect(), request());
    expect(ids(records)).toEqual(inRange());
    expect(records.find((r) => r.id === id(7))!.isDeleted).toBe(true);
    expect(sf.maxQueriesInFlight).toBe(4);
    expect(states.at(-1)).toBeNull();
    // The whole range first (33 pages of 5 by its totalSize): its first page is kept up to the second of its
    // last record (T0 + 6 h), and the rest is read as 8 windows of 30 h, each a chain of at most 8 pages.
    const sent = ranges(from);
    expect(sent[0]).toEqual([at(T0).replace('.000Z', 'Z'), at(END).replace('.000Z', 'Z')]);
    const windows = [...new Set(sent.slice(1).map((r) => r.join('..')))].sort();
    const rest = T0 + 6 * HOUR;
    expect(windows).toEqual(Array.from({ length: 8 }, (_, k) => [rest + k * 30 * HOUR, rest + (k + 1) * 30 * HOUR].map((t) => at(t).replace('.000Z', 'Z')).join('..')));
    // The split costs no request: the first page, then the windows' 20 records each in 4 pages of 5 (one holds
    // the delete moved to T0 + 100 h: 5 pages); requests of a window after its first follow nextRecordsUrl.
    const pages = sf.sim.requests.slice(firstRequest).filter((r) => /\/query\/01g\d+-\d+$/.test(r.path)).length;
    expect(sent.length + pages).toBe(1 + 7 * 4 + 5);
  });

  it('ends the range at modifiedBefore rounded up to the second, or at now; the reader drops what the API returns past it', async () => {
    const edge = END + 1500;
    sf.upsert('Contact', { Id: '003inside', SystemModstamp: at(END + 1000), LastName: 'in' });
    sf.upsert('Contact', { Id: '003outside', SystemModstamp: at(END + 1800), LastName: 'out' });
    try {
      let from = sf.queries().length;
      const bounded = await readAll(connect(), request({ modifiedSince: new Date(END - 1000), modifiedBefore: new Date(edge) }));
      expect(ranges(from)).toEqual([[at(END - 1000).replace('.000Z', 'Z'), at(END + 2000).replace('.000Z', 'Z')]]);
      expect(ids(bounded.records)).toEqual(['00300164', '00300165', '003inside'].sort());

      from = sf.queries().length;
      const before = Date.now();
      const open = await readAll(connect(), request({ modifiedSince: new Date(END), modifiedBefore: undefined }));
      const [[, upper]] = ranges(from) as [[string, string]];
      expect(Date.parse(upper)).toBeGreaterThanOrEqual(Math.ceil(before / 1000) * 1000);
      expect(Date.parse(upper)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) * 1000);
      expect(ids(open.records)).toEqual(['00300164', '00300165', '003inside', '003outside'].sort());
    } finally {
      sf.records.Contact!.delete('003inside');
      sf.records.Contact!.delete('003outside');
    }
  });

  it('resumes every window where its handed-back pages end, after a crash at any page', async () => {
    for (const pages of [1, 3, 9]) {
      const first = await readAll(connect(), request(), pages);
      expect(first.pageState, `crash after ${pages} pages`).not.toBeNull();
      // Its queries still out are answered before the next process starts (another process's concurrency is its own).
      await new Promise((r) => setTimeout(r, 200));
      sf.maxQueriesInFlight = 0;
      // Another process resumes from the last state handed back; the first one's reads are gone with it.
      const rest = await readAll(connect(), request({ pageState: first.pageState }));
      expect(ids([...first.records, ...rest.records]), `crash after ${pages} pages`).toEqual(inRange());
      expect(sf.maxQueriesInFlight).toBeLessThanOrEqual(4);
    }
  });

  it('queries a window again after its last handed-back record when Salesforce released its locator', async () => {
    const first = await readAll(connect(), request(), 6);
    const open = (first.pageState as { open: Array<{ at: { next: string; at: string; id: string } | null }> }).open.filter((p) => p.at !== null);
    expect(open.length).toBeGreaterThan(0);
    sf.releaseLocators();
    const from = sf.queries().length;
    const rest = await readAll(connect(), request({ pageState: first.pageState }));
    // Each window that was open is queried again from the second of its last record.
    const lowerBounds = new Set(ranges(from).map(([lower]) => lower));
    for (const p of open) expect(lowerBounds.has(p.at!.at.replace('.000Z', 'Z')), p.at!.at).toBe(true);
    const all = [...first.records, ...rest.records];
    expect([...new Set(ids(all))]).toEqual(inRange());
    // Only a record of the same instant as a window's last one may come twice.
    const twice = ids(all).filter((x, i, a) => a[i - 1] === x);
    const lastIds = new Set(open.map((p) => p.at!.id));
    for (const x of twice) expect(lastIds.has(Number(x.slice(3)) % 2 === 0 ? id(Number(x.slice(3)) + 1) : id(Number(x.slice(3)) - 1)), x).toBe(true);
  });

  it('resumes a page state from before ranges: the single query it was paging through', async () => {
    const soql = `SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp >= ${at(T0 + 200 * HOUR)} ORDER BY SystemModstamp ASC, Id ASC`;
    const res = await fetch(`${sf.url}/services/data/v58.0/queryAll?q=${encodeURIComponent(soql)}`, { headers: { authorization: `Bearer ${sf.oauth.issue()}` } });
    const first = (await res.json()) as { records: Array<{ Id: string }>; nextRecordsUrl: string };
    const from = sf.queries().length;
    const { records, states } = await readAll(connect(), request({ modifiedSince: new Date(T0 + 200 * HOUR), pageState: { next: first.nextRecordsUrl } }));
    // From T0 + 201 h (00300134) on: the old query has no upper bound, so the pair on END comes too (the engine keeps what is in its run).
    expect(ids([...first.records.map((r) => ({ id: r.Id }) as SourceRecord), ...records])).toEqual(Array.from({ length: 166 - 134 }, (_, i) => id(134 + i)).sort());
    expect(sf.queries().length).toBe(from);
    expect(states.slice(0, -1).every((s) => typeof (s as { next?: unknown }).next === 'string')).toBe(true);
  });
});

describe('Salesforce full reads: SOQL ranges from the epoch, then a tail', () => {
  /** Every record not deleted, as the simulator holds them now. */
  const live = () =>
    [...sf.records.Contact!.values()]
      .filter((r) => !r.IsDeleted)
      .map((r) => r.Id)
      .sort();
  const full = (over: Partial<ReadPageRequest> = {}) => request({ modifiedSince: null, modifiedBefore: undefined, ...over });

  it('reads every record (none deleted) through query, 4 at a time; the tail reads one modified while its window waited and one created meanwhile', async () => {
    const conn = connect();
    const from = sf.queries().length;
    const worker = new AbortController();
    const first = await conn.readPage({ ...full(), signal: worker.signal });
    // While the first windows are read: the last record moves past the run's range before its window is queried, and one is created.
    const later = at(Date.now() + 2000);
    sf.upsert('Contact', { Id: id(165), SystemModstamp: later, LastName: 'moved' });
    sf.upsert('Contact', { Id: '003new', SystemModstamp: later, LastName: 'new' });
    try {
      const rest = await readAll(conn, full({ pageState: JSON.parse(JSON.stringify(first.nextPageState)) }));
      worker.abort();
      const records = [...first.records, ...rest.records];
      expect([...new Set(ids(records))]).toEqual(live());
      expect(live()).toContain(id(165));
      expect(ids(records)).not.toContain(id(7)); // deleted: query, not queryAll
      // The moved record's new version is among those read (by the tail).
      expect(records.find((r) => r.id === id(165) && r.raw.LastName === 'moved')).toBeDefined();
      // Each record not modified during the read came exactly once.
      const counts = new Map<string, number>();
      for (const r of records) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
      expect([...counts].filter(([k, n]) => n > 1 && k !== id(165))).toEqual([]);
      expect(sf.maxQueriesInFlight).toBeLessThanOrEqual(4);
      const sent = sf.queries().slice(from);
      expect(sent[0]).toMatch(/ WHERE SystemModstamp >= 1970-01-01T00:00:00Z AND SystemModstamp < \S+ ORDER BY /);
      // The tail comes last, once every window is done, from the range's end.
      const tail = sent.at(-1)!;
      expect(tail).toMatch(/ WHERE SystemModstamp >= \S+ ORDER BY SystemModstamp ASC, Id ASC$/);
      expect(sent.slice(0, -1).every((q) => q.includes(' AND SystemModstamp < '))).toBe(true);
      expect(sf.sim.requests.filter((r) => /\/queryAll$/.test(r.path) && sent.includes(r.query.q!))).toEqual([]);
    } finally {
      sf.upsert('Contact', { Id: id(165), SystemModstamp: at(T0 + 82 * 3 * HOUR), LastName: 'L165' });
      sf.records.Contact!.delete('003new');
    }
  });

  it('queries the tail again from its last record when Salesforce released its locator', async () => {
    const conn = connect();
    const worker = new AbortController();
    const read = async (pageState: JsonValue | null) => {
      const page = await conn.readPage({ ...full(), pageState, signal: worker.signal });
      return { records: page.records, pageState: JSON.parse(JSON.stringify(page.nextPageState)) as JsonValue | null };
    };
    const isTailState = (st: JsonValue | null) => !!st && typeof st === 'object' && 'tail' in st;
    let state: JsonValue | null = null;
    do state = (await read(state)).pageState;
    while (!isTailState(state));
    // Created after the ranges' end: the tail's 3 pages of 5.
    const created = Array.from({ length: 12 }, (_, i) => `003tail${String(i).padStart(2, '0')}`);
    const later = Date.now() + 2000;
    for (const [i, Id] of created.entries()) sf.upsert('Contact', { Id, SystemModstamp: at(later + i * 1000), LastName: Id });
    try {
      const first = await read(state);
      expect(first.pageState).toMatchObject({ tail: { next: expect.any(String), at: expect.any(String), id: first.records.at(-1)!.id } });
      sf.releaseLocators();
      const rest = await readAll(conn, full({ pageState: first.pageState }));
      worker.abort();
      const tailIds = [...first.records, ...rest.records].map((r) => r.id);
      expect(tailIds).toEqual(created);
    } finally {
      for (const Id of created) sf.records.Contact!.delete(Id);
    }
  });

  it("resumes from any state handed back, the tail's included", async () => {
    const whole = await readAll(connect(), full());
    expect(whole.states.at(-2)).toMatchObject({ tail: { since: expect.any(String), next: null } });
    for (const pages of [1, 4, whole.states.length - 1]) {
      const first = await readAll(connect(), full(), pages);
      expect(first.pageState, `crash after ${pages} pages`).not.toBeNull();
      await new Promise((r) => setTimeout(r, 200));
      const rest = await readAll(connect(), full({ pageState: first.pageState }));
      expect([...new Set(ids([...first.records, ...rest.records]))], `crash after ${pages} pages`).toEqual(live());
    }
  });
});
