/**
 * A sync as the engine sees it: its row with its connection, customer, sync config and entity,
 * the strategy and table the plan gives it, and how schedules, destinations and events name it.
 */
import { findSyncWithContext, type SyncWithContextRow } from '../../db/repositories/syncs';
import type { Db } from '../../db/connection';
import type { TargetKind, WriteTarget } from '../../destinations/types';
import { chooseRunStrategy, engineConnectionSyncConfigSchema, engineSyncConfigSchema, planConnectionSyncs, syncKey, type SyncState } from './plan';

export async function loadSyncContext(db: Db, syncId: string) {
  const row = await findSyncWithContext(db, syncId);
  return row && syncContextOf(row);
}

/** The context of a sync row read with its connection, customer, sync config and entity. */
export function syncContextOf(row: SyncWithContextRow) {
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
export type SyncContext = ReturnType<typeof syncContextOf>;

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

/** Where a sync's records land at its destination. */
export function writeTarget(ctx: SyncContext): WriteTarget {
  return {
    applicationId: ctx.application_id,
    customerId: ctx.external_customer_id,
    providerName: ctx.provider_name,
    ...syncSubject(ctx),
    ...(ctx.schemaOverride ? { schema: ctx.schemaOverride } : {}),
    ...(ctx.table ? { table: ctx.table } : {}),
  };
}

export function runStrategyFor(ctx: SyncContext): 'full' | 'incremental' {
  return chooseRunStrategy(ctx.strategy, ctx.state);
}
