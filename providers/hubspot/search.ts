/**
 * HubSpot incremental reads: `POST /crm/v3/objects/{object}/search` over concurrent windows of the
 * modified property (hs_lastmodifieddate, lastmodifieddate for contacts), through the
 * provider-agnostic windowed reader (../partitioned/windowed-read.ts), whose page state lets a
 * crashed run resume every window where its committed records end.
 *
 * - The run's range is [modifiedSince, min(modifiedBefore, now at the first read)), in the page
 *   state. It starts as one window, so a small incremental costs the one search it cost before.
 *   Each window is `GTE from` and `LT to` (milliseconds, the API's precision: nothing to round),
 *   sorted ascending, and pages by keyset: GTE the last time read, skipping (`after`) the records
 *   already read at exactly that time, so a record modified during the read moves to the end
 *   instead of shifting an offset past records not yet read.
 * - A window whose first page says (total) it has more than SPLIT_FACTOR × concurrency pages, or
 *   more than search can page through (10,000 results), is split into narrower windows. The first
 *   page's records are kept: only the rest of the window is cut, where the page's density puts the
 *   remaining records, so a split costs no request (search's rate is the budget) and the windows
 *   are not spent on ranges with no records. Pieces split again by the same rule. A window of one
 *   millisecond cannot narrow: past 10,000 results there (or 10,000 records read at one instant)
 *   the run falls back to the full list, filtered by updatedAt.
 * - Search has its own limit, about five requests a second per token, on top of the connection's
 *   (every search still goes through the connection's rate limit and concurrency): a token of the
 *   rate limit store's bucket for `<connection>:search` is taken before each one.
 */
import { ProviderError } from '../errors';
import { isWindowed, splittable, WindowedReads, windowedFrom, type Window, type WindowPage } from '../partitioned/windowed-read';
import type { ConnectionLimits, HttpRuntime } from '../runtime';
import type { JsonValue, ReadPageRequest, ReadPageResult, SourceRecord, WaitInfo } from '../types';

/** HubSpot's search endpoint refuses paging past this many results. */
export const SEARCH_LIMIT = 10_000;
/** Windows longer than SPLIT_FACTOR × concurrency pages are split, so concurrency stays busy without many split requests. */
const SPLIT_FACTOR = 2;
/** Pieces of one split at most: a window of a million changes needs a second round, not thousands of empty windows. */
const MAX_PIECES = 64;
/** Search's own limit: five a second, spaced (HubSpot counts them per second, a burst would be refused). */
const SEARCH_RATE: ConnectionLimits = { requestsPerSecond: 5, burst: 1, concurrency: Number.MAX_SAFE_INTEGER };

/** A window's position: the last modified time read and how many records at exactly that time were read. */
type Keyset = { from: number; tie: number };

/** The search cannot page on through its window: the run reads the full list instead. */
class SearchFallback extends Error {}

/** A search's page state from before windows: one chain from `since`, at keyset (`from`, `tie`) once its first page was read. */
type ChainState = { mode: 'search'; since: number; from?: number; tie?: number };
/** What follows the search: the list of archived records, or of every record when search cannot page through. */
type ListState = { mode: 'list'; phase: 'active' | 'archived'; after: null; since: number };

export interface SearchResult {
  records: SourceRecord[];
  /** The modified property's time of each record, in the order returned (NaN when absent). */
  times: number[];
  total: number;
  more: boolean;
}

export interface SearchTarget {
  /** The modified property: the one filtered, sorted and windowed on. */
  prop: string;
  pageSize: number;
  concurrency: number;
  /** One search request with this body (filters, sort, paging), its records with their associations. */
  search(body: Record<string, unknown>, signal: AbortSignal): Promise<SearchResult>;
}

/** The connection's windowed searches, by object, and the budget every search draws on. */
export class HubspotSearches {
  private readonly reads = new WindowedReads();

  constructor(
    private readonly runtime: HttpRuntime,
    private readonly connectionId: string,
  ) {}

  /**
   * The next records of an incremental read from the request's page state: null (the first page),
   * a windowed state, or a search's state from before windows, which continues as one window of
   * the rest of the range. Once the windows are done, the state is the archived list's.
   */
  async read(key: string, req: ReadPageRequest, t: SearchTarget): Promise<ReadPageResult> {
    const chain = isWindowed(req.pageState) ? null : (req.pageState as ChainState | null);
    const start = new Date(chain ? chain.since : isWindowed(req.pageState) ? windowsStart(req.pageState) : (req.modifiedSince?.getTime() ?? 0));
    const end = new Date(Math.max(start.getTime(), Math.min(this.runtime.now(), req.modifiedBefore?.getTime() ?? Number.POSITIVE_INFINITY)));
    const pageState = chain ? windowedFrom({ start, end }, chain.from === undefined ? null : { from: chain.from, tie: chain.tie ?? 0 }) : req.pageState;
    const list = (phase: ListState['phase']): JsonValue => ({ mode: 'list', phase, after: null, since: start.getTime() }) satisfies ListState;
    try {
      const page = await this.reads.read<Keyset>(
        key,
        pageState,
        {
          range: { start, end },
          stepMs: Math.max(1, end.getTime() - start.getTime()),
          concurrency: t.concurrency,
          page: (w, cursor, signal) => this.page(t, w, cursor, signal, req.onWait),
          modifiedAt: (r) => {
            const at = Date.parse(String(r.raw[t.prop] ?? r.raw.updatedAt));
            return Number.isNaN(at) ? r.lastModifiedAt : new Date(at);
          },
        },
        req.signal,
      );
      return page.nextPageState === null ? { records: page.records, nextPageState: list('archived') } : page;
    } catch (err) {
      if (!(err instanceof SearchFallback)) throw err;
      // The records already handed back are read again by the list: duplicates, never gaps.
      return { records: [], nextPageState: list('active') };
    }
  }

