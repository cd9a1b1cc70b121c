import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db } from '../connection';
import type { SchemasTable } from '../database';
import { isUuid } from '../../lib/ids';

/**
 * Application-scoped named configs: entities and schemas have one row type (database.ts:
 * EntitiesTable = SchemasTable), a name unique per application and a jsonb config, so one CRUD
 * serves both tables.
 */
export type NamedConfigTable = 'entities' | 'schemas';
export type NamedConfigRow = Selectable<SchemasTable>;

export function listNamedConfigs(db: Db, table: NamedConfigTable, applicationId: string): Promise<NamedConfigRow[]> {
  return db.selectFrom(table).selectAll().where('application_id', '=', applicationId).orderBy('created_at').orderBy('id').execute();
}

export async function findNamedConfig(db: Db, table: NamedConfigTable, applicationId: string, id: string): Promise<NamedConfigRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom(table).selectAll().where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

/** The ids among `ids` that name rows of the application. */
export async function existingNamedConfigIds(db: Db, table: NamedConfigTable, applicationId: string, ids: string[]): Promise<Set<string>> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return new Set();
  const rows = await db.selectFrom(table).select('id').where('application_id', '=', applicationId).where('id', 'in', valid).execute();
  return new Set(rows.map((r) => r.id));
}

export function insertNamedConfig(db: Db, table: NamedConfigTable, values: Insertable<SchemasTable>): Promise<NamedConfigRow> {
  return db.insertInto(table).values(values).returningAll().executeTakeFirstOrThrow();
}

export async function updateNamedConfig(db: Db, table: NamedConfigTable, applicationId: string, id: string, values: Updateable<SchemasTable>): Promise<NamedConfigRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db
    .updateTable(table)
    .set({ ...values, updated_at: sql`now()` })
    .where('application_id', '=', applicationId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export function deleteNamedConfig(db: Db, table: NamedConfigTable, applicationId: string, id: string) {
  return db.deleteFrom(table).where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}
