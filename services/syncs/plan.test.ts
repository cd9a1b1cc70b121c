/** Run strategy rules: which run is full, and what a finished run leaves in the sync state. */
import { describe, expect, it } from 'vitest';
import { chooseRunStrategy, fullRefreshRequest, nextSyncState, type SyncState, type SyncStrategyConfig } from './plan';

const everyTwo: SyncStrategyConfig = { period_ms: 60_000, strategy: 'full then incremental', full_sync_every_n_incrementals: 2 };
const run = (strategy: 'full' | 'incremental', state: SyncState, extra: { success?: boolean; fullRefreshRequestAtStart?: string | null } = {}) =>
  nextSyncState(state, {
    strategy,
    success: extra.success ?? true,
    maxLastModified: '2026-01-01T00:00:00.000Z',
    maxRecords: {},
    finishedAt: '2026-01-02T00:00:00.000Z',
    fullRefreshRequestAtStart: extra.fullRefreshRequestAtStart,
  });

describe('full refresh requests', () => {
  it('are satisfied by a full run that started with them pending', () => {
    const requested = { cursor: '2025-12-01T00:00:00.000Z', ...fullRefreshRequest() };
    expect(chooseRunStrategy(everyTwo, requested)).toBe('full');
    const after = run('full', requested, { fullRefreshRequestAtStart: requested.full_refresh_request_id });
    expect(after).toMatchObject({ full_refresh_requested: false, incrementals_since_full: 0 });
    expect(after.full_refresh_request_id).toBeUndefined();
    expect(chooseRunStrategy(everyTwo, after)).toBe('incremental');
  });

  it('made while a full run is under way stay pending after it: the run started before them', () => {
    const started: SyncState = { cursor: '2025-12-01T00:00:00.000Z', incrementals_since_full: 2 };
    const now = { ...started, ...fullRefreshRequest() };
    const after = run('full', now, { fullRefreshRequestAtStart: null });
    expect(after).toMatchObject({ full_refresh_requested: true, full_refresh_request_id: now.full_refresh_request_id, incrementals_since_full: 0 });
    expect(chooseRunStrategy(everyTwo, after)).toBe('full');

    // A second request during a run that satisfied the first one is pending too.
    const first = { ...started, ...fullRefreshRequest() };
    const second = { ...first, ...fullRefreshRequest() };
    expect(run('full', second, { fullRefreshRequestAtStart: first.full_refresh_request_id }).full_refresh_requested).toBe(true);
  });

  it('stored without an id (before ids existed) are satisfied by the next full run', () => {
    expect(run('full', { cursor: null, full_refresh_requested: true }).full_refresh_requested).toBe(false);
  });

  it('survive failed runs and incremental runs', () => {
    const requested = { cursor: '2025-12-01T00:00:00.000Z', incrementals_since_full: 1, ...fullRefreshRequest() };
    expect(run('full', requested, { success: false, fullRefreshRequestAtStart: requested.full_refresh_request_id })).toEqual(requested);
    expect(run('incremental', requested)).toMatchObject({ full_refresh_requested: true, full_refresh_request_id: requested.full_refresh_request_id, incrementals_since_full: 2 });
  });
});
