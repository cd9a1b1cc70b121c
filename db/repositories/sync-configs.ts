import type { Insertable } from 'kysely';
import type { Db } from '../connection';
import type { SyncConfigsTable } from '../database';

/** Sync configs with the names of their provider and destination (the API addresses both by name). */
function withNames(db: Db, applicationId: string) {
  return db
    .selectFrom('sync_configs')
    .innerJoin('providers', 'providers.id', 'sync_configs.provider_id')
    .innerJoin('destinations', 'destinations.id', 'sync_configs.destination_id')
    .selectAll('sync_configs')
    .select(['providers.name as provider_name', 'destinations.name as destination_name', 'destinations.type as destination_type'])
    .where('sync_configs.application_id', '=', applicationId);
}

export type SyncConfigWithNames = NonNullable<Awaited<ReturnType<typeof findSyncConfig>>>;

export function listSyncConfigs(db: Db, applicationId: string) {
  return withNames(db, applicationId).orderBy('sync_configs.created_at').orderBy('sync_configs.id').execute();
}

export function findSyncConfig(db: Db, applicationId: string, id: string) {
  return withNames(db, applicationId).where('sync_configs.id', '=', id).executeTakeFirst();
}

export function findSyncConfigForUpdate(db: Db, applicationId: string, id: string) {
  return withNames(db, applicationId).where('sync_configs.id', '=', id).forUpdate('sync_configs').executeTakeFirst();
}

export function findSyncConfigByProvider(db: Db, applicationId: string, providerId: string) {
  return withNames(db, applicationId).where('sync_configs.provider_id', '=', providerId).executeTakeFirst();
}

export function findDestinationByName(db: Db, applicationId: string, name: string) {
  return db.selectFrom('destinations').select(['id', 'name', 'type']).where('application_id', '=', applicationId).where('name', '=', name).executeTakeFirst();
}

export async function listExistingEntityIds(db: Db, applicationId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('entities').select('id').where('application_id', '=', applicationId).where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

export function insertSyncConfig(db: Db, values: Insertable<SyncConfigsTable>) {
  return db.insertInto('sync_configs').values(values).returning('id').executeTakeFirstOrThrow();
}

export function updateSyncConfigData(db: Db, applicationId: string, id: string, config: Record<string, unknown>) {
  return db
    .updateTable('sync_configs')
    .set({ config: JSON.stringify(config), updated_at: new Date() })
    .where('application_id', '=', applicationId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export function deleteSyncConfig(db: Db, applicationId: string, id: string) {
  return db.deleteFrom('sync_configs').where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

export function listSyncsForSyncConfig(db: Db, applicationId: string, syncConfigId: string) {
  return db
    .selectFrom('syncs')
    .select(['id', 'type', 'object_type', 'object', 'entity_id'])
    .where('application_id', '=', applicationId)
    .where('sync_config_id', '=', syncConfigId)
    .execute();
}

export function deleteSyncs(db: Db, applicationId: string, ids: string[]) {
  if (ids.length === 0) return Promise.resolve();
  return db
    .deleteFrom('syncs')
    .where('application_id', '=', applicationId)
    .where('id', 'in', ids)
    .execute()
    .then(() => undefined);
}
