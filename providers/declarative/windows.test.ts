import { describe, expect, it } from 'vitest';
import { apply, finished, type PartitionedState } from './partitions';
import { ceilToFormat, inWindow, stepMs, windowAt, windowCount } from './windows';

describe('date windows', () => {
  it('reads steps of fixed length only', () => {
    expect(stepMs('P1D')).toBe(86_400_000);
    expect(stepMs('PT6H')).toBe(21_600_000);
    expect(stepMs('P1DT12H30M')).toBe(86_400_000 + 12 * 3_600_000 + 30 * 60_000);
    expect(stepMs('P2W')).toBe(14 * 86_400_000);
    for (const bad of ['P1M', 'P1Y', 'P', 'PT', '1D', 'P0D', 'daily']) expect(stepMs(bad), bad).toBeNull();
  });

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

  it('rounds an upper bound up to what the format can write', () => {
    const at = new Date('2024-03-05T10:20:30.400Z');
    expect(ceilToFormat(at, 'iso8601')).toEqual(at);
    expect(ceilToFormat(at, 'timestamp').toISOString()).toBe('2024-03-05T10:20:31.000Z');
    expect(ceilToFormat(at, '%Y-%m-%d').toISOString()).toBe('2024-03-06T00:00:00.000Z');
    expect(ceilToFormat(at, '%Y-%m').toISOString()).toBe('2024-04-01T00:00:00.000Z');
    expect(ceilToFormat(new Date('2024-03-06T00:00:00.000Z'), '%Y-%m-%d').toISOString()).toBe('2024-03-06T00:00:00.000Z');
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
