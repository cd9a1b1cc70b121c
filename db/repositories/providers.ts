import { sql, type Insertable, type Updateable } from 'kysely';
import type { Db } from '../connection';
import type { ProvidersTable } from '../database';
import { isUuid } from '../../lib/ids';

export function listProviders(db: Db, applicationId: string) {
  return db.selectFrom('providers').selectAll().where('application_id', '=', applicationId).orderBy('created_at').orderBy('id').execute();
}

export async function findProvider(db: Db, applicationId: string, id: string) {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('providers').selectAll().where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

export function findProviderByName(db: Db, applicationId: string, name: string) {
  return db.selectFrom('providers').selectAll().where('application_id', '=', applicationId).where('name', '=', name).executeTakeFirst();
}

export function insertProvider(db: Db, values: Insertable<ProvidersTable>) {
  return db.insertInto('providers').values(values).returningAll().executeTakeFirstOrThrow();
}

export function updateProvider(db: Db, applicationId: string, id: string, values: Updateable<ProvidersTable>) {
  return db
    .updateTable('providers')
    .set({ ...values, updated_at: sql`now()` })
    .where('application_id', '=', applicationId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export function deleteProvider(db: Db, applicationId: string, id: string) {
  return db.deleteFrom('providers').where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

/** Rows that keep a provider from being deleted (their foreign keys restrict). */
export async function countProviderDependents(db: Db, applicationId: string, id: string) {
  const [connections, syncConfigs] = await Promise.all([
    db
      .selectFrom('connections')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('application_id', '=', applicationId)
      .where('provider_id', '=', id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('sync_configs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('application_id', '=', applicationId)
      .where('provider_id', '=', id)
      .executeTakeFirstOrThrow(),
  ]);
  return { connections: Number(connections.n), syncConfigs: Number(syncConfigs.n) };
}

/** Names of the application's providers whose `objects` point at the schema. */
export async function providersUsingSchema(db: Db, applicationId: string, schemaId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('providers')
    .select('name')
    .where('application_id', '=', applicationId)
    .where(sql<boolean>`jsonb_path_exists(objects, '$.*[*] ? (@.schema_id == $id)', jsonb_build_object('id', ${schemaId}::text))`)
    .orderBy('name')
    .execute();
  return rows.map((r) => r.name);
}

/** Names of the application's providers whose `entity_mappings` point at the entity. */
export async function providersUsingEntity(db: Db, applicationId: string, entityId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('providers')
    .select('name')
    .where('application_id', '=', applicationId)
    .where(sql<boolean>`entity_mappings @> ${JSON.stringify([{ entity_id: entityId }])}::jsonb`)
    .orderBy('name')
    .execute();
  return rows.map((r) => r.name);
}

/** Locks the application's provider rows until the transaction ends: no concurrent update adds a reference meanwhile. */
export async function lockProvidersOfApplication(trx: Db, applicationId: string): Promise<void> {
  await trx.selectFrom('providers').select('id').where('application_id', '=', applicationId).forUpdate().execute();
}
