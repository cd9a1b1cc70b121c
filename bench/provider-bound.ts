/**
 * Provider-bound reads: how much of a provider's request budget one run uses. A simulator answers
 * every request after 150 ms and declares 10 requests/s and 4 in flight; 100 records per page.
 * Three streams of the same records, each read partitioned and as a single chain (the same
 * stream without partitioning; for the child stream, the connection's concurrency at 1), all in
 * the same process run:
 *   (a) cursor paging in date windows (incremental.step),
 *   (b) page-number paging with a total (pagination.total_selector),
 *   (c) a child stream over 2,000 parents.
 * Then the 429 storm: the partitioned reads again with a 429 + Retry-After: 1 on every 9th
 * request, against the time the provider's rules allow (every request, the 429s too, at 10/s).
 * And (d) the built-in HubSpot provider's incremental search over a fifth of the records (the
 * HubSpot simulator of the tests), windowed and as the single chain a search's page state from
 * before windows continues as, against search's own limit of 5 requests/s, at 150 ms and at 500 ms
 * per request (at 150 ms one chain already asks more than 5 a second).
 *
 * Each read goes through the declarative connector and the HTTP runtime as a sync chunk drives
 * them (one readPage ahead of the caller); records are not written anywhere (bench:sync measures
 * that side, three orders of magnitude faster than this budget).
 *
 * Usage: npm run bench:provider-bound [-- --records 100000]
 */
import os from 'node:os';
import { createDeclarativeConnection } from '../providers/declarative/connector';
import { createHubspotConnection } from '../providers/hubspot';
import { createHttpRuntime } from '../providers/runtime';
import { startHubspotSim } from '../test/helpers/hubspot-simulator';
import type { JsonValue, ReadPageResult } from '../providers/types';
import { startRateBoundSimulator, type Route } from './rate-bound-simulator';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const RECORDS = arg('records', 100_000);
const PARENTS = Math.min(2_000, Math.max(1, Math.floor(RECORDS / 50)));
const PAGE = 100;
const LATENCY_MS = 150;
const RATE = 10;
/** The declared burst: a token bucket of RATE and BURST admits at most RATE + BURST requests in any second. */
const BURST = 1;
const CONCURRENCY = 4;
const STORM_EVERY = 9;
const DAY = 86_400_000;
/** A window's worth of records: 10 pages of a day. */
const PER_DAY = 1_000;
// The records end now, where a run's last window ends.
const START = Date.now() - Math.ceil(RECORDS / PER_DAY) * DAY;

const records = Array.from({ length: RECORDS }, (_, i) => ({
  id: `r${i}`,
  updated_at: new Date(START + Math.floor((i * DAY) / PER_DAY)).toISOString(),
  name: `Record ${i}`,
  parent_id: `p${i % PARENTS}`,
}));
const times = records.map((r) => Date.parse(r.updated_at));
const byParent = new Map<string, typeof records>();
for (const r of records) {
  const list = byParent.get(r.parent_id);
  if (list) list.push(r);
  else byParent.set(r.parent_id, [r]);
}
const parents = Array.from({ length: PARENTS }, (_, i) => ({ id: `p${i}` }));

