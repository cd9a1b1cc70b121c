import { sql, type Insertable } from 'kysely';
import type { Db } from '../connection';
import type { MagicLinksTable } from '../database';
import { isUuid } from '../../lib/ids';

/** Magic links with their customer's external id (`customer_id` in the API). */
function selectLinks(db: Db, applicationId: string) {
  return db
    .selectFrom('magic_links')
    .innerJoin('customers', 'customers.id', 'magic_links.customer_id')
    .selectAll('magic_links')
    .select('customers.external_id as customer_external_id')
    .where('magic_links.application_id', '=', applicationId);
}

export function listMagicLinks(db: Db, applicationId: string) {
  return selectLinks(db, applicationId).orderBy('magic_links.created_at').orderBy('magic_links.id').execute();
}

export function insertMagicLink(db: Db, values: Insertable<MagicLinksTable>) {
  return db.insertInto('magic_links').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function deleteMagicLink(db: Db, applicationId: string, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const res = await db.deleteFrom('magic_links').where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

/** A link by its id alone (the hosted page: the id is the capability), with what the page shows and whether it is past expiry by the database's clock. */
export function findMagicLinkForPage(db: Db, id: string) {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db
    .selectFrom('magic_links')
    .innerJoin('customers', 'customers.id', 'magic_links.customer_id')
    .innerJoin('applications', 'applications.id', 'magic_links.application_id')
    .selectAll('magic_links')
    .select(['customers.external_id as customer_external_id', 'customers.name as customer_name', 'applications.name as application_name'])
    .select(sql<boolean>`magic_links.expires_at <= now()`.as('past_expiry'))
    .where('magic_links.id', '=', id)
    .executeTakeFirst();
}

/** new → consumed, only while unexpired: of two concurrent callers exactly one gets the row. */
export function consumeMagicLink(db: Db, id: string) {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db
    .updateTable('magic_links')
    .set({ status: 'consumed' })
    .where('id', '=', id)
    .where('status', '=', 'new')
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

/** consumed → new, when what the link was consumed for did not happen. */
export async function releaseMagicLink(db: Db, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const res = await db.updateTable('magic_links').set({ status: 'new' }).where('id', '=', id).where('status', '=', 'consumed').executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/**
 * Counts one submission in the link's window (a new window starts once the last one is `windowSecs`
 * old). False, counting nothing, when the window already holds `max`: one statement, so concurrent
 * submissions from any process cannot get past the limit together.
 */
export async function takeMagicLinkAttempt(db: Db, id: string, max: number, windowSecs: number): Promise<boolean> {
  const windowOpen = sql<boolean>`attempts_window_started_at > now() - make_interval(secs => ${windowSecs})`;
  const res = await db
    .updateTable('magic_links')
    .set({
      attempts: sql<number>`case when ${windowOpen} then attempts + 1 else 1 end`,
      attempts_window_started_at: sql<Date>`case when ${windowOpen} then attempts_window_started_at else now() end`,
    })
    .where('id', '=', id)
    .where(sql<boolean>`not (${windowOpen} and attempts >= ${max})`)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}
