/**
 * A backfill job over declarative streams whose API takes an upper bound (API → job workflow →
 * run workflow → source simulator → Postgres): each sub-window is read once, bounded above by its
 * own end rather than read to now, and the destination holds exactly the window's records. One
 * stream sends `end_param` without windows; the other cuts each sub-window into its date windows.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { postgresDestinationConfig } from './helpers/db';
import { startApiSimulator, type ApiSimulator } from './helpers/http-api-simulator';
import { configure, destinationRows, ok, startScenario, waitForRuns } from './helpers/sync-scenario';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Relative to today, so the sync's first full run has few date windows up to now.
const BASE = Math.floor(Date.now() / DAY) * DAY - 5 * DAY;
/** The backfill window: 60 h, so three sub-windows of 20 h. */
const W = BASE + DAY;
const at = (ms: number) => new Date(ms).toISOString();
const seconds = (ms: number) => String(Math.floor(ms / 1000));

const CONTACTS: Array<{ id: string; updated_at: string }> = [
  { id: 'before', updated_at: at(W - 1000) },
  { id: 'start', updated_at: at(W) },
  { id: 'mid1', updated_at: at(W + 10 * HOUR) },
  { id: 'edge1', updated_at: at(W + 20 * HOUR) },
  { id: 'mid2', updated_at: at(W + 36 * HOUR) },
  { id: 'edge2', updated_at: at(W + 40 * HOUR) },
  { id: 'end', updated_at: at(W + 60 * HOUR) },
  { id: 'after', updated_at: at(W + 60 * HOUR + 1000) },
  { id: 'late', updated_at: at(W + 3 * DAY) },
];
const IN_WINDOW = ['edge1', 'edge2', 'end', 'mid1', 'mid2', 'start'];
const API_KEY = 'bounded-key';

let s: Awaited<ReturnType<typeof startScenario>>;
let sim: ApiSimulator;

beforeAll(async () => {
  s = await startScenario();
  // Both paths serve the same records; /contacts takes seconds, /events ISO 8601; both upper bounds are exclusive.
  sim = await startApiSimulator((req) => {
    if (req.headers['x-api-key'] !== API_KEY) return { status: 401, json: { error: 'invalid api key' } };
    const q = req.query;
    const [lo, hi] =
      req.path === '/contacts'
        ? [q.updated_after ? Number(q.updated_after) * 1000 : -Infinity, q.updated_before ? Number(q.updated_before) * 1000 : Infinity]
        : [q.since ? Date.parse(q.since) : -Infinity, q.until ? Date.parse(q.until) : Infinity];
    const data = CONTACTS.filter((c) => Date.parse(c.updated_at) >= lo && Date.parse(c.updated_at) < hi);
    const offset = Number(q.offset ?? 0);
    return { json: { data: data.slice(offset, offset + 100), next_offset: offset + 100 < data.length ? offset + 100 : null } };
  });
});
afterAll(async () => {
  await sim?.close();
  await s?.close();
});

const stream = (id: string, incremental: Record<string, unknown>) => ({
  id,
  path: `/${id}`,
  primary_key: 'id',
  records_selector: '$.data',
  pagination: { type: 'offset', offset_param: 'offset', limit_param: 'limit', limit: 100, next_offset_selector: '$.next_offset' },
  incremental: { replication_key: 'updated_at', ...incremental },
});

const connector = {
  id: 'bounded-crm',
  name: 'Bounded CRM',
  base_url: '{config.base_url}',
  auth: { type: 'api_key', location: 'header', name: 'x-api-key', value: '{config.api_key}' },
  parameters: [
    { name: 'base_url', required: true },
    { name: 'api_key', required: true, secret: true },
  ],
  streams: [
    stream('contacts', { param: 'updated_after', end_param: 'updated_before', format: 'timestamp' }),
    stream('events', { param: 'since', end_param: 'until', format: 'iso8601', step: 'PT12H', start_datetime: at(BASE) }),
  ],
};

it('a backfill reads each sub-window once up to its own end, not to now, and syncs exactly the window', { timeout: 120_000 }, async () => {
  const c = await configure(
    s,
    { url: sim.url, apiKey: API_KEY },
    {
      customerId: 'cust-bounded',
      providerName: 'bounded-crm',
      connector,
      standardObjects: ['contacts', 'events'],
      periodMs: 86_400_000,
      destination: { type: 'postgres', name: 'wh-bounded', config: postgresDestinationConfig(s.dest.url) },
    },
  );
  await c.connect();
  await waitForRuns(s.tenant, c.customerId, 2);
  for (const t of ['bounded_crm_contacts', 'bounded_crm_events']) await s.destPool.query(`delete from public."${t}"`);

  await s.worker.run(async () => {
    const from = sim.requests.length;
    const created = await ok(
      s.tenant.request('POST', `/customers/${c.customerId}/connections/bounded-crm/_sync_jobs`, {
        body: {
          objects: [
            { object_type: 'standard', object: 'contacts' },
            { object_type: 'standard', object: 'events' },
          ],
          start_date: at(W),
          end_date: at(W + 60 * HOUR),
        },
      }),
      202,
    );
    const deadline = Date.now() + 90_000;
    let job = created;
    while (job.status !== 'JOB_COMPLETED' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      job = await ok(s.tenant.request('GET', `/sync_jobs/${created.job_id}`));
    }
    expect(job).toMatchObject({ status: 'JOB_COMPLETED', processed_rows: 12 });

    const reads = sim.requests.slice(from);
    // No windows: one request per sub-window, bounded by its end; the last one's end is inclusive, 1 ms past it rounded up to a second.
    expect(reads.filter((r) => r.path === '/contacts').map((r) => [r.query.updated_after, r.query.updated_before])).toEqual([
      [seconds(W), seconds(W + 20 * HOUR)],
      [seconds(W + 20 * HOUR), seconds(W + 40 * HOUR)],
      [seconds(W + 40 * HOUR), seconds(W + 60 * HOUR + 1000)],
    ]);
    // Windows of 12 h inside each sub-window, the last one of each ending at the sub-window's end; the windows of a sub-window are read concurrently.
    const windows = reads.filter((r) => r.path === '/events').map((r) => `${r.query.since}..${r.query.until}`);
    expect(windows.sort()).toEqual(
      [
        [W, W + 12 * HOUR],
        [W + 12 * HOUR, W + 20 * HOUR],
        [W + 20 * HOUR, W + 32 * HOUR],
        [W + 32 * HOUR, W + 40 * HOUR],
        [W + 40 * HOUR, W + 52 * HOUR],
        [W + 52 * HOUR, W + 60 * HOUR + 1],
      ].map(([a, b]) => `${at(a!)}..${at(b!)}`),
    );

    expect((await destinationRows(s.destPool, 'bounded_crm_contacts')).map((r) => r.id)).toEqual(IN_WINDOW);
    expect((await destinationRows(s.destPool, 'bounded_crm_events')).map((r) => r.id)).toEqual(IN_WINDOW);
  });
});
