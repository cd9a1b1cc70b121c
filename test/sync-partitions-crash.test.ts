/**
 * SIGKILL of the worker process while a run has several partitions in flight, for each kind
 * (date windows, numbered pages with a total, a child stream's parents): the next worker resumes
 * every partition where its committed records end, and the destination equals the source with
 * exact counts. The simulator counts requests in flight: never more than the connection allows.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiSimulator, type ApiSimulator } from './helpers/http-api-simulator';
import { configure, destinationRows, startScenario } from './helpers/sync-scenario';
import { createWorkerProcesses, waitUntil as waitFor, type WorkerProcesses } from './helpers/worker-process';

const CONCURRENCY = 4;
const PAGE = 10;
const DAY = 86_400_000;
const START = Date.now() - 20 * DAY;
const API_KEY = 'partitions-key';

// 1,200 events over 20 windows (6 pages each), 1,200 items over 120 pages, and 400 notes of 100
// parents, 2 pages each: the parents' run commits a batch per 15 requests, so it is the slowest to
// reach a second batch and the others are still reading when the kill comes.
const events = Array.from({ length: 1200 }, (_, i) => ({ id: `e${String(i).padStart(4, '0')}`, updated_at: new Date(START + i * (DAY / 60)).toISOString() }));
const items = Array.from({ length: 1200 }, (_, i) => ({ id: `i${String(i).padStart(4, '0')}`, n: i }));
const parents = Array.from({ length: 100 }, (_, i) => ({ id: `p${String(i).padStart(3, '0')}` }));
const notesOf = (parent: string) => Array.from({ length: 4 }, (_, k) => ({ id: `${parent}-n${k}` }));

const definition = {
  id: 'acme-crm',
  name: 'Acme CRM',
  base_url: '{config.base_url}',
  auth: { type: 'api_key', location: 'header', name: 'x-api-key', value: '{config.api_key}' },
  parameters: [
    { name: 'base_url', required: true },
    { name: 'api_key', required: true, secret: true },
  ],
  rate_limit: { concurrency: CONCURRENCY, requests_per_second: 100, burst: 4 },
  streams: [
    {
      id: 'events',
      path: '/events',
      primary_key: 'id',
      records_selector: '$.data',
      pagination: { type: 'cursor', param: 'cursor', next_cursor_selector: '$.next', page_size_param: 'limit', page_size: PAGE },
      incremental: { replication_key: 'updated_at', param: 'since', end_param: 'until', format: 'iso8601', step: 'P1D', start_datetime: new Date(START).toISOString() },
    },
    {
      id: 'items',
      path: '/items',
      primary_key: 'id',
      records_selector: '$.data',
      pagination: { type: 'page_increment', param: 'page', page_size: PAGE, total_selector: '$.total' },
    },
    {
      id: 'contacts',
      path: '/contacts',
      primary_key: 'id',
      records_selector: '$.data',
      pagination: { type: 'page_increment', param: 'page', page_size: 20 },
      child_context: { contact_id: '{record.id}' },
    },
    {
      id: 'notes',
      parent_stream: 'contacts',
      path: '/contacts/{parent.contact_id}/notes',
      primary_key: 'id',
      records_selector: '$.data',
      pagination: { type: 'page_increment', param: 'p', page_size: 2 },
    },
  ],
};

let s: Awaited<ReturnType<typeof startScenario>>;
let sim: ApiSimulator;
let workers: WorkerProcesses;
const taskQueue = `partitions-crash-${randomUUID()}`;

/** Requests being answered, per stream ("contacts" counts a child stream's parents and children). */
const inFlight: Record<string, number> = {};
const maxInFlight: Record<string, number> = {};
const page = <T>(all: T[], from: number, size: number) => all.slice(from, from + size);

