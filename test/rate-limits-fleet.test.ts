/**
 * One connection's request budget held across processes: two real worker processes (`npm run
 * worker`'s entry point, one per task queue) each run a sync of the same connection at the same
 * time against a source that records when each request arrives. Together they never exceed the
 * connector's declared rate (after one burst), and a Retry-After answered to one of them holds
 * the other back until it ends.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeContacts, sourceConnector, startSourceApi, type SourceApi } from './helpers/source-api';
import { configure, startScenario } from './helpers/sync-scenario';
import { createWorkerProcesses, waitUntil, type WorkerProcesses } from './helpers/worker-process';

const RATE = 4;
const BURST = 2;
const RETRY_AFTER_S = 2;
/** The request answered with the 429: a few in, while both workers are sending. */
const THROTTLED_REQUEST = 6;

let s: Awaited<ReturnType<typeof startScenario>>;
let source: SourceApi;
const workerSets: WorkerProcesses[] = [];

beforeAll(async () => {
  s = await startScenario();
  source = await startSourceApi(makeContacts(30));
});
afterAll(async () => {
  for (const w of workerSets) await w.close();
  await source?.close();
  await s?.close();
});

/** The source connector with a second stream on the same endpoint, told apart by its page size. */
function twoStreamConnector(id: string) {
  const base = sourceConnector(id, 5);
  const contacts = base.streams[0]!;
  const people = { ...contacts, id: 'people', name: 'People', pagination: { ...contacts.pagination, limit: 3 } };
  return { ...base, streams: [contacts, people], rate_limit: { requests_per_second: RATE, burst: BURST, concurrency: 2 } };
}

it('two worker processes syncing one connection stay within its rate together, and a Retry-After to one pauses the other', async () => {
  const providerName = 'fleet-crm';
  const c = await configure(s, source, { providerName, connector: twoStreamConnector(providerName), standardObjects: ['contacts', 'people'], autoStart: false });
  await c.connect();
  const syncs = await s.api.tdb.db.selectFrom('syncs').select(['id', 'object']).orderBy('object').execute();
  expect(syncs.map((x) => x.object)).toEqual(['contacts', 'people']);

  const arrivals: Array<{ at: number; stream: string; page: string }> = [];
  let bothSending!: () => void;
  const both = new Promise<void>((resolve) => (bothSending = resolve));
  let throttledAt: number | undefined;
  source.intercept = async ({ index }) => {
    const { query } = source.sim.requests[index]!;
    const stream = query.limit === '5' ? 'contacts' : 'people';
    const n = arrivals.push({ at: Date.now(), stream, page: `${stream}@${String(query.offset ?? 0)}` });
    // Each worker's first request waits for the other's: from then on both send at the same time.
    if (new Set(arrivals.map((a) => a.stream)).size === 2) bothSending();
    await both;
    if (n === THROTTLED_REQUEST) {
      throttledAt = Date.now();
      return { status: 429, headers: { 'retry-after': String(RETRY_AFTER_S) }, json: { message: 'slow down' } };
    }
    return undefined;
  };

  const handles = [];
  for (const sync of syncs) {
    const taskQueue = `fleet-${sync.object}-${sync.id}`;
    const workers = await createWorkerProcesses({ databaseUrl: s.api.tdb.url, taskQueue });
    workerSets.push(workers);
    workers.start();
    handles.push(await s.worker.client.workflow.start('syncRunWorkflow', { taskQueue, workflowId: `fleet-${sync.id}`, args: [{ syncId: sync.id }] }));
  }
  const logs = () => workerSets.map((w) => w.logs()).join('\n===\n');
  let results: unknown[] = [];
  const done = Promise.all(handles.map((h) => h.result())).then((r) => (results = r));
  await waitUntil(() => results.length === 2, 180_000, 'both runs', logs);
  await done;
  source.intercept = undefined;
  expect(results).toEqual([expect.objectContaining({ status: 'SUCCESS', numRecordsSynced: 30 }), expect.objectContaining({ status: 'SUCCESS', numRecordsSynced: 30 })]);

  // 6 pages of contacts, 10 of people, and the throttled one sent again. Under load a chunk may be
  // retried, and it asks again for the pages it had not committed: more arrivals, the same pages
  // (every one of them within the rate below). The workers' logs say why.
  const pages = new Set(arrivals.map((a) => a.page));
  expect(pages.size, `${JSON.stringify(arrivals)}\n${logs()}`).toBe(16);
  expect(arrivals.length, `${JSON.stringify(arrivals)}\n${logs()}`).toBeGreaterThanOrEqual(17);
  const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
  // Never ahead of the shared bucket: after the burst, one request per 1/RATE s, whichever process sent it
  // (less the first requests' own way to the server, which a loaded machine can stretch).
  for (let i = BURST; i < times.length; i++) {
    expect(times[i]! - times[0]!, `request ${i + 1}`).toBeGreaterThanOrEqual(((i - BURST + 1) / RATE) * 1000 - 100);
  }
  const perSecond = new Map<number, number>();
  for (const t of times) perSecond.set(Math.floor((t - times[0]!) / 1000), (perSecond.get(Math.floor((t - times[0]!) / 1000)) ?? 0) + 1);
  expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(RATE + BURST);

  // The Retry-After went to one worker; nothing came from either until it had passed. A request
  // granted before the 429 was seen may still land in the first few milliseconds.
  expect(throttledAt).toBeDefined();
  const during = arrivals.filter((a) => a.at > throttledAt! + 100 && a.at < throttledAt! + RETRY_AFTER_S * 1000 - 20);
  expect(during).toEqual([]);
  const after = arrivals.filter((a) => a.at >= throttledAt! + RETRY_AFTER_S * 1000 - 20);
  expect(new Set(after.map((a) => a.stream))).toEqual(new Set(['contacts', 'people']));
}, 240_000);
