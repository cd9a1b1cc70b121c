import { describe, expect, it } from 'vitest';
import type { JsonValue, SourceRecord } from '../types';
import { splittable, WindowedReads, windowedFrom, type Window, type WindowedReadOptions } from './windowed-read';

const T0 = Date.parse('2024-01-01T00:00:00.000Z');
const HOUR = 3_600_000;

/** An API over records at the given times: a window's query answers its records in time order, `size` a page, inclusive at both bounds as many APIs are. */
function api(times: number[], { size = 3, cap = Infinity, latencyMs = 2 } = {}) {
  const stats = { inFlight: 0, maxInFlight: 0, requests: 0 };
  const page: WindowedReadOptions<{ offset: number }>['page'] = async (w: Window, cursor, signal) => {
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    stats.requests++;
    try {
      await new Promise((r) => setTimeout(r, latencyMs));
      signal.throwIfAborted();
      const matching = times.filter((t) => t >= w.from.getTime() && t <= w.to.getTime()).sort((a, b) => a - b);
      if (cursor === null && matching.length > cap) return { split: 2 };
      const offset = cursor?.offset ?? 0;
      const records: SourceRecord[] = matching.slice(offset, offset + size).map((t) => ({ id: String(t), lastModifiedAt: new Date(t), isDeleted: false, raw: {} }));
      return { records, next: offset + size < matching.length ? { offset: offset + size } : null };
    } finally {
      stats.inFlight--;
    }
  };
  return { page, stats };
}

const range = { start: new Date(T0), end: new Date(T0 + 24 * HOUR) };
/** Records on every window boundary, just before each, and one at the range's exclusive end. */
const times = Array.from({ length: 24 }, (_, h) => [T0 + h * HOUR, T0 + (h + 1) * HOUR - 1, T0 + h * HOUR + 1_000]).flat();

async function readAll(reads: WindowedReads, opts: WindowedReadOptions<{ offset: number }>, from: JsonValue | null = null) {
  const ids: string[] = [];
  /** Each state handed back, with how many records were handed back with it or before. */
  const states: Array<{ state: JsonValue; handed: number }> = [];
  let state = from;
  do {
    const page = await reads.read('s', state, opts);
    ids.push(...page.records.map((r) => r.id));
    state = page.nextPageState;
    if (state !== null) states.push({ state, handed: ids.length });
  } while (state !== null);
  return { ids, states };
}

describe('windowed reads', () => {
  it('reads windows concurrently within the concurrency, every record in range once', async () => {
    const { page, stats } = api([...times, range.end.getTime()]);
    const { ids } = await readAll(new WindowedReads(), { range, stepMs: 2 * HOUR, concurrency: 3, page });
    expect(ids.sort()).toEqual(times.map(String).sort());
    expect(stats.maxInFlight).toBe(3);
  });

  it('resumes from any state it handed back, reading the rest exactly once', async () => {
    const opts = { range, stepMs: 3 * HOUR, concurrency: 4, page: api(times).page };
    const { ids: all, states } = await readAll(new WindowedReads(), opts);
    expect(states.length).toBeGreaterThan(3);
    for (const [k, { state, handed }] of states.entries()) {
      // A fresh process (the crash lost the reader in memory) from the state as stored.
      const { ids: rest } = await readAll(new WindowedReads(), opts, JSON.parse(JSON.stringify(state)));
      expect([...all.slice(0, handed), ...rest].sort(), `state ${k}`).toEqual([...all].sort());
    }
  });

  it('splits a window too big for one query until its pieces fit', async () => {
    const dense = Array.from({ length: 40 }, (_, k) => T0 + 5 * HOUR + k * 1_000);
    const { page, stats } = api([...times, ...dense], { cap: 10 });
    const { ids, states } = await readAll(new WindowedReads(), { range, stepMs: 6 * HOUR, concurrency: 2, page });
    expect(ids.sort()).toEqual([...times, ...dense].map(String).sort());
    expect(stats.maxInFlight).toBe(2);
    const last = states.at(-1)!.state as { windows: { split: unknown[] } };
    expect(last.windows.split.length).toBeGreaterThanOrEqual(4);
  });

  it('keeps what a split’s page read and cuts only the rest of the window, where it is asked', async () => {
    const dense = Array.from({ length: 40 }, (_, k) => T0 + 5 * HOUR + Math.floor(k / 2) * 1_000);
    const all = [...times, ...dense];
    const { page: plain } = api(all);
    const cuts: Array<{ from: number; rest: number }> = [];
    const page: WindowedReadOptions<{ offset: number }>['page'] = async (w, cursor, signal) => {
      const read = await plain(w, cursor, signal);
      if (cursor !== null || 'split' in read || read.next === null || read.records.length < 3) return read;
      // The page's last instant may have more records on the next page: the pieces start there.
      const rest = read.records.at(-1)!.lastModifiedAt!;
      if (rest <= w.from) return read;
      cuts.push({ from: w.from.getTime(), rest: rest.getTime() });
      return { split: [new Date(rest.getTime() + 10 * 60_000), new Date(rest.getTime() + HOUR)], rest, records: read.records };
    };
    const { ids } = await readAll(new WindowedReads(), { range, stepMs: 6 * HOUR, concurrency: 2, page });
    expect(ids).toHaveLength(all.length);
    expect(ids.sort()).toEqual(all.map(String).sort());
    expect(cuts.length).toBeGreaterThan(3);
  });

  it('refuses to split a window of one instant', async () => {
    const same = Array.from({ length: 20 }, () => T0);
    const { page } = api(same, { cap: 10 });
    await expect(readAll(new WindowedReads(), { range: { start: new Date(T0), end: new Date(T0 + 1) }, stepMs: HOUR, concurrency: 2, page })).rejects.toThrow(
      /cannot be split further/,
    );
    expect(splittable({ from: new Date(T0), to: new Date(T0 + 1), last: false })).toBe(false);
  });

  it('continues a single chain from before windows in one window from its cursor', async () => {
    const { ids } = await readAll(new WindowedReads(), { range, stepMs: HOUR, concurrency: 2, page: api(times).page }, windowedFrom(range, { offset: 60 }));
    expect(ids).toEqual(
      times
        .sort((a, b) => a - b)
        .slice(60)
        .map(String),
    );
  });
});
