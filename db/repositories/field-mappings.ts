import type { Db } from '../connection';

export function findSchemasByIds(db: Db, applicationId: string, ids: string[]) {
  if (ids.length === 0) return Promise.resolve([]);
  return db.selectFrom('schemas').select(['id', 'name', 'config']).where('application_id', '=', applicationId).where('id', 'in', ids).execute();
}

export function setSchemaMappingsConfig(db: Db, applicationId: string, connectionId: string, config: Record<string, unknown>) {
  return db
    .updateTable('connections')
    .set({ schema_mappings_config: JSON.stringify(config), updated_at: new Date() })
    .where('application_id', '=', applicationId)
    .where('id', '=', connectionId)
    .executeTakeFirst();
}
