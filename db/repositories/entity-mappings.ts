import type { Db } from '../connection';

export function listEntities(db: Db, applicationId: string) {
  return db.selectFrom('entities').select(['id', 'name', 'config']).where('application_id', '=', applicationId).orderBy('created_at').orderBy('id').execute();
}

export function findEntity(db: Db, applicationId: string, id: string) {
  return db.selectFrom('entities').select(['id', 'name', 'config']).where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

export function setConnectionEntityMappings(db: Db, applicationId: string, connectionId: string, mappings: unknown[]) {
  return db
    .updateTable('connections')
    .set({ entity_mappings: JSON.stringify(mappings), updated_at: new Date() })
    .where('application_id', '=', applicationId)
    .where('id', '=', connectionId)
    .executeTakeFirst();
}
