import type { Db } from '../connection';

export function findConnector(db: Db, applicationId: string, id: string) {
  return db.selectFrom('connectors').selectAll().where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

export function listConnectors(db: Db, applicationId: string) {
  return db.selectFrom('connectors').selectAll().where('application_id', '=', applicationId).orderBy('id').execute();
}

export function upsertConnector(db: Db, applicationId: string, id: string, definition: Record<string, unknown>) {
  return db
    .insertInto('connectors')
    .values({ application_id: applicationId, id, definition: JSON.stringify(definition) })
    .onConflict((oc) => oc.columns(['application_id', 'id']).doUpdateSet({ definition: JSON.stringify(definition), updated_at: new Date() }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function deleteConnector(db: Db, applicationId: string, id: string) {
  return db.deleteFrom('connectors').where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}