beforeAll(async () => {
  s = await startScenario();
  sim = await startApiSimulator(async (q) => {
    const kind = q.path.split('/')[1]!;
    inFlight[kind] = (inFlight[kind] ?? 0) + 1;
    maxInFlight[kind] = Math.max(maxInFlight[kind] ?? 0, inFlight[kind]);
    // Slow enough that a kill lands with partitions in flight.
    await new Promise((r) => setTimeout(r, 100));
    inFlight[kind]--;
    if (q.path === '/events') {
      const [since, until] = [Date.parse(q.query.since!), Date.parse(q.query.until!)];
      const inRange = events.filter((e) => Date.parse(e.updated_at) >= since && Date.parse(e.updated_at) <= until);
      const from = Number(q.query.cursor ?? 0);
      return { json: { data: page(inRange, from, PAGE), next: from + PAGE < inRange.length ? String(from + PAGE) : null } };
    }
    if (q.path === '/items') return { json: { total: items.length, data: page(items, (Number(q.query.page) - 1) * PAGE, PAGE) } };
    if (q.path === '/contacts') return { json: { data: page(parents, (Number(q.query.page) - 1) * 20, 20) } };
    const m = /^\/contacts\/([^/]+)\/notes$/.exec(q.path);
    if (m) return { json: { data: page(notesOf(m[1]!), (Number(q.query.p) - 1) * 2, 2) } };
    return { status: 404, json: { error: 'no route' } };
  });
  const c = await configure(s, { url: sim.url, apiKey: API_KEY }, { connector: definition, standardObjects: ['events', 'items', 'notes'], autoStart: false });
  await c.connect();
  // Small batches, so a kill lands between commits with others to come.
  workers = await createWorkerProcesses({ databaseUrl: s.api.tdb.url, taskQueue, env: { SYNC_BATCH_RECORDS: '30' } });
}, 120_000);
afterAll(async () => {
  await workers?.close();
  await sim?.close();
  await s?.close();
});

async function syncOf(object: string): Promise<string> {
  return (await s.api.tdb.db.selectFrom('syncs').select('id').where('object', '=', object).executeTakeFirstOrThrow()).id;
}

async function committedSeq(syncId: string): Promise<number> {
  const row = await s.api.tdb.db.selectFrom('sync_runs').select('progress').where('sync_id', '=', syncId).orderBy('start_timestamp', 'desc').executeTakeFirst();
  return (row?.progress as { seq?: number } | undefined)?.seq ?? 0;
}

const waitUntil = (cond: () => Promise<boolean>, what: string) => waitFor(cond, 120_000, what, () => workers.logs());

const KINDS = [
  { kind: 'date windows', object: 'events', path: 'events', expected: events.map((e) => e.id) },
  { kind: 'numbered pages with a total', object: 'items', path: 'items', expected: items.map((i) => i.id) },
  { kind: 'a child stream’s parents', object: 'notes', path: 'contacts', expected: parents.flatMap((p) => notesOf(p.id).map((n) => n.id)) },
];

describe('SIGKILL with partitions in flight', () => {
  it('resumes every partition of each kind: the destination equals the source, counted exactly', async () => {
    const syncIds = await Promise.all(KINDS.map((k) => syncOf(k.object)));
    // One run of each kind at once, sharing the connection's budget: one kill lands in all three.
    const handles = await Promise.all(
      syncIds.map((syncId, i) =>
        s.worker.client.workflow.start('syncRunWorkflow', { taskQueue, workflowId: `partitions-${KINDS[i]!.object}-${syncId}`, args: [{ syncId, heartbeatTimeout: '4 seconds' }] }),
      ),
    );
    let worker = workers.start();
    await waitUntil(async () => (await Promise.all(syncIds.map(committedSeq))).every((seq) => seq >= 2), 'two batches of each run');
    workers.kill(worker);
    const seqsAtKill = await Promise.all(syncIds.map(committedSeq));
    worker = workers.start();
    const results = await Promise.all(handles.map((h) => h.result()));
    workers.kill(worker);

    for (const [i, { kind, object, path, expected }] of KINDS.entries()) {
      expect(results[i], kind).toMatchObject({ status: 'SUCCESS', numRecordsSynced: expected.length });
      // Resumed, not restarted: the run went on past what it had committed at the kill.
      expect(seqsAtKill[i], kind).toBeLessThan(await committedSeq(syncIds[i]!));
      const rows = await destinationRows(s.destPool, `acme_crm_${object}`);
      expect(
        rows.map((r) => r.id),
        kind,
      ).toEqual([...expected].sort());
      const run = await s.api.tdb.db.selectFrom('sync_runs').selectAll().where('sync_id', '=', syncIds[i]!).executeTakeFirstOrThrow();
      expect(run, kind).toMatchObject({ status: 'SUCCESS', num_records_synced: expected.length });
      expect(maxInFlight[path], `${kind}: partitions in flight`).toBeGreaterThan(1);
    }
    // The connection's concurrency holds across its three runs and the two workers.
    expect(sim.maxInFlight).toBeLessThanOrEqual(CONCURRENCY);
  }, 240_000);
});
