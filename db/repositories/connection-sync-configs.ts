import type { Db } from '../connection';

/** Sets (or with null clears) a connection's per-connection sync config override. */
export function setConnectionSyncConfig(db: Db, applicationId: string, connectionId: string, config: Record<string, unknown> | null) {
  return db
    .updateTable('connections')
    .set({ connection_sync_config: config === null ? null : JSON.stringify(config), updated_at: new Date() })
    .where('application_id', '=', applicationId)
    .where('id', '=', connectionId)
    .executeTakeFirst();
}

/** The destination type of the sync config for a provider, if there is one. */
export async function findSyncConfigDestinationType(db: Db, applicationId: string, providerId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('sync_configs')
    .innerJoin('destinations', 'destinations.id', 'sync_configs.destination_id')
    .select('destinations.type')
    .where('sync_configs.application_id', '=', applicationId)
    .where('sync_configs.provider_id', '=', providerId)
    .executeTakeFirst();
  return row?.type;
}
