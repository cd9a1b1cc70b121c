/**
 * Entity syncs (Supaglue's deprecated "Data model: Entities"): one sync per connection and entity
 * its sync config lists. What a run reads is resolved in sync-source.ts; records land in
 * `entity_<entity name>`.
 */
import { NotFoundError } from '../../lib/errors';
import type { Db } from '../../db/connection';
import { isUuid } from '../../lib/ids';
import { existingEntityIds } from '../../db/repositories/entities';
import * as syncsRepo from '../../db/repositories/syncs';
import type { SyncRow } from '../../db/repositories/syncs';
import { fullRefreshRequest, type EngineSyncConfig } from './plan';

export interface SyncRowChanges {
  keep: string[];
  created: Array<{ id: string; autoStart: boolean }>;
  removed: string[];
}

/**
 * Inside the caller's transaction: one entity sync per entity the sync config lists (entities deleted
 * since are skipped), started at once unless the default strategy says otherwise. Entity syncs of
 * another (replaced) sync config, or of entities no longer listed, are deleted.
 */
export async function reconcileEntitySyncRows(
  trx: Db,
  applicationId: string,
  connectionId: string,
  syncConfig: { id: string; config: EngineSyncConfig } | undefined,
): Promise<SyncRowChanges> {
  const existing = await syncsRepo.listEntitySyncsOfConnection(trx, connectionId);
  const listed = (syncConfig?.config.entities ?? []).map((e) => e.entity_id);
  const found = await existingEntityIds(trx, applicationId, listed);
  const wanted = listed.filter((id) => found.has(id));

  const removed = existing.filter((s) => !wanted.includes(s.entity_id ?? '') || s.sync_config_id !== syncConfig?.id).map((s) => s.id);
  await syncsRepo.deleteSyncsById(trx, removed);
  const kept = existing.filter((s) => !removed.includes(s.id));
  const have = new Set(kept.map((s) => s.entity_id));
  const created: SyncRowChanges['created'] = [];
  for (const entityId of wanted) {
    if (have.has(entityId)) continue;
    const id = await syncsRepo.insertEntitySync(trx, { application_id: applicationId, connection_id: connectionId, sync_config_id: syncConfig!.id, entity_id: entityId });
    created.push({ id, autoStart: syncConfig!.config.default_config.auto_start_on_connection ?? true });
  }
  return { keep: [...kept.map((s) => s.id), ...created.map((c) => c.id)], created, removed };
}

/** The entity sync of one connection, addressed as the API does (x-customer-id, x-provider-name, entity_id). */
export async function findSyncForEntity(db: Db, applicationId: string, q: { customerId: string; providerName: string; entityId: string }): Promise<SyncRow> {
  const row = isUuid(q.entityId)
    ? await syncsRepo
        .connectionSyncsQuery(db, applicationId, q.customerId, q.providerName)
        .where('syncs.type', '=', 'entity')
        .where('syncs.entity_id', '=', q.entityId)
        .executeTakeFirst()
    : undefined;
  if (!row) throw new NotFoundError('Sync', `No entity sync of entity ${q.entityId} for customer ${q.customerId} and provider ${q.providerName}`);
  return row;
}

/** Pure: the entities whose mapping differs between two mapping lists (added, removed or changed). */
export function changedEntityIds(before: Array<{ entity_id: string }>, after: Array<{ entity_id: string }>): string[] {
  const key = (list: Array<{ entity_id: string }>) => new Map(list.map((m) => [m.entity_id, JSON.stringify(m)]));
  const [a, b] = [key(before), key(after)];
  return [...new Set([...a.keys(), ...b.keys()])].filter((id) => a.get(id) !== b.get(id));
}

/**
 * After entity mappings changed: the next run of the affected entity syncs is full. An incremental
 * run would leave unchanged rows mapped the old way, and a cursor from another provider object means
 * nothing for the new one (the full run also soft-deletes the previous object's rows).
 */
export async function requestEntityFullRefresh(trx: Db, applicationId: string, entityIds: string[], scope: { connectionId: string } | { providerId: string }): Promise<void> {
  const ids = entityIds.filter(isUuid);
  if (ids.length === 0) return;
  await syncsRepo.mergeEntitySyncsState(trx, applicationId, ids, scope, fullRefreshRequest());
}