  private async page(t: SearchTarget, w: Window, cursor: Keyset | null, signal: AbortSignal, onWait?: (info: WaitInfo) => void): Promise<WindowPage<Keyset>> {
    const from = cursor?.from ?? w.from.getTime();
    const tie = cursor?.tie ?? 0;
    // A closed window's last instant is below its end + 1 ms.
    const to = w.to.getTime() + (w.last ? 1 : 0);
    await this.searchToken(signal, onWait);
    const page = await t.search(
      {
        filterGroups: [
          {
            filters: [
              { propertyName: t.prop, operator: 'GTE', value: String(from) },
              { propertyName: t.prop, operator: 'LT', value: String(to) },
            ],
          },
        ],
        sorts: [{ propertyName: t.prop, direction: 'ASCENDING' }],
        limit: t.pageSize,
        ...(tie > 0 ? { after: String(tie) } : {}),
      },
      signal,
    );
    if (cursor === null) {
      const pieces = splitCount(page.total, t.pageSize, t.concurrency);
      const rest = pieces !== null && page.more ? splitRest(page, pieces, w) : null;
      if (rest) return rest;
      if (pieces !== null && splittable(w)) return { split: pieces };
      if (page.total > SEARCH_LIMIT) throw new SearchFallback(`more than ${SEARCH_LIMIT} ${t.prop} at ${w.from.toISOString()}`);
    }
    if (!page.more || page.records.length === 0) return { records: page.records, next: null };
    const last = page.times[page.times.length - 1]!;
    if (Number.isNaN(last)) throw new ProviderError('unknown', `HubSpot search returned a record without ${t.prop}`);
    const atLast = page.times.filter((x) => x === last).length;
    const nextTie = last === from ? tie + atLast : atLast;
    // More than 10,000 records modified in the same millisecond: only the full list can page past them.
    if (nextTie >= SEARCH_LIMIT) throw new SearchFallback(`${SEARCH_LIMIT} records with ${t.prop} ${new Date(last).toISOString()}`);
    return { records: page.records, next: { from: last, tie: nextTie } };
  }

  /** Waits for search's own budget (shared by every process when the store is). */
  private async searchToken(signal: AbortSignal, onWait?: (info: WaitInfo) => void): Promise<void> {
    const store = this.runtime.rateLimits;
    const key = `${this.connectionId}:search`;
    const leaseMs = this.runtime.timeoutMs;
    for (;;) {
      signal.throwIfAborted();
      const decision = await store.acquire(key, SEARCH_RATE, leaseMs);
      if (decision.granted) {
        // Only the rate is search's own: the connection's concurrency is taken with the request itself.
        if (decision.lease !== null) await store.release(key, decision.lease);
        if (decision.delayMs > 0) await this.wait(decision.delayMs, signal, onWait);
        return;
      }
      await this.wait(decision.waitMs, signal, onWait);
    }
  }

  private async wait(ms: number, signal: AbortSignal, onWait?: (info: WaitInfo) => void): Promise<void> {
    onWait?.({ reason: 'rate_limit', ms });
    await this.runtime.sleep(ms, signal);
  }
}

/**
 * A split that keeps its first page: search sorts ascending, so the page's records before its last
 * instant are all the window's before it (those at it may go on on the next page, and are read
 * again by the first piece). The rest of the window is cut where the page's density puts the
 * remaining records, in `pieces` windows, with one more to the window's end (empty while the
 * density holds, split by the same rule when not). Null when the page did not get past the
 * window's first instant.
 */
function splitRest(page: SearchResult, pieces: number, w: Window): WindowPage<Keyset> | null {
  const first = page.times[0]!;
  const last = page.times[page.times.length - 1]!;
  if (!(last > w.from.getTime())) return null;
  const records = page.records.filter((_, k) => page.times[k]! < last);
  const span = last > first && records.length > 0 ? ((page.total - records.length) * (last - first)) / records.length : Number.POSITIVE_INFINITY;
  if (last + span >= w.to.getTime()) return { split: pieces, rest: new Date(last), records };
  return { split: Array.from({ length: pieces }, (_, k) => new Date(Math.round(last + ((k + 1) * span) / pieces))), rest: new Date(last), records };
}

/** How many windows a window whose first page came back should become, or null to read it as one chain. */
function splitCount(total: number, pageSize: number, concurrency: number): number | null {
  const pages = Math.ceil(total / pageSize);
  const chain = SPLIT_FACTOR * concurrency;
  if (pages <= chain && total <= SEARCH_LIMIT) return null;
  // Pieces of about `chain` pages each, and enough that none is past search's cap on average.
  return Math.min(MAX_PIECES, Math.max(2, Math.ceil(pages / chain), Math.ceil((2 * total) / SEARCH_LIMIT)));
}

function windowsStart(state: JsonValue | null): number {
  return Date.parse((state as { windows: { start: string } }).windows.start);
}
