import { sql, type Insertable } from 'kysely';
import type { Db } from '../connection';
import type { OAuthStatesTable } from '../database';
import { isUuid } from '../../lib/ids';

export function insertOAuthState(db: Db, values: Insertable<OAuthStatesTable>) {
  return db.insertInto('oauth_states').values(values).returning(['id', 'expires_at']).executeTakeFirstOrThrow();
}

/** Marks the state used, only while unused and unexpired (database clock): of two callbacks with one state exactly one gets the row. */
export function useOAuthState(db: Db, id: string) {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db
    .updateTable('oauth_states')
    .set({ used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

/** A state row whatever its condition: after a refused use, where to send the customer back. */
export function findOAuthState(db: Db, id: string) {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db.selectFrom('oauth_states').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Rows a day past expiry are of no use, not even for an error redirect. */
export async function deleteStaleOAuthStates(db: Db): Promise<void> {
  await db.deleteFrom('oauth_states').where('expires_at', '<', sql<Date>`now() - interval '1 day'`).execute();
}

/** The return URL origins an application allows the hosted /oauth/connect to redirect to; null: not opted in. */
export async function findHostedOAuthOrigins(db: Db, applicationId: string): Promise<string[] | null> {
  if (!isUuid(applicationId)) return null;
  const row = await db.selectFrom('applications').select('hosted_oauth_return_origins').where('id', '=', applicationId).executeTakeFirst();
  return row?.hosted_oauth_return_origins ?? null;
}

export async function setHostedOAuthOrigins(db: Db, applicationId: string, origins: string[] | null): Promise<boolean> {
  const res = await db.updateTable('applications').set({ hosted_oauth_return_origins: origins }).where('id', '=', applicationId).executeTakeFirst();
  return res.numUpdatedRows > 0n;
}
