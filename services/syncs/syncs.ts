/**
 * The sync lifecycle. The database is the source of truth; after each change commits,
 * the affected Temporal schedules are brought in line. A crash between the two is
 * repaired by reconcileAllSyncSchedules (orchestration/reconciler.ts: at worker start and periodically).
 */
import { ConflictError, NotFoundError } from '../../lib/errors';
import type { Db } from '../../db/connection';
import { findConnectionByIdForUpdate, listConnectionIdsOfProvider } from '../../db/repositories/connections';
import { findSyncConfig, findSyncConfigByProvider } from '../../db/repositories/sync-configs';
import * as syncsRepo from '../../db/repositories/syncs';
import type { SyncRow } from '../../db/repositories/syncs';
import type { ServiceDeps } from '../deps';
import { loadSyncContext, syncEventSubject, syncSubject, type SyncContext } from './context';
import { reconcileEntitySyncRows } from './entities';
import { recordEvent } from '../webhooks/events';
import { engineConnectionSyncConfigSchema, engineSyncConfigSchema, fullRefreshRequest, planConnectionSyncs, syncKey, type SyncStrategyConfig } from './plan';
import { deleteSyncSchedule, setSyncSchedulePaused, triggerSyncSchedule, upsertSyncSchedule, type SyncScheduleSpec } from '../orchestration/sync-schedules';

type TemporalDeps = Pick<ServiceDeps, 'db' | 'temporal' | 'logger'>;

export function scheduleSpec(ctx: SyncContext, strategy: SyncStrategyConfig): SyncScheduleSpec {
  return {
    syncId: ctx.id,
    applicationId: ctx.application_id,
    connectionId: ctx.connection_id,
    customerId: ctx.external_customer_id,
    providerName: ctx.provider_name,
    ...syncSubject(ctx),
    periodMs: strategy.period_ms,
    paused: ctx.paused,
    pauseReason: ctx.pause_reason,
  };
}

/** Removes the Temporal schedules of syncs whose rows were deleted. Missing schedules are fine. */
export async function deleteSyncSchedules(deps: TemporalDeps, syncIds: string[]): Promise<void> {
  for (const id of syncIds) {
    await deleteSyncSchedule(deps.temporal.client, id).catch((err) =>
      deps.logger.warn({ err: (err as Error).message, syncId: id }, 'could not delete schedule; the reconciler will'),
    );
  }
}

/** Brings the syncs' schedules to their rows (interval, paused state, search attributes such as an entity's name); `startNow` run at once. */
export async function applySchedules(deps: TemporalDeps, syncIds: string[], startNow = new Set<string>()): Promise<void> {
  for (const id of syncIds) {
    const ctx = await loadSyncContext(deps.db, id);
    if (!ctx) continue;
    const startedNow = startNow.has(id) && !ctx.paused;
    await upsertSyncSchedule(deps.temporal.client, deps.temporal.taskQueue, { ...scheduleSpec(ctx, ctx.strategy), startedNow });
    if (startedNow) await triggerSyncSchedule(deps.temporal.client, id);
  }
}

/**
 * Brings a connection's syncs in line with its sync config and connection sync config:
 * creates missing object and entity sync rows (started at once when auto_start_on_connection, the default),
 * removes ones no longer configured, and updates every schedule.
 */
export async function reconcileConnectionSyncs(deps: ServiceDeps, applicationId: string, connectionId: string): Promise<void> {
  const changes = await deps.db.transaction().execute((trx) => reconcileConnectionSyncRows(trx, applicationId, connectionId));
  await applyConnectionSyncChanges(deps, changes);
}

/** Which sync rows reconcileConnectionSyncRows kept, created and removed: what the schedules follow after the commit. */
export interface ConnectionSyncChanges {
  keep: string[];
  created: Array<{ id: string; autoStart: boolean }>;
  removed: string[];
}

/**
 * The rows half of reconcileConnectionSyncs, in the caller's transaction: a new connection's syncs
 * commit with it, so a process that dies before the schedules leaves nothing the reconciler cannot
 * repair (it brings schedules to sync rows; it never creates rows). Then applyConnectionSyncChanges.
 */
