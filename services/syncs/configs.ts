/**
 * Sync configs: what to sync for a provider, into which destination, how often. One per
 * provider per application. Changes that would remove existing syncs need force_delete_syncs.
 */
import { ConflictError, InvalidInputError, NotFoundError, UnprocessableError } from '../../lib/errors';
import type { SyncConfigData } from './inputs';
import { findProviderByName } from '../../db/repositories/connections';
import type { SyncConfigWithNames } from '../../db/repositories/sync-configs';
import * as repo from '../../db/repositories/sync-configs';
import type { Db } from '../../db/connection';
import { hasWriter } from '../../destinations/registry';
import type { ServiceDeps } from '../deps';
import { deleteSyncSchedules, reconcileSyncConfigSyncs } from './syncs';
import { isUuid, isUniqueViolation } from '../../lib/ids';

export function toSyncConfigResponse(row: SyncConfigWithNames) {
  return {
    id: row.id,
    application_id: row.application_id,
    destination_name: row.destination_name,
    provider_name: row.provider_name,
    config: row.config as SyncConfigData,
  };
}

async function getSyncConfigOrThrow(db: Db, applicationId: string, id: string, forUpdate = false): Promise<SyncConfigWithNames> {
  const row = isUuid(id) ? await (forUpdate ? repo.findSyncConfigForUpdate : repo.findSyncConfig)(db, applicationId, id) : undefined;
  if (!row) throw new NotFoundError('Sync config', `Sync config ${id} not found`);
  return row;
}

async function assertEntitiesExist(db: Db, applicationId: string, config: SyncConfigData): Promise<void> {
  const ids = (config.entities ?? []).map((e) => e.entity_id);
  const found = await repo.listExistingEntityIds(db, applicationId, ids.filter(isUuid));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) throw new NotFoundError('Entity', `Entity ${missing.join(', ')} not found`);
}

type SyncRow = Awaited<ReturnType<typeof repo.listSyncsForSyncConfig>>[number];

/** The existing syncs a new config would no longer cover (objects or entities it drops). */
export function syncsRemovedBy(syncs: SyncRow[], next: SyncConfigData | null): SyncRow[] {
  if (!next) return syncs;
  const keep = {
    common: new Set((next.common_objects ?? []).map((o) => o.object)),
    standard: new Set((next.standard_objects ?? []).map((o) => o.object)),
    custom: new Set((next.custom_objects ?? []).map((o) => o.object)),
    entity: new Set((next.entities ?? []).map((e) => e.entity_id)),
  };
  return syncs.filter((s) => (s.type === 'entity' ? !keep.entity.has(s.entity_id ?? '') : !(s.object_type && keep[s.object_type].has(s.object ?? ''))));
}

export async function listSyncConfigs(deps: ServiceDeps, applicationId: string) {
  return (await repo.listSyncConfigs(deps.db, applicationId)).map(toSyncConfigResponse);
}

export async function getSyncConfig(deps: ServiceDeps, applicationId: string, id: string) {
  return toSyncConfigResponse(await getSyncConfigOrThrow(deps.db, applicationId, id));
}

export async function createSyncConfig(deps: ServiceDeps, applicationId: string, input: { destination_name: string; provider_name: string; config: SyncConfigData }) {
  const provider = await findProviderByName(deps.db, applicationId, input.provider_name);
  if (!provider) throw new NotFoundError('Provider', `Provider ${input.provider_name} not found`);
  const destination = await repo.findDestinationByName(deps.db, applicationId, input.destination_name);
  if (!destination) throw new NotFoundError('Destination', `Destination ${input.destination_name} not found`);
  // A sync config pointing at a type without a writer could never run.
  if (!hasWriter(destination.type)) throw new UnprocessableError(`no writer for destination type ${destination.type} yet`);
  await assertEntitiesExist(deps.db, applicationId, input.config);
  const duplicate = () => new ConflictError(`A sync config for provider ${provider.name} already exists`);
  if (await repo.findSyncConfigByProvider(deps.db, applicationId, provider.id)) throw duplicate();

  let id: string;
  try {
    ({ id } = await repo.insertSyncConfig(deps.db, {
      application_id: applicationId,
      provider_id: provider.id,
      destination_id: destination.id,
      config: JSON.stringify(input.config),
    }));
  } catch (err) {
    if (isUniqueViolation(err)) throw duplicate();
    throw err;
  }
  await reconcileSyncConfigSyncs(deps, applicationId, id);
  return getSyncConfig(deps, applicationId, id);
}

export async function updateSyncConfig(deps: ServiceDeps, applicationId: string, id: string, input: { config: SyncConfigData }, forceDeleteSyncs = false) {
  await getSyncConfigOrThrow(deps.db, applicationId, id);
  await assertEntitiesExist(deps.db, applicationId, input.config);
  const deletedSyncIds = await deps.db.transaction().execute(async (trx) => {
    await getSyncConfigOrThrow(trx, applicationId, id, true);
    const removed = syncsRemovedBy(await repo.listSyncsForSyncConfig(trx, applicationId, id), input.config);
    if (removed.length && !forceDeleteSyncs) {
      throw new InvalidInputError(`This sync config update would delete ${removed.length} sync(s). If you are sure you want to do this, set force_delete_syncs to true.`);
    }
    const ids = removed.map((s) => s.id);
    await repo.deleteSyncs(trx, applicationId, ids);
    await repo.updateSyncConfigData(trx, applicationId, id, input.config);
    return ids;
  });
  await deleteSyncSchedules(deps, deletedSyncIds);
  await reconcileSyncConfigSyncs(deps, applicationId, id);
  return getSyncConfig(deps, applicationId, id);
}

/** Deletes the sync config; if it has syncs, only with force_delete_syncs (they go with it). Returns what was deleted. */
export async function deleteSyncConfig(deps: ServiceDeps, applicationId: string, id: string, forceDeleteSyncs = false) {
  const { row, syncIds } = await deps.db.transaction().execute(async (trx) => {
    const row = await getSyncConfigOrThrow(trx, applicationId, id, true);
    const syncs = await repo.listSyncsForSyncConfig(trx, applicationId, id);
    if (syncs.length && !forceDeleteSyncs) {
      throw new InvalidInputError(`Deleting this sync config would delete ${syncs.length} sync(s). If you are sure you want to do this, set force_delete_syncs to true.`);
    }
    const syncIds = syncs.map((s) => s.id);
    await repo.deleteSyncs(trx, applicationId, syncIds);
    await repo.deleteSyncConfig(trx, applicationId, id);
    return { row, syncIds };
  });
  await deleteSyncSchedules(deps, syncIds);
  return toSyncConfigResponse(row);
}