/** First index with time >= t (records are in time order). */
function lowerBound(t: number): number {
  let [lo, hi] = [0, times.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const route: Route = (path, q) => {
  if (path === '/events') {
    const from = lowerBound(Date.parse(q.get('since') ?? new Date(0).toISOString()));
    const to = q.has('until') ? lowerBound(Date.parse(q.get('until')!)) : records.length;
    const at = from + Number(q.get('cursor') ?? 0);
    const end = Math.min(to, at + PAGE);
    return { data: records.slice(at, end), next: end < to ? String(end - from) : null };
  }
  if (path === '/items') {
    const page = Number(q.get('page'));
    return { total: records.length, data: records.slice((page - 1) * PAGE, page * PAGE) };
  }
  if (path === '/parents') {
    const page = Number(q.get('page'));
    return { data: parents.slice((page - 1) * PAGE, page * PAGE) };
  }
  const m = /^\/parents\/([^/]+)\/children$/.exec(path);
  const page = Number(q.get('page'));
  return { data: (byParent.get(m?.[1] ?? '') ?? []).slice((page - 1) * PAGE, page * PAGE) };
};

type Kind = 'windows' | 'pages' | 'children';

function definition(url: string, kind: Kind, partitioned: boolean) {
  const base = {
    id: `bench-${kind}`,
    name: 'Bench',
    base_url: url,
    rate_limit: { requests_per_second: RATE, burst: BURST, concurrency: partitioned || kind !== 'children' ? CONCURRENCY : 1 },
  };
  const common = { primary_key: 'id', records_selector: '$.data' };
  if (kind === 'windows') {
    const incremental = { replication_key: 'updated_at', param: 'since', format: 'iso8601', start_datetime: new Date(START).toISOString() };
    return {
      ...base,
      streams: [
        {
          id: 'events',
          path: '/events',
          ...common,
          pagination: { type: 'cursor', param: 'cursor', next_cursor_selector: '$.next', page_size_param: 'limit', page_size: PAGE },
          incremental: partitioned ? { ...incremental, end_param: 'until', step: 'P1D' } : incremental,
        },
      ],
    };
  }
  if (kind === 'pages') {
    return {
      ...base,
      streams: [
        { id: 'items', path: '/items', ...common, pagination: { type: 'page_increment', param: 'page', page_size: PAGE, ...(partitioned && { total_selector: '$.total' }) } },
      ],
    };
  }
  return {
    ...base,
    streams: [
      { id: 'parents', path: '/parents', ...common, pagination: { type: 'page_increment', param: 'page', page_size: PAGE }, child_context: { parent_id: '{record.id}' } },
      { id: 'children', parent_stream: 'parents', path: '/parents/{parent.parent_id}/children', ...common, pagination: { type: 'page_increment', param: 'page', page_size: PAGE } },
    ],
  };
}

interface Measured {
  name: string;
  records: number;
  requests: number;
  throttled: number;
  seconds: number;
  /** Requests per second over the declared rate. */
  ofAllowed: number;
  maxInFlight: number;
  maxPerSecond: number;
  /** Storm: elapsed over the time the provider's rules allow. */
  ofRuleTime?: number;
}

const OBJECT: Record<Kind, string> = { windows: 'events', pages: 'items', children: 'children' };

async function measure(kind: Kind, partitioned: boolean, storm: boolean): Promise<Measured> {
  const sim = await startRateBoundSimulator({ latencyMs: LATENCY_MS, storm: storm ? STORM_EVERY : undefined, route });
  // Every case its own connection: its own budget, as on the provider's side.
  const runtime = createHttpRuntime({ backoff: { baseMs: 1_000 } });
  const name = `${kind} ${partitioned ? 'partitioned' : 'single chain'}${storm ? ' 429 storm' : ''}`;
  const conn = createDeclarativeConnection(
    definition(sim.url, kind, partitioned),
    { applicationId: 'bench', customerId: 'bench', connectionId: name, providerName: 'bench', params: {} },
    runtime,
  );
  const read = (pageState: JsonValue | null) => conn.readPage({ object: OBJECT[kind], objectType: 'standard', modifiedSince: null, pageState });
  const { ids, seconds } = await readAll(read, null);
  await sim.close();
  if (ids.size !== RECORDS) throw new Error(`${name}: read ${ids.size} distinct records of ${RECORDS}`);
  return {
    name,
    records: ids.size,
    requests: sim.requests,
    throttled: sim.throttled,
    seconds,
    ofAllowed: sim.requests / seconds / RATE,
    maxInFlight: sim.maxInFlight,
    maxPerSecond: sim.maxInWindow(1_000),
    ...(storm && { ofRuleTime: seconds / (sim.requests / RATE) }),
  };
}

/** Every page of a read, as services/syncs/chunk.ts reads: the next page is asked for as soon as one arrives. */
async function readAll(read: (pageState: JsonValue | null) => Promise<ReadPageResult>, first: JsonValue | null) {
  const ids = new Set<string>();
  const t0 = performance.now();
  let next = read(first);
  for (;;) {
    const page = await next;
    if (page.nextPageState !== null) next = read(page.nextPageState);
    for (const r of page.records) ids.add(r.id);
    if (page.nextPageState === null) break;
  }
  return { ids, seconds: (performance.now() - t0) / 1000 };
}

const HUBSPOT_RECORDS = Math.max(1, Math.floor(RECORDS / 5));
/** HubSpot's search endpoints: about 5 requests/s per token (the provider spaces them, burst 1). */
const SEARCH_RATE = 5;

/** Most of `times` (ms, in order) within any `windowMs`. */
function maxInWindow(times: number[], windowMs: number): number {
  let max = 0;
  for (let lo = 0, hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= windowMs) lo++;
    max = Math.max(max, hi - lo + 1);
  }
  return max;
}

async function measureHubspot(latencyMs: number, windowed: boolean): Promise<Measured> {
  const hs = await startHubspotSim();
  for (const r of records.slice(0, HUBSPOT_RECORDS)) hs.upsert('products', { id: r.id, updatedAt: r.updated_at, properties: { name: r.name } });
  hs.latencyMs = latencyMs;
  const name = `hubspot ${latencyMs} ms ${windowed ? 'windowed' : 'single chain'}`;
  const conn = createHubspotConnection(
    { applicationId: 'bench', customerId: 'bench', connectionId: name, providerName: 'hubspot', params: { access_token: hs.oauth.issue(), instance_url: hs.url } },
    createHttpRuntime({ backoff: { baseMs: 1_000 } }),
  );
  const since = START;
  // A search state from before windows continues as one chain from its keyset: the read as it was.
  const first: JsonValue | null = windowed ? null : { mode: 'search', phase: 'active', after: null, since, from: since, tie: 0 };
  const read = (pageState: JsonValue | null) => conn.readPage({ object: 'products', objectType: 'standard', modifiedSince: new Date(since), pageState });
  const { ids, seconds } = await readAll(read, first);
  const searches = hs.searchTimes.length;
  const maxPerSecond = maxInWindow(hs.searchTimes, 1_000);
  const maxInFlight = hs.sim.maxInFlight;
  await hs.close();
  if (ids.size !== HUBSPOT_RECORDS) throw new Error(`${name}: read ${ids.size} distinct records of ${HUBSPOT_RECORDS}`);
  return { name, records: ids.size, requests: searches, throttled: 0, seconds, ofAllowed: searches / seconds / SEARCH_RATE, maxInFlight, maxPerSecond };
}

async function main() {
  console.log(
    `provider-bound bench: ${RECORDS} records, ${PAGE} per page, ${PARENTS} parents; simulator ${LATENCY_MS} ms per request, declared ${RATE} requests/s, concurrency ${CONCURRENCY}; storm: 429 + Retry-After: 1 on every ${STORM_EVERY}th request`,
  );
  console.log(
    `node ${process.version}, ${os.cpus().length} cpus, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const kinds: Kind[] = ['windows', 'pages', 'children'];
  // The cases run at once, each against its own simulator and connection: they wait on the
  // simulated latency and budget, not on the CPU, and the ratios come from one run.
  const hubspotLatencies = [LATENCY_MS, 500];
  const [results, hubspot] = await Promise.all([
    Promise.all(kinds.flatMap((k) => [measure(k, true, false), measure(k, false, false), measure(k, true, true)])),
    Promise.all(hubspotLatencies.flatMap((ms) => [measureHubspot(ms, true), measureHubspot(ms, false)])),
  ]);
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  console.log(
    `${'case'.padEnd(34)}${pad('requests', 9)}${pad('429s', 6)}${pad('seconds', 9)}${pad('req/s', 7)}${pad('of allowed', 11)}${pad('max/s', 7)}${pad('in flight', 10)}${pad('of rule time', 13)}`,
  );
  for (const r of [...results, ...hubspot]) {
    console.log(
      `${r.name.padEnd(34)}${pad(r.requests, 9)}${pad(r.throttled, 6)}${pad(r.seconds.toFixed(1), 9)}${pad((r.requests / r.seconds).toFixed(2), 7)}${pad(r.ofAllowed.toFixed(3), 11)}${pad(r.maxPerSecond, 7)}${pad(r.maxInFlight, 10)}${pad(r.ofRuleTime?.toFixed(3) ?? '', 13)}`,
    );
  }
  let ok = true;
  for (const k of kinds) {
    const [part, chain, storm] = results.slice(kinds.indexOf(k) * 3, kinds.indexOf(k) * 3 + 3) as [Measured, Measured, Measured];
    const verdict = part.ofAllowed >= 0.9 && storm.ofRuleTime! <= 1.2 && storm.maxPerSecond <= RATE + BURST && part.maxPerSecond <= RATE + BURST;
    ok &&= verdict;
    console.log(
      `${k}: ${part.ofAllowed.toFixed(3)} of the allowed rate partitioned, ${chain.ofAllowed.toFixed(3)} as a single chain (${(part.ofAllowed / chain.ofAllowed).toFixed(2)}x); storm ${storm.ofRuleTime!.toFixed(3)}x the rules' time, at most ${storm.maxPerSecond} requests in a second (the limit admits ${RATE + BURST}) -> ${verdict ? 'OK' : 'BELOW TARGET'}`,
    );
  }
  for (const [i, ms] of hubspotLatencies.entries()) {
    const [windowed, chain] = hubspot.slice(i * 2, i * 2 + 2) as [Measured, Measured];
    // The provider spaces searches 200 ms apart: six may fall within a second only at its edges.
    const verdict = windowed.ofAllowed >= 0.9 && windowed.maxPerSecond <= SEARCH_RATE + 1;
    ok &&= verdict;
    console.log(
      `hubspot search at ${ms} ms: ${windowed.ofAllowed.toFixed(3)} of search's ${SEARCH_RATE}/s windowed, ${chain.ofAllowed.toFixed(3)} as a single chain (${(windowed.ofAllowed / chain.ofAllowed).toFixed(2)}x); at most ${windowed.maxPerSecond} searches in a second -> ${verdict ? 'OK' : 'BELOW TARGET'}`,
    );
  }
  console.log(ok ? 'OK: every stream >= 0.9 of the allowed rate, the storm within 1.2x and never above the limit' : 'BELOW TARGET');
}

await main();
