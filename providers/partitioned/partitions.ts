/**
 * Concurrent partitions of one stream's read: date windows, numbered pages, or a child stream's
 * parent contexts. Up to `concurrency` partitions have a request in flight; readPage hands back
 * what has completed with a page state in which every partition's position is one whose records
 * were handed back with it or before. The engine commits that state only with those records, so
 * a crash resumes each partition exactly where its committed records end.
 */
import type { JsonValue, SourceRecord } from '../types';
import { windowCount, type PlannedWindow, type WindowPlan } from './windows';

export type Context = Record<string, JsonValue>;
/** Where a partition's next request starts: the stream's own paging state (a cursor, a page number, a keyset). */
export type Position = { [key: string]: JsonValue };

/** A partition started and not finished: its position after its last handed-back page (null: none yet). */
export interface OpenPartition {
  i: number;
  at: Position | null;
  /** Child streams: the parent context the partition reads under. */
  ctx?: Context;
}

/**
 * The durable state. Partitions are numbered in the order they start; every one below `next`
 * that is not open has finished, so finished partitions take no room.
 */
export interface PartitionedState {
  partitioned: 'windows' | 'pages' | 'children';
  next: number;
  open: OpenPartition[];
  windows?: WindowPlan;
  /** Numbered pages: how many there are, once the first page said so. */
  pages?: number | null;
  /** Child streams: the parent's next page and the contexts of partitions `next`, `next + 1`, … not started yet. */
  parent?: { next: JsonValue | null; done: boolean; queue: Context[] };
  /** Which in-memory read handed this state out, so the next readPage continues it rather than starting over. */
  run?: string;
  seq?: number;
}

/** What one completed request did. */
export type Outcome =
  | { type: 'page'; i: number; ctx?: Context; records: SourceRecord[]; next: Position | null; pages?: number }
  | { type: 'parent'; contexts: Context[]; next: JsonValue | null }
  /** A window too big for one query: it finishes (with the records read before its pieces, if any), and its pieces are read as windows numbered after every other. */
  | { type: 'split'; i: number; windows: PlannedWindow[]; records?: SourceRecord[] };

export function apply(s: PartitionedState, o: Outcome): PartitionedState {
  if (o.type === 'parent') return { ...s, parent: { next: o.next, done: o.next === null, queue: [...(s.parent?.queue ?? []), ...o.contexts] } };
  if (o.type === 'split') {
    const split = [...(s.windows!.split ?? []), ...o.windows];
    return apply({ ...s, windows: { ...s.windows!, split } }, { type: 'page', i: o.i, records: [], next: null });
  }
  let next = s.next;
  let queue = s.parent?.queue;
  const open = s.open.filter((p) => p.i !== o.i);
  // Partitions started before this one and not heard from yet stay open from their first page.
  for (; next <= o.i; next++) {
    if (next < o.i) open.push({ i: next, at: null, ...(queue ? { ctx: queue[0]! } : {}) });
    queue = queue?.slice(1);
  }
  if (o.next !== null) open.push({ i: o.i, at: o.next, ...(o.ctx ? { ctx: o.ctx } : {}) });
  open.sort((a, b) => a.i - b.i);
  return {
    ...s,
    next,
    open,
    ...(o.pages !== undefined && { pages: o.pages }),
    ...(s.parent && queue && { parent: { ...s.parent, queue } }),
  };
}

export function finished(s: PartitionedState): boolean {
  if (s.open.length > 0) return false;
  if (s.partitioned === 'windows') return s.next >= windowCount(s.windows!);
  if (s.partitioned === 'pages') return s.pages !== null && s.pages !== undefined && s.next >= s.pages;
  return !!s.parent?.done && s.parent.queue.length === 0;
}

export interface PartitionSource {
  /** One request of a partition, from its position. `live` is the state with every completed request in it. */
  page(p: OpenPartition, live: PartitionedState, signal: AbortSignal): Promise<Extract<Outcome, { type: 'page' | 'split' }>>;
  /** Child streams: the parent's page after `next`. */
  parentPage?(next: JsonValue | null, signal: AbortSignal): Promise<Extract<Outcome, { type: 'parent' }>>;
}

export interface PageOut {
  records: SourceRecord[];
  state: PartitionedState | null;
}

/**
 * One read of a partitioned stream in this process. `live` has every completed request applied,
 * `handed` only those handed back: the state given out is always `handed`'s.
 */
