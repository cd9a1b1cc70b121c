/**
 * Pure planning: which syncs a connection should have, and which strategy a run uses.
 * Kept free of I/O so the rules are unit-tested directly.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export type ObjectType = 'common' | 'standard' | 'custom';

const strategySchema = z.object({
  period_ms: z.number().int().positive(),
  strategy: z.enum(['full then incremental', 'full only']),
  auto_start_on_connection: z.boolean().optional(),
  full_sync_every_n_incrementals: z.number().int().positive().optional(),
});
export type SyncStrategyConfig = z.infer<typeof strategySchema>;

const objectEntry = z.object({ object: z.string(), sync_strategy_override: strategySchema.optional() });

/** The parts of a stored sync config the engine reads (the API validated the whole). */
export const engineSyncConfigSchema = z.object({
  default_config: strategySchema,
  common_objects: z.array(objectEntry).optional(),
  standard_objects: z.array(objectEntry).optional(),
  custom_objects: z.array(objectEntry).optional(),
  entities: z.array(z.object({ entity_id: z.string() })).optional(),
});
export type EngineSyncConfig = z.infer<typeof engineSyncConfigSchema>;

const tableEntry = z.object({ object: z.string(), table: z.string().optional() });
export const engineConnectionSyncConfigSchema = z
  .object({
    destination_config: z.object({ type: z.string(), schema: z.string().optional(), dataset: z.string().optional() }).optional(),
    standard_objects: z.array(tableEntry).optional(),
    custom_objects: z.array(tableEntry).optional(),
  })
  .nullable()
  .optional();
export type EngineConnectionSyncConfig = z.infer<typeof engineConnectionSyncConfigSchema>;

export interface PlannedSync {
  objectType: ObjectType;
  object: string;
  strategy: SyncStrategyConfig;
  /** Per-object table override from the connection sync config. */
  table?: string;
}

export const syncKey = (objectType: string, object: string) => `${objectType}:${object}`;

/**
 * The syncs a connection should have: the sync config's objects, where the connection
 * sync config, when it lists standard or custom objects, narrows those lists to its own.
 */
export function planConnectionSyncs(config: EngineSyncConfig, connConfig: EngineConnectionSyncConfig): PlannedSync[] {
  const planned = new Map<string, PlannedSync>();
  const add = (
    objectType: ObjectType,
    entries: Array<{ object: string; sync_strategy_override?: SyncStrategyConfig }> | undefined,
    overrides?: Array<{ object: string; table?: string }>,
  ) => {
    const byObject = new Map((entries ?? []).map((e) => [e.object, e]));
    const chosen = overrides
      ? overrides.map((o) => ({ object: o.object, table: o.table, entry: byObject.get(o.object) }))
      : [...byObject.values()].map((e) => ({ object: e.object, table: undefined, entry: e }));
    for (const c of chosen) {
      planned.set(syncKey(objectType, c.object), {
        objectType,
        object: c.object,
        strategy: c.entry?.sync_strategy_override ?? config.default_config,
        ...(c.table ? { table: c.table } : {}),
      });
    }
  };
  add('common', config.common_objects);
  add('standard', config.standard_objects, connConfig?.standard_objects);
  add('custom', config.custom_objects, connConfig?.custom_objects);
  return [...planned.values()];
}

export interface SyncState {
  /** ISO time: the greatest last-modified committed by the last successful run (inclusive bound of the next). */
  cursor?: string | null;
  /**
   * Records at exactly the cursor time committed by the run that set it: id → content hash.
   * The next incremental run reads from the cursor inclusive (so records sharing that
   * timestamp are never dropped) and skips only these, unchanged, records.
   */
  cursor_records?: Record<string, string>;
  incrementals_since_full?: number;
  full_refresh_requested?: boolean;
  /** Names the pending full refresh request: a full run satisfies only the request pending when it started. */
  full_refresh_request_id?: string;
  last_full_sync_at?: string;
  /** Failed runs since the last successful one (run-ledger.ts pauses the sync at SYNC_AUTO_PAUSE_AFTER_FAILURES). */
  consecutive_failed_runs?: number;
}

/** Merged into a sync's stored state to make its next run full. */
export function fullRefreshRequest(): Pick<SyncState, 'full_refresh_requested' | 'full_refresh_request_id'> {
  return { full_refresh_requested: true, full_refresh_request_id: randomUUID() };
}

export function chooseRunStrategy(strategy: SyncStrategyConfig, state: SyncState): 'full' | 'incremental' {
  if (state.full_refresh_requested) return 'full';
  if (strategy.strategy === 'full only') return 'full';
  if (!state.cursor) return 'full';
  const n = strategy.full_sync_every_n_incrementals;
  if (n !== undefined && (state.incrementals_since_full ?? 0) >= n) return 'full';
  return 'incremental';
}

/**
 * The sync state after a run ends, from the state as it is now (not as the run found it). A failed
 * run changes nothing but keeps a pending full refresh.
 */
export function nextSyncState(
  state: SyncState,
  run: {
    strategy: 'full' | 'incremental';
    success: boolean;
    maxLastModified: string | null;
    maxRecords: Record<string, string> | null;
    finishedAt: string;
    /** full_refresh_request_id of the state when the run started (a full run satisfies that request only). */
    fullRefreshRequestAtStart?: string | null;
  },
): SyncState {
  if (!run.success) return state;
  const boundary = (cursor: string | null | undefined): Pick<SyncState, 'cursor' | 'cursor_records'> => {
    if (cursor && cursor === run.maxLastModified) {
      // Same boundary as before: records already known there stay known.
      const known = cursor === state.cursor ? state.cursor_records : undefined;
      return { cursor, cursor_records: run.maxRecords ? { ...known, ...run.maxRecords } : {} };
    }
    return { cursor: cursor ?? null, cursor_records: cursor === state.cursor ? state.cursor_records : {} };
  };
  if (run.strategy === 'full') {
    // A full refresh requested after the run started stays pending: the run may have read past what it was for.
    const pending = !!state.full_refresh_requested && (state.full_refresh_request_id ?? null) !== (run.fullRefreshRequestAtStart ?? null);
    // A full run saw everything: its own maximum is the cursor, even if older than before (records deleted).
    return {
      ...boundary(run.maxLastModified ?? state.cursor),
      incrementals_since_full: 0,
      full_refresh_requested: pending,
      ...(pending ? { full_refresh_request_id: state.full_refresh_request_id } : {}),
      last_full_sync_at: run.finishedAt,
    };
  }
  const cursor =
    [state.cursor ?? null, run.maxLastModified]
      .filter((c): c is string => !!c)
      .sort()
      .at(-1) ?? null;
  return { ...state, ...boundary(cursor), incrementals_since_full: (state.incrementals_since_full ?? 0) + 1 };
}
