/** Backfill sub-windows: how a window is split, and which sub-window owns each instant. */
import { describe, expect, it } from 'vitest';
import { inSubWindow, MAX_SUB_WINDOWS, splitWindow } from './backfill';

const d = (iso: string) => new Date(iso);

describe('backfill sub-windows', () => {
  it('splits a window into sub-windows of a day at most, the last ending at the window end', () => {
    expect(splitWindow(d('2026-01-02T00:00:00Z'), d('2026-01-04T12:00:00Z'))).toEqual([
      '2026-01-02T00:00:00.000Z',
      '2026-01-02T20:00:00.000Z',
      '2026-01-03T16:00:00.000Z',
      '2026-01-04T12:00:00.000Z',
    ]);
    expect(splitWindow(d('2026-01-01T00:00:00Z'), d('2026-01-01T06:00:00Z'))).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T06:00:00.000Z']);
  });

  it('widens the sub-windows of a long window to keep their number at the cap', () => {
    const bounds = splitWindow(d('2025-01-01T00:00:00Z'), d('2026-01-01T00:00:00Z'));
    expect(bounds).toHaveLength(MAX_SUB_WINDOWS + 1);
    expect(bounds.at(-1)).toBe('2026-01-01T00:00:00.000Z');
  });

  it('puts every instant of the window in exactly one sub-window, both ends included', () => {
    const bounds = splitWindow(d('2026-01-02T00:00:00Z'), d('2026-01-04T12:00:00Z'));
    const owners = (iso: string) => [0, 1, 2].filter((index) => inSubWindow({ bounds, index }, d(iso)));
    expect(owners('2026-01-01T23:59:59.999Z')).toEqual([]);
    expect(owners('2026-01-02T00:00:00Z')).toEqual([0]);
    expect(owners('2026-01-02T19:59:59.999Z')).toEqual([0]);
    expect(owners('2026-01-02T20:00:00Z')).toEqual([1]);
    expect(owners('2026-01-03T16:00:00Z')).toEqual([2]);
    expect(owners('2026-01-04T12:00:00Z')).toEqual([2]);
    expect(owners('2026-01-04T12:00:00.001Z')).toEqual([]);
    expect(inSubWindow({ bounds, index: 0 }, null)).toBe(false);
  });
});