export class PartitionRun {
  private live: PartitionedState;
  private handed: PartitionedState;
  private readonly ready: Outcome[] = [];
  private readonly inFlight = new Set<number>();
  private parentInFlight = false;
  /** The next partition number no request has been made for. */
  private launched: number;
  private seq = 0;
  private error: unknown;
  private wake: (() => void) | null = null;
  private readonly abort = new AbortController();

  constructor(
    readonly id: string,
    from: PartitionedState,
    private readonly source: PartitionSource,
    private readonly concurrency: number,
    signal?: AbortSignal,
  ) {
    const { run: _run, seq: _seq, ...durable } = from;
    this.live = durable;
    this.handed = durable;
    this.launched = durable.next;
    // A failure or a replacing read abandons the requests in flight.
    this.abort.signal.addEventListener('abort', () => this.stop(this.abort.signal.reason), { once: true });
    // The caller is done (its chunk ended, or it was cancelled): nothing more is asked, but the
    // requests out keep their slots until the provider answers, so the next chunk's requests
    // never join them above the connection's concurrency.
    if (signal?.aborted) this.stop(signal.reason);
    else signal?.addEventListener('abort', () => this.stop(signal.reason), { once: true });
  }

  private stop(reason: unknown): void {
    if (this.error === undefined) this.error = reason;
    this.notify();
  }

  /** Whether `state` is the one this read handed out last. */
  continues(state: JsonValue | null): boolean {
    const s = state as Partial<PartitionedState> | null;
    return !!s && s.run === this.id && s.seq === this.seq;
  }

  close(): void {
    this.abort.abort(new Error('partitioned read replaced or closed'));
  }

  async take(): Promise<PageOut> {
    this.fill();
    while (this.ready.length === 0 && this.error === undefined && !(finished(this.live) && this.inFlight.size === 0 && !this.parentInFlight)) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    if (this.error !== undefined) throw this.error;
    const records: SourceRecord[] = [];
    for (const o of this.ready.splice(0)) {
      this.handed = apply(this.handed, o);
      if (o.type !== 'parent') for (const r of o.records ?? []) records.push(r);
    }
    this.fill();
    this.seq++;
    return { records, state: finished(this.handed) ? null : { ...this.handed, run: this.id, seq: this.seq } };
  }

  private fill(): void {
    // Completed pages wait for the caller: no more than one round of them is held in memory.
    while (this.error === undefined && this.inFlight.size + (this.parentInFlight ? 1 : 0) < this.concurrency && this.ready.length < this.concurrency) {
      const resumed = this.live.open.find((p) => !this.inFlight.has(p.i));
      if (resumed) {
        this.launch(resumed);
        continue;
      }
      if (this.needsParent()) {
        this.launchParent();
        continue;
      }
      const fresh = this.fresh();
      if (!fresh) return;
      this.launched++;
      this.launch(fresh);
    }
  }

  /** A partition no request has been made for yet, if one is known. */
  private fresh(): OpenPartition | null {
    const s = this.live;
    const i = this.launched;
    if (s.partitioned === 'windows') return i < windowCount(s.windows!) ? { i, at: null } : null;
    if (s.partitioned === 'pages') return (s.pages === null || s.pages === undefined ? i === 0 && this.inFlight.size === 0 : i < s.pages) ? { i, at: null } : null;
    const ctx = s.parent?.queue[i - s.next];
    return ctx ? { i, at: null, ctx } : null;
  }

  /** The parent's next page is asked for before its contexts run out, so children keep every slot busy. */
  private needsParent(): boolean {
    const parent = this.live.parent;
    if (!parent || parent.done || this.parentInFlight || !this.source.parentPage) return false;
    return parent.queue.length - (this.launched - this.live.next) < this.concurrency;
  }

  private launch(p: OpenPartition): void {
    this.inFlight.add(p.i);
    this.source.page(p, this.live, this.abort.signal).then(
      (o) => {
        this.inFlight.delete(p.i);
        this.complete(o);
      },
      (err) => this.fail(err),
    );
  }

  private launchParent(): void {
    this.parentInFlight = true;
    this.source.parentPage!(this.live.parent!.next, this.abort.signal).then(
      (o) => {
        this.parentInFlight = false;
        this.complete(o);
      },
      (err) => this.fail(err),
    );
  }

  private complete(o: Outcome): void {
    if (this.error !== undefined) return;
    this.live = apply(this.live, o);
    this.ready.push(o);
    this.fill();
    this.notify();
  }

  private fail(err: unknown): void {
    // The first failure is the run's: the requests still out are abandoned, the caller resumes from the last state it committed.
    this.stop(err);
    this.abort.abort(err);
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
