/**
 * The sync lifecycle. The database is the source of truth; after each change commits,
 * the affected Temporal schedules are brought in line. A crash between the two is
 * repaired by reconcileAllSyncSchedules (run at worker start and periodically).
 */
import { sql } from 'kysely';
import { ConflictError, NotFoundError } from '../../lib/errors';
import type { Db } from '../../db/connection';
import { connectionSyncsQuery, type SyncRow } from '../../db/repositories/syncs';
import type { TargetKind } from '../../destinations/types';
import type { ServiceDeps } from '../deps';
import { reconcileEntitySyncRows } from './entities';
import { recordEvent } from '../webhooks/events';
import {
  chooseRunStrategy,
  engineConnectionSyncConfigSchema,
  engineSyncConfigSchema,
  fullRefreshRequest,
  planConnectionSyncs,
  syncKey,
  type SyncState,
  type SyncStrategyConfig,
} from './plan';
import {
  deleteSyncSchedule,
  listSyncSchedules,
  scheduleMatches,
  setSyncSchedulePaused,
  triggerSyncSchedule,
  upsertSyncSchedule,
  type SyncScheduleSpec,
} from '../orchestration/sync-schedules';

type TemporalDeps = Pick<ServiceDeps, 'db' | 'temporal' | 'logger'>;

/** Everything about a sync the engine needs, from one query. */
export async function loadSyncContext(db: Db, syncId: string) {
  const row = await db
    .selectFrom('syncs')
    .innerJoin('connections', 'connections.id', 'syncs.connection_id')
    .innerJoin('customers', 'customers.id', 'connections.customer_id')
    .innerJoin('sync_configs', 'sync_configs.id', 'syncs.sync_config_id')
    .leftJoin('entities', 'entities.id', 'syncs.entity_id')
    .select([
      'syncs.id',
      'syncs.application_id',
      'syncs.connection_id',
      'syncs.sync_config_id',
      'syncs.type',
      'syncs.object_type',
      'syncs.object',
      'syncs.entity_id',
      'entities.name as entity_name',
      'syncs.paused',
      'syncs.pause_reason',
      'syncs.state',
      'connections.provider_name',
      'connections.category',
      'connections.customer_id',
      'connections.connection_sync_config',
      'customers.external_id as external_customer_id',
      'sync_configs.config as sync_config',
      'sync_configs.destination_id',
    ])
    .where('syncs.id', '=', syncId)
    .executeTakeFirst();
  if (!row) return undefined;
  const config = engineSyncConfigSchema.parse(row.sync_config);
  const connConfig = engineConnectionSyncConfigSchema.parse(row.connection_sync_config);
  // Entity syncs match no planned object: they run on the default strategy.
  const plan = planConnectionSyncs(config, connConfig).find((p) => syncKey(p.objectType, p.object) === syncKey(row.object_type ?? '', row.object ?? ''));
  return {
    ...row,
    state: row.state as SyncState,
    strategy: plan?.strategy ?? config.default_config,
    table: plan?.table,
    schemaOverride: connConfig?.destination_config?.schema ?? connConfig?.destination_config?.dataset,
  };
}
export type SyncContext = NonNullable<Awaited<ReturnType<typeof loadSyncContext>>>;

type SubjectFields = Pick<SyncContext, 'type' | 'object_type' | 'object' | 'entity_id' | 'entity_name'>;

/** What a sync is about, as schedules and destinations name it: its object, or an entity by name. */
export function syncSubject(ctx: SubjectFields): { objectType: TargetKind; object: string } {
  if (ctx.type === 'entity') return { objectType: 'entity', object: ctx.entity_name ?? '' };
  return { objectType: ctx.object_type ?? 'standard', object: ctx.object ?? '' };
}

/** The sync's part of sync.complete / sync.paused payloads: the reference's object or entity variant. */
export function syncEventSubject(ctx: SubjectFields) {
  if (ctx.type === 'entity') return { type: 'entity' as const, entity_id: ctx.entity_id, entity_name: ctx.entity_name };
  return { type: 'object' as const, object_type: ctx.object_type, object: ctx.object };
}

