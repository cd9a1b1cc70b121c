import { sql, type Insertable, type Updateable } from 'kysely';
import type { Db } from '../connection';
import type { SchemasTable } from '../database';
import { isUuid } from '../../lib/ids';

export function listSchemas(db: Db, applicationId: string) {
  return db.selectFrom('schemas').selectAll().where('application_id', '=', applicationId).orderBy('created_at').orderBy('id').execute();
}

export async function findSchema(db: Db, applicationId: string, id: string) {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('schemas').selectAll().where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

/** The ids among `ids` that name schemas of the application. */
export async function existingSchemaIds(db: Db, applicationId: string, ids: string[]): Promise<Set<string>> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return new Set();
  const rows = await db.selectFrom('schemas').select('id').where('application_id', '=', applicationId).where('id', 'in', valid).execute();
  return new Set(rows.map((r) => r.id));
}

export function insertSchema(db: Db, values: Insertable<SchemasTable>) {
  return db.insertInto('schemas').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function updateSchema(db: Db, applicationId: string, id: string, values: Updateable<SchemasTable>) {
  if (!isUuid(id)) return undefined;
  return db
    .updateTable('schemas')
    .set({ ...values, updated_at: sql`now()` })
    .where('application_id', '=', applicationId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export function deleteSchema(db: Db, applicationId: string, id: string) {
  return db.deleteFrom('schemas').where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}
