import type { Insertable } from 'kysely';
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