function scheduleSpec(ctx: SyncContext, strategy: SyncStrategyConfig): SyncScheduleSpec {
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
  const { keep, created, removed } = await deps.db.transaction().execute(async (trx) => {
    const conn = await trx
      .selectFrom('connections')
      .select(['id', 'provider_id', 'connection_sync_config'])
      .where('application_id', '=', applicationId)
      .where('id', '=', connectionId)
      .forUpdate()
      .executeTakeFirst();
    const existing = await trx.selectFrom('syncs').selectAll().where('connection_id', '=', connectionId).where('type', '=', 'object').execute();
    const configRow = conn
      ? await trx.selectFrom('sync_configs').select(['id', 'config']).where('application_id', '=', applicationId).where('provider_id', '=', conn.provider_id).executeTakeFirst()
      : undefined;
    const syncConfig = configRow && { id: configRow.id, config: engineSyncConfigSchema.parse(configRow.config) };
    const planned = syncConfig ? planConnectionSyncs(syncConfig.config, engineConnectionSyncConfigSchema.parse(conn!.connection_sync_config)) : [];
    const plannedKeys = new Set(planned.map((p) => syncKey(p.objectType, p.object)));
    const existingByKey = new Map(existing.map((s) => [syncKey(s.object_type ?? '', s.object ?? ''), s]));

    const removedRows = existing.filter((s) => !plannedKeys.has(syncKey(s.object_type ?? '', s.object ?? '')) || s.sync_config_id !== syncConfig?.id);
    if (removedRows.length) await trx.deleteFrom('syncs').where('id', 'in', removedRows.map((s) => s.id)).execute();
    const createdRows: Array<{ id: string; autoStart: boolean }> = [];
    for (const p of planned) {
      const prior = existingByKey.get(syncKey(p.objectType, p.object));
      if (prior && prior.sync_config_id === syncConfig!.id) continue;
      const row = await trx
        .insertInto('syncs')
        .values({ application_id: applicationId, connection_id: connectionId, sync_config_id: syncConfig!.id, type: 'object', object_type: p.objectType, object: p.object })
        .returning('id')
        .executeTakeFirstOrThrow();
      createdRows.push({ id: row.id, autoStart: p.strategy.auto_start_on_connection ?? true });
    }
    const removedIds = new Set(removedRows.map((r) => r.id));
    const entities = await reconcileEntitySyncRows(trx, applicationId, connectionId, syncConfig);
    return {
      keep: [...existing.filter((s) => !removedIds.has(s.id)).map((s) => s.id), ...createdRows.map((c) => c.id), ...entities.keep],
      created: [...createdRows, ...entities.created],
      removed: [...removedRows.map((r) => r.id), ...entities.removed],
    };
  });
  await deleteSyncSchedules(deps, removed);
  await applySchedules(deps, keep, new Set(created.filter((c) => c.autoStart).map((c) => c.id)));
}

/** After a sync config changed: reconcile every connection of its provider. */
export async function reconcileSyncConfigSyncs(deps: ServiceDeps, applicationId: string, syncConfigId: string): Promise<void> {
  const cfg = await deps.db.selectFrom('sync_configs').select('provider_id').where('application_id', '=', applicationId).where('id', '=', syncConfigId).executeTakeFirst();
  const connections = cfg
    ? await deps.db.selectFrom('connections').select('id').where('application_id', '=', applicationId).where('provider_id', '=', cfg.provider_id).execute()
    : [];
  for (const c of connections) await reconcileConnectionSyncs(deps, applicationId, c.id);
}

/** The object sync of one connection, addressed as the API does (x-customer-id, x-provider-name, object). */
export async function findSyncForObject(
  db: Db,
  applicationId: string,
  q: { customerId: string; providerName: string; objectType: string; object: string },
): Promise<SyncRow> {
  const row = await connectionSyncsQuery(db, applicationId, q.customerId, q.providerName)
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
    const row = await trx
      .updateTable('syncs')
      .set({ paused, pause_reason: paused ? reason : null, updated_at: new Date() })
      .where('id', '=', sync.id)
      .returningAll()
      .executeTakeFirstOrThrow();
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
    row = await deps.db
      .updateTable('syncs')
      .set({ state: sql<Record<string, unknown>>`state || ${JSON.stringify(fullRefreshRequest())}::jsonb`, updated_at: new Date() })
      .where('id', '=', sync.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  await triggerSyncSchedule(deps.temporal.client, sync.id);
  return row;
}

export function runStrategyFor(ctx: SyncContext): 'full' | 'incremental' {
  return chooseRunStrategy(ctx.strategy, ctx.state);
}

/**
 * Makes Temporal match the database: every sync has a schedule with the right interval
 * and paused state; schedules of this database's applications without a sync row are
 * deleted. Idempotent. One paged list shows what already matches, so a steady state costs
 * no per-sync Temporal call; `force` re-applies every schedule (e.g. the task queue changed,
 * which the list does not show).
 */
export async function reconcileAllSyncSchedules(deps: TemporalDeps, opts: { force?: boolean } = {}): Promise<{ upserted: number; unchanged: number; deleted: number }> {
  const rows = await deps.db.selectFrom('syncs').select('id').execute();
  const apps = new Set((await deps.db.selectFrom('applications').select('id').execute()).map((a) => a.id));
  const existing = await listSyncSchedules(deps.temporal.client, apps);
  let upserted = 0;
  let unchanged = 0;
  for (const { id } of rows) {
    const ctx = await loadSyncContext(deps.db, id);
    if (!ctx) continue;
    const spec = scheduleSpec(ctx, ctx.strategy);
    const listed = existing.get(id);
    if (!opts.force && listed && scheduleMatches(listed, spec)) {
      unchanged++;
      continue;
    }
    await upsertSyncSchedule(deps.temporal.client, deps.temporal.taskQueue, spec);
    upserted++;
  }
  const known = new Set(rows.map((r) => r.id));
  let deleted = 0;
  for (const id of existing.keys()) {
    if (known.has(id)) continue;
    await deleteSyncSchedule(deps.temporal.client, id);
    deleted++;
  }
  return { upserted, unchanged, deleted };
}