export async function reconcileConnectionSyncRows(trx: Db, applicationId: string, connectionId: string): Promise<ConnectionSyncChanges> {
  const conn = await findConnectionByIdForUpdate(trx, applicationId, connectionId);
  // Not verified yet (or being deleted): no syncs start; verification reconciles again once it is live.
  if (conn && conn.integration_state !== 'live') return { keep: [], created: [], removed: [] };
  const existing = await syncsRepo.listObjectSyncsOfConnection(trx, connectionId);
  const configRow = conn ? await findSyncConfigByProvider(trx, applicationId, conn.provider_id) : undefined;
  const syncConfig = configRow && { id: configRow.id, config: engineSyncConfigSchema.parse(configRow.config) };
  const planned = syncConfig ? planConnectionSyncs(syncConfig.config, engineConnectionSyncConfigSchema.parse(conn!.connection_sync_config)) : [];
  const plannedKeys = new Set(planned.map((p) => syncKey(p.objectType, p.object)));
  const existingByKey = new Map(existing.map((s) => [syncKey(s.object_type ?? '', s.object ?? ''), s]));

  const removedRows = existing.filter((s) => !plannedKeys.has(syncKey(s.object_type ?? '', s.object ?? '')) || s.sync_config_id !== syncConfig?.id);
  await syncsRepo.deleteSyncsById(
    trx,
    removedRows.map((s) => s.id),
  );
  const createdRows: Array<{ id: string; autoStart: boolean }> = [];
  for (const p of planned) {
    const prior = existingByKey.get(syncKey(p.objectType, p.object));
    if (prior && prior.sync_config_id === syncConfig!.id) continue;
    const id = await syncsRepo.insertObjectSync(trx, {
      application_id: applicationId,
      connection_id: connectionId,
      sync_config_id: syncConfig!.id,
      object_type: p.objectType,
      object: p.object,
    });
    createdRows.push({ id, autoStart: p.strategy.auto_start_on_connection ?? true });
  }
  const removedIds = new Set(removedRows.map((r) => r.id));
  const entities = await reconcileEntitySyncRows(trx, applicationId, connectionId, syncConfig);
  return {
    keep: [...existing.filter((s) => !removedIds.has(s.id)).map((s) => s.id), ...createdRows.map((c) => c.id), ...entities.keep],
    created: [...createdRows, ...entities.created],
    removed: [...removedRows.map((r) => r.id), ...entities.removed],
  };
}

/**
 * After the commit: the schedules follow the rows, and created syncs that auto-start run at once. A
 * process lost before this point leaves schedules the reconciler writes (their first run then comes
 * at the schedule's next tick, not at once).
 */
export async function applyConnectionSyncChanges(deps: TemporalDeps, { keep, created, removed }: ConnectionSyncChanges): Promise<void> {
  await deleteSyncSchedules(deps, removed);
  await applySchedules(deps, keep, new Set(created.filter((c) => c.autoStart).map((c) => c.id)));
}

/** After a sync config changed: reconcile every connection of its provider. */
export async function reconcileSyncConfigSyncs(deps: ServiceDeps, applicationId: string, syncConfigId: string): Promise<void> {
  const cfg = await findSyncConfig(deps.db, applicationId, syncConfigId);
  const connectionIds = cfg ? await listConnectionIdsOfProvider(deps.db, applicationId, cfg.provider_id) : [];
  for (const id of connectionIds) await reconcileConnectionSyncs(deps, applicationId, id);
}

/** The object sync of one connection, addressed as the API does (x-customer-id, x-provider-name, object). */
export async function findSyncForObject(db: Db, applicationId: string, q: { customerId: string; providerName: string; objectType: string; object: string }): Promise<SyncRow> {
  const row = await syncsRepo
    .connectionSyncsQuery(db, applicationId, q.customerId, q.providerName)
    .where('syncs.object_type', '=', q.objectType as 'common')
    .where('syncs.object', '=', q.object)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('Sync', `No ${q.objectType} object sync of "${q.object}" for customer ${q.customerId} and provider ${q.providerName}`);
  return row;
}

/**
 * Pauses or resumes a sync, durably (database) and immediately (schedule). `reason`
 * non-null marks an automatic pause, announced with a sync.paused event.
 */
export async function setSyncPaused(deps: ServiceDeps, sync: SyncRow, paused: boolean, reason: string | null = null, runId?: string): Promise<SyncRow> {
  const updated = await deps.db.transaction().execute(async (trx) => {
    const row = await syncsRepo.setSyncPausedRow(trx, sync.id, paused, reason);
    if (paused && reason) {
      const ctx = await loadSyncContext(trx, sync.id);
      await recordEvent(trx, sync.application_id, 'sync.paused', {
        run_id: runId,
        connection_id: sync.connection_id,
        customer_id: ctx?.external_customer_id,
        provider_name: ctx?.provider_name,
        ...syncEventSubject({ ...sync, entity_name: ctx?.entity_name ?? null }),
        pause_reason: reason,
      });
    }
    return row;
  });
  await setSyncSchedulePaused(deps.temporal.client, sync.id, paused, paused ? (reason ?? 'paused by API') : 'resumed by API').catch((err) =>
    deps.logger.warn({ err: (err as Error).message, syncId: sync.id }, 'schedule pause state not applied; the reconciler will'),
  );
  return updated;
}

/** Starts a run now (or right after the current one). A full refresh is remembered in the database. */
export async function triggerSync(deps: ServiceDeps, sync: SyncRow, opts: { fullRefresh: boolean }): Promise<SyncRow> {
  if (sync.paused) throw new ConflictError(`Sync ${sync.id} is paused; resume it before triggering a run`, { summary: 'Sync is paused' });
  let row = sync;
  if (opts.fullRefresh) {
    row = await syncsRepo.mergeSyncState(deps.db, sync.id, fullRefreshRequest());
  }
  await triggerSyncSchedule(deps.temporal.client, sync.id);
  return row;
}
