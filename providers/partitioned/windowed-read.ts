/**
 * Incremental reads of a built-in provider as concurrent date windows, with the page state the
 * declarative connector's windows have (./partitions.ts): every window's position in it is one
 * whose records were handed back with it or before, so the engine, which commits a state only
 * with its records, resumes each window where its committed records end.
 *
 *   const windows = new WindowedReads();            // one per connection
 *   return windows.read(key, req.pageState, {       // from readPage; key: the stream's name
 *     range: { start: since, end: until },          // end exclusive; asked on the first page only
 *     stepMs, concurrency,
 *     page: (w, cursor, signal) => ...,             // one request of window [w.from, w.to) from its cursor
 *   }, req.signal);
 *
 * `page` answers `{ records, next }` (next: the window's cursor after this page, null when the
 * window is done) or `{ split: n }` when the window is too big for one query (see `splittable`):
 * it is then read as n narrower windows. A split may keep what its page read: `{ split, rest,
 * records }` hands back `records` (the window's records modified before `rest`) and cuts only
 * `[rest, to)`, in n pieces or at the instants `split` lists. Records outside their window (the API's boundaries
 * may be inclusive) are dropped, so each record is kept by exactly one window. The run's range
 * is in the state, so a resumed run reads the same windows. read() resolves to the records of
 * every request completed since the previous call; nextPageState null once all windows are done.
 */
import { randomUUID } from 'node:crypto';
import { ProviderError } from '../errors';
import type { JsonValue, ReadPageResult, SourceRecord } from '../types';
import { PartitionRun, type PageOut, type PartitionedState, type PartitionSource, type Position } from './partitions';
import { inWindow, splitAt, splitWindow, windowAt, type Window } from './windows';

export { splittable, type Window } from './windows';
export type { Position } from './partitions';

export type WindowPage<C extends Position> =
  | { records: SourceRecord[]; next: C | null }
  | {
      /** Into how many equal pieces the window (from `rest`) is cut, or the instants at which it is cut. */
      split: number | Date[];
      /** Where the pieces start (default: the window's start); the window's records before it are `records`. */
      rest?: Date;
      /** With `rest`: the records the page read, all of those modified before `rest`, handed back with the split. */
      records?: SourceRecord[];
    };

export interface WindowedReadOptions<C extends Position> {
  /** The run's range, `end` exclusive: used when the read starts (no page state). */
  range: { start: Date; end: Date };
  stepMs: number;
  /** Windows with a request in flight at most: the connection's concurrency. */
  concurrency: number;
  page(w: Window, cursor: C | null, signal: AbortSignal): Promise<WindowPage<C>>;
  /** The time a record's window is chosen by: the one the API filtered on (default: lastModifiedAt). */
  modifiedAt?: (r: SourceRecord) => Date | null;
}

/** The windowed reads in flight on one connection, by stream. */
export class WindowedReads {
  private readonly runs = new Map<string, PartitionRun>();

  async read<C extends Position>(key: string, pageState: JsonValue | null, opts: WindowedReadOptions<C>, signal?: AbortSignal): Promise<ReadPageResult> {
    let run = this.runs.get(key);
    if (!run?.continues(pageState)) {
      run?.close();
      const from = pageState === null ? firstWindows(opts.range, opts.stepMs) : checkWindowed(pageState);
      run = new PartitionRun(randomUUID(), from, windowSource(opts), opts.concurrency, signal);
      this.runs.set(key, run);
    }
    let out: PageOut;
    try {
      out = await run.take();
    } catch (err) {
      // The run is over: the next read starts again from the state the caller committed.
      this.runs.delete(key);
      throw err;
    }
    if (out.state === null) this.runs.delete(key);
    return { records: out.records, nextPageState: out.state as unknown as JsonValue };
  }
}

/** Whether a page state is one of a windowed read (rather than a provider's own state). */
export function isWindowed(state: JsonValue | null): boolean {
  return !!state && typeof state === 'object' && !Array.isArray(state) && state.partitioned === 'windows';
}

/** A windowed state whose first window continues from `cursor`: a provider's single-chain state from before windows. */
export function windowedFrom(range: { start: Date; end: Date }, cursor: Position | null): JsonValue {
  const s = firstWindows(range, Math.max(1, range.end.getTime() - range.start.getTime()));
  return (cursor ? { ...s, next: 1, open: [{ i: 0, at: cursor }] } : s) as unknown as JsonValue;
}

function firstWindows(range: { start: Date; end: Date }, stepMs: number): PartitionedState {
  return { partitioned: 'windows', next: 0, open: [], windows: { start: range.start.toISOString(), end: range.end.toISOString(), stepMs, endOpen: true } };
}

function checkWindowed(state: JsonValue): PartitionedState {
  const s = state as unknown as Partial<PartitionedState>;
  if (!isWindowed(state) || !Number.isInteger(s.next) || !Array.isArray(s.open) || !s.windows) {
    throw new ProviderError('configuration', `page state ${JSON.stringify(state).slice(0, 200)} is not a windowed read's state; restart the sync from the first page`);
  }
  return s as PartitionedState;
}

function windowSource<C extends Position>(opts: WindowedReadOptions<C>): PartitionSource {
  const at = opts.modifiedAt ?? ((r: SourceRecord) => r.lastModifiedAt);
  return {
    page: async (p, live, signal) => {
      const w = windowAt(live.windows!, p.i);
      const page = await opts.page(w, p.at as C | null, signal);
      if ('split' in page) {
        const rest: Window = { ...w, from: page.rest && page.rest > w.from ? page.rest : w.from };
        const windows = Array.isArray(page.split) ? splitAt(rest, page.split) : splitWindow(rest, page.split);
        // Neither read past its start nor cut in narrower pieces: splitting it again would never end.
        if (rest.from === w.from && windows.length < 2) throw new ProviderError('unknown', `window ${w.from.toISOString()} cannot be split further`);
        const records = (page.records ?? []).filter((r) => inWindow(w, at(r)) && (at(r)?.getTime() ?? -Infinity) < rest.from.getTime());
        return { type: 'split' as const, i: p.i, windows, records };
      }
      return { type: 'page' as const, i: p.i, records: page.records.filter((r) => inWindow(w, at(r))), next: page.next };
    },
  };
}
