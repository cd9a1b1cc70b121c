import { describe, expect, it } from 'vitest';
import { apply, finished, type PartitionedState } from './partitions';
import { inWindow, splitAt, splittable, splitWindow, windowAt, windowCount } from './windows';

describe('date windows', () => {
  it('puts every instant of the range in exactly one window, the last closed at the end', () => {
    const plan = { start: '2024-01-01T00:00:00.000Z', end: '2024-01-03T12:00:00.000Z', stepMs: 86_400_000 };
    expect(windowCount(plan)).toBe(3);
    const windows = [0, 1, 2].map((i) => windowAt(plan, i));
    expect(windows.map((w) => [w.from.toISOString(), w.to.toISOString(), w.last])).toEqual([
      ['2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z', false],
      ['2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z', false],
      ['2024-01-03T00:00:00.000Z', '2024-01-03T12:00:00.000Z', true],
    ]);
    for (const at of ['2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z', '2024-01-02T23:59:59.999Z', '2024-01-03T12:00:00.000Z']) {
      expect(
        windows.filter((w) => inWindow(w, new Date(at))),
        at,
      ).toHaveLength(1);
    }
    expect(windows.some((w) => inWindow(w, new Date('2024-01-03T12:00:00.001Z')))).toBe(false);
    // A cursor past the run's start still makes one (empty) window.
    expect(windowCount({ ...plan, end: plan.start })).toBe(1);
  });

  it('keeps the last window open at an exclusive end', () => {
    const plan = { start: '2024-01-01T00:00:00.000Z', end: '2024-01-02T12:00:00.000Z', stepMs: 86_400_000, endOpen: true as const };
    const last = windowAt(plan, 1);
    expect(last.last).toBe(false);
    expect(inWindow(last, new Date('2024-01-02T11:59:59.999Z'))).toBe(true);
    expect(inWindow(last, new Date(plan.end))).toBe(false);
  });

  it('splits a window into pieces that hold exactly its instants, numbered after the planned windows', () => {
    const open = { from: new Date('2024-01-01T00:00:00.000Z'), to: new Date('2024-01-01T00:00:00.010Z'), last: false };
    const pieces = splitWindow(open, 3);
    expect(pieces).toEqual([
      { from: '2024-01-01T00:00:00.000Z', to: '2024-01-01T00:00:00.003Z' },
      { from: '2024-01-01T00:00:00.003Z', to: '2024-01-01T00:00:00.006Z' },
      { from: '2024-01-01T00:00:00.006Z', to: '2024-01-01T00:00:00.010Z' },
    ]);
    const plan = { start: '2024-01-01T00:00:00.000Z', end: '2024-01-01T00:00:00.010Z', stepMs: 10, split: pieces };
    expect(windowCount(plan)).toBe(4);
    const windows = [1, 2, 3].map((i) => windowAt(plan, i));
    for (let t = 0; t < 10; t++) expect(windows.filter((w) => inWindow(w, new Date(Date.parse(open.from.toISOString()) + t)))).toHaveLength(1);
    expect(windows.some((w) => inWindow(w, open.to))).toBe(false);

    // A closed window's instants include its end, which its last piece keeps.
    const closed = { ...open, to: new Date('2024-01-01T00:00:00.001Z'), last: true };
    expect(splitWindow(closed, 5)).toEqual([
      { from: '2024-01-01T00:00:00.000Z', to: '2024-01-01T00:00:00.001Z' },
      { from: '2024-01-01T00:00:00.001Z', to: '2024-01-01T00:00:00.001Z', last: true },
    ]);
    expect(splittable(closed)).toBe(true);
    // Cut at given instants: those outside the window are ignored, the last piece stays closed.
    expect(splitAt(closed, [new Date('2024-01-01T00:00:00.001Z'), new Date('2024-01-01T00:00:00.000Z')])).toEqual([
      { from: '2024-01-01T00:00:00.000Z', to: '2024-01-01T00:00:00.001Z', last: true },
    ]);
    expect(splitAt(open, [new Date('2024-01-01T00:00:00.004Z'), new Date('2024-01-01T00:00:00.002Z'), new Date('2024-01-01T00:00:00.020Z')])).toEqual([
      { from: '2024-01-01T00:00:00.000Z', to: '2024-01-01T00:00:00.002Z' },
      { from: '2024-01-01T00:00:00.002Z', to: '2024-01-01T00:00:00.004Z' },
      { from: '2024-01-01T00:00:00.004Z', to: '2024-01-01T00:00:00.010Z' },
    ]);
    expect(splittable({ ...open, to: new Date('2024-01-01T00:00:00.001Z') })).toBe(false);
  });
});

describe('partition state', () => {
  const empty: PartitionedState = {
    partitioned: 'windows',
    next: 0,
    open: [],
    windows: { start: '2024-01-01T00:00:00.000Z', end: '2024-01-04T00:00:00.000Z', stepMs: 86_400_000 },
  };

  it('keeps a partition started before one heard from open at its first page, and forgets finished ones', () => {
    // Window 2 finished first: 0 and 1 were started before it and are still to be read from their start.
    let s = apply(empty, { type: 'page', i: 2, records: [], next: null });
    expect(s).toMatchObject({
      next: 3,
      open: [
        { i: 0, at: null },
        { i: 1, at: null },
      ],
    });
    s = apply(s, { type: 'page', i: 0, records: [], next: { cursor: 'c1' } });
    expect(s.open).toEqual([
      { i: 0, at: { cursor: 'c1' } },
      { i: 1, at: null },
    ]);
    s = apply(apply(s, { type: 'page', i: 1, records: [], next: null }), { type: 'page', i: 0, records: [], next: null });
    expect(s).toMatchObject({ next: 3, open: [] });
    expect(finished(s)).toBe(true);
  });

  it('finishes a split window unread and adds its pieces as windows to read', () => {
    const pieces = [
      { from: '2024-01-02T00:00:00.000Z', to: '2024-01-02T12:00:00.000Z' },
      { from: '2024-01-02T12:00:00.000Z', to: '2024-01-03T00:00:00.000Z' },
    ];
    let s = apply(empty, { type: 'split', i: 1, windows: pieces });
    expect(s).toMatchObject({ next: 2, open: [{ i: 0, at: null }], windows: { split: pieces } });
    expect(windowCount(s.windows!)).toBe(5);
    for (const i of [0, 2, 3, 4]) s = apply(s, { type: 'page', i, records: [], next: null });
    expect(finished(s)).toBe(true);
  });

  it('takes a child partition’s context from the parent queue as it starts', () => {
    let s: PartitionedState = { partitioned: 'children', next: 0, open: [], parent: { next: null, done: false, queue: [] } };
    s = apply(s, { type: 'parent', contexts: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], next: null });
    s = apply(s, { type: 'page', i: 1, ctx: { id: 'b' }, records: [], next: { page: 2 } });
    expect(s).toMatchObject({
      next: 2,
      open: [
        { i: 0, at: null, ctx: { id: 'a' } },
        { i: 1, at: { page: 2 }, ctx: { id: 'b' } },
      ],
      parent: { done: true, queue: [{ id: 'c' }] },
    });
    expect(finished(s)).toBe(false);
  });
});
