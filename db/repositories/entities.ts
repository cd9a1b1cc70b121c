import { sql, type Insertable, type Updateable } from 'kysely';
import type { Db } from '../connection';
import type { EntitiesTable } from '../database';
import { isUuid } from '../../lib/ids';

export function listEntities(db: Db, applicationId: string) {
  return db.selectFrom('entities').selectAll().where('application_id', '=', applicationId).orderBy('created_at').orderBy('id').execute();
}

export async function findEntity(db: Db, applicationId: string, id: string) {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('entities').selectAll().where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

/** The ids among `ids` that name entities of the application. */
export async function existingEntityIds(db: Db, applicationId: string, ids: string[]): Promise<Set<string>> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return new Set();
  const rows = await db.selectFrom('entities').select('id').where('application_id', '=', applicationId).where('id', 'in', valid).execute();
  return new Set(rows.map((r) => r.id));
}

export function insertEntity(db: Db, values: Insertable<EntitiesTable>) {
  return db.insertInto('entities').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function updateEntity(db: Db, applicationId: string, id: string, values: Updateable<EntitiesTable>) {
  if (!isUuid(id)) return undefined;
  return db
    .updateTable('entities')
    .set({ ...values, updated_at: sql`now()` })
    .where('application_id', '=', applicationId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export function deleteEntity(db: Db, applicationId: string, id: string) {
  return db.deleteFrom('entities').where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}
