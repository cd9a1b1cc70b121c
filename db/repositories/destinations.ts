import { sql, type Insertable } from 'kysely';
import type { Db } from '../connection';
import type { DestinationsTable } from '../database';
import { isUuid } from '../../lib/ids';

export function listDestinations(db: Db, applicationId: string) {
  return db.selectFrom('destinations').selectAll().where('application_id', '=', applicationId).orderBy('created_at').orderBy('id').execute();
}

export async function findDestination(db: Db, applicationId: string, id: string) {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('destinations').selectAll().where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

export function insertDestination(db: Db, values: Insertable<DestinationsTable>) {
  return db.insertInto('destinations').values(values).returningAll().executeTakeFirstOrThrow();
}

/**
 * Compare-and-set update: applies only while the row is still at `expectedVersion` and bumps
 * the version. Undefined when the row is missing or another update got there first.
 */
export function updateDestinationIfVersion(
  db: Db,
  applicationId: string,
  id: string,
  expectedVersion: number,
  values: { name: string; type: string; config: Record<string, unknown>; secrets_encrypted: string | null },
) {
  return db
    .updateTable('destinations')
    .set((eb) => ({ ...values, version: eb('version', '+', 1), updated_at: sql`now()` }))
    .where('application_id', '=', applicationId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .returningAll()
    .executeTakeFirst();
}

export async function isUsedBySyncConfig(db: Db, applicationId: string, destinationId: string): Promise<boolean> {
  const row = await db.selectFrom('sync_configs').select('id').where('application_id', '=', applicationId).where('destination_id', '=', destinationId).executeTakeFirst();
  return row !== undefined;
}
