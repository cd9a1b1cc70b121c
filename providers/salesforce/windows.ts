/**
 * Incremental REST reads of a Salesforce object as concurrent SOQL ranges of SystemModstamp,
 * through the provider-agnostic windowed reader (../partitioned/windowed-read.ts), whose page
 * state lets a crashed run resume every range where its committed records end.
 *
 * - The run's range is [modifiedSince, min(modifiedBefore, now at the first read)). It starts as
 *   one window, queried as `WHERE SystemModstamp >= from AND SystemModstamp < to ORDER BY
 *   SystemModstamp, Id` through queryAll (deletes included); each window follows its own
 *   nextRecordsUrl. A small incremental therefore costs what one query cost before: Salesforce
 *   counts API requests per day, so no request is spent on windows that turn out empty.
 * - A window whose first page says (totalSize) it has more than SPLIT_FACTOR × concurrency pages
 *   is split into that many windows, so no chain is longer than that while the connection's
 *   concurrency (4, the HTTP runtime's ceiling with the rate limit) is kept busy. The split keeps
 *   the page's records before the second of its last one and cuts only the rest of the window, so
 *   it costs no request. Pieces split again by the same rule: skewed data ends in narrow windows,
 *   uniform data after a split or two (1M changes at 2,000 a page: 64 windows after two rounds).
 * - SOQL dateTime literals are documented to the second (YYYY-MM-DDThh:mm:ssZ), and Salesforce
 *   compares SystemModstamp ignoring milliseconds: the lower bound is floored to the second and
 *   the upper one rounded up, never down, so the API returns at least the window; the reader
 *   keeps each record in exactly the window its SystemModstamp falls in.
 * - Full REST reads (Bulk API 2.0 full reads stay as they are) are windows of [epoch, now at the
 *   first read) through query (no deleted records), then a tail: one query of what has a
 *   SystemModstamp at or after that instant, asked once every window is done. A successful full
 *   run soft-deletes every row it did not see, and a record modified while its window waited to be
 *   read has moved past the run's range: the tail is what sees it (and whatever was created during
 *   the run). Each query's locator pages through the records it selected when it ran, so a record
 *   not modified during the run is in exactly one window; one modified during it may come twice.
 * - Each open window holds a query locator; Salesforce keeps 10 per user, releasing the oldest
 *   beyond that, and drops one idle for 15 minutes. A window's position keeps, besides its
 *   nextRecordsUrl, the SystemModstamp and Id of the last record it handed back: when the
 *   locator is gone (INVALID_QUERY_LOCATOR), the window is queried again from that second and
 *   what came before that record is dropped (records of its very instant may come twice).
 */
import { ProviderError } from '../errors';
import { splittable, WindowedReads, type Window } from '../partitioned/windowed-read';
import type { ReadPageRequest, ReadPageResult, SourceRecord } from '../types';

/** Chains of more than SPLIT_FACTOR × concurrency pages are split into that many windows. */
const SPLIT_FACTOR = 2;
const SECOND = 1000;

/** A SOQL dateTime literal, to the second (the documented precision). */
const soqlDateTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The SOQL of one window: its lower bound floored to the second, its upper one rounded up. */
function windowSoql(selectFrom: string, w: Window): string {
  const from = Math.floor(w.from.getTime() / SECOND) * SECOND;
  // A closed window's last instant is below its end + 1 ms.
  const to = Math.ceil((w.to.getTime() + (w.last ? 1 : 0)) / SECOND) * SECOND;
  return `${selectFrom} WHERE SystemModstamp >= ${soqlDateTime(from)} AND SystemModstamp < ${soqlDateTime(to)} ORDER BY SystemModstamp ASC, Id ASC`;
}

/** How many windows a window whose first page came back should become, or null to read it as one chain. */
function splitCount(totalSize: number, pageSize: number, concurrency: number): number | null {
  const pieces = SPLIT_FACTOR * concurrency;
  return pageSize > 0 && Math.ceil(totalSize / pageSize) > pieces ? pieces : null;
}

/** A query response: its records (without `attributes`) and the locator of the next page. */
export interface QueryPage {
  records: SourceRecord[];
  totalSize: number;
  next: string | null;
}

export interface RangeRead {
  /** `SELECT <fields> FROM <object>`. */
  selectFrom: string;
  /** queryAll (deleted records too, for incremental reads) or query (a full read's). */
  deleted: boolean;
  /** The range's start, when not the request's modifiedSince (a full read: the epoch). */
  start?: Date;
  concurrency: number;
  now: number;
  /** GET of a query path (queryAll?q=… or a nextRecordsUrl). */
  query(pathAndQuery: string, signal: AbortSignal): Promise<QueryPage>;
  /** The API version's path, /services/data/vNN.N. */
  base: string;
}

/** A window's place: its next page, and the last record handed back (for a locator that is gone). */
export type Cursor = { next: string; at?: string; id?: string };

/** Salesforce's answer to a nextRecordsUrl whose locator it released. */
const releasedLocator = (err: unknown) => err instanceof ProviderError && err.status === 400 && !!err.bodyExcerpt?.includes('INVALID_QUERY_LOCATOR');

/**
 * Whether a record may be new to the window: not before the cursor's last one, and not that one.
 * Others of that same instant may come again (upserted by id): how SOQL orders Ids is not ours
 * to guess, and a record dropped would be lost.
 */
function notHandedBack(r: SourceRecord, c: Cursor): boolean {
  if (c.at === undefined) return true;
  const t = r.lastModifiedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  const at = Date.parse(c.at);
  return t > at || (t === at && r.id !== c.id);
}

/**
 * A query's next page from its cursor. When Salesforce released the locator, `requery` from the
 * instant of the last record the cursor handed back instead (its page may begin with records
 * handed back already: `advance` drops them).
 */
export async function resumeQuery(c: Cursor, query: (path: string) => Promise<QueryPage>, requery: (at: Date) => Promise<QueryPage>): Promise<QueryPage> {
  try {
    return await query(c.next);
  } catch (err) {
    if (!releasedLocator(err) || c.at === undefined) throw err;
    return requery(new Date(c.at));
  }
}

/**
 * A page's records past `cursor` (after a re-query a page may begin with records already handed
 * back), and the cursor after them: `next` with the last record's instant and id, or the cursor's
 * own when that record has none; null at the query's end.
 */
export function advance(records: SourceRecord[], next: string | null, cursor: Cursor | null | undefined): { records: SourceRecord[]; next: Cursor | null } {
  const fresh = cursor ? records.filter((rec) => notHandedBack(rec, cursor)) : records;
  if (next === null) return { records: fresh, next: null };
  const last = fresh.at(-1);
  return { records: fresh, next: last?.lastModifiedAt ? { next, at: last.lastModifiedAt.toISOString(), id: last.id } : { ...cursor, next } };
}

/** Concurrent SOQL ranges of the connection's incremental reads, by object. */
export class SoqlRanges {
  private readonly reads = new WindowedReads();

  read(key: string, req: ReadPageRequest, r: RangeRead): Promise<ReadPageResult> {
    const start = r.start ?? req.modifiedSince ?? new Date(0);
    const end = new Date(Math.min(r.now, req.modifiedBefore?.getTime() ?? Number.POSITIVE_INFINITY));
    const rangeQuery = (w: Window) => `${r.base}/${r.deleted ? 'queryAll' : 'query'}?q=${encodeURIComponent(windowSoql(r.selectFrom, w))}`;
    return this.reads.read<Cursor>(
      key,
      req.pageState,
      {
        range: { start, end },
        stepMs: Math.max(1, end.getTime() - start.getTime()),
        concurrency: r.concurrency,
        page: async (w, cursor, signal) => {
          const page = cursor
            ? await resumeQuery(
                cursor,
                (path) => r.query(path, signal),
                (at) => r.query(rangeQuery({ ...w, from: new Date(Math.max(w.from.getTime(), at.getTime())) }), signal),
              )
            : await r.query(rangeQuery(w), signal);
          const pieces = !cursor && page.next !== null ? splitCount(page.totalSize, page.records.length, r.concurrency) : null;
          if (pieces !== null) {
            // The pieces start at the second of the page's last record: its others of that second may be on the next page.
            const last = page.records.at(-1)?.lastModifiedAt?.getTime() ?? w.from.getTime();
            const rest = new Date(Math.max(w.from.getTime(), Math.floor(last / SECOND) * SECOND));
            // Narrower than a second a piece would not narrow the query.
            if (splittable({ ...w, from: rest }) && w.to.getTime() - rest.getTime() >= pieces * SECOND) return { split: pieces, rest, records: page.records };
          }
          return advance(page.records, page.next, cursor);
        },
      },
      req.signal,
    );
  }
}

/**
 * A full read's last step: what was modified at or after its windows' end, `since` (ISO), from `next`
 * once asked, with the last record handed back (`at`, `id`) for a locator Salesforce released.
 */
export interface TailState {
  tail: { since: string; next: string | null; at?: string; id?: string };
}

export function isTail(state: unknown): state is TailState {
  const t = (state as Partial<TailState> | null)?.tail;
  return !!t && typeof t.since === 'string' && !Number.isNaN(Date.parse(t.since)) && (t.next === null || typeof t.next === 'string');
}

/** The tail's query: from the second of `since` (floored, as a window's lower bound is), in the windows' order. */
export function tailSoql(selectFrom: string, since: Date): string {
  return `${selectFrom} WHERE SystemModstamp >= ${soqlDateTime(Math.floor(since.getTime() / SECOND) * SECOND)} ORDER BY SystemModstamp ASC, Id ASC`;
}
