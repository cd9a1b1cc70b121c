/** The connection_catalogs table: a connection's stored catalog and its latest discovery's status. */
import { sql } from 'kysely';
import type { Db } from '../connection';

export function findConnectionCatalog(db: Db, connectionId: string) {
  return db.selectFrom('connection_catalogs').selectAll().where('connection_id', '=', connectionId).executeTakeFirst();
}

/** A discovery starts (or joins the running one): status running; an earlier catalog stays. */
export async function markDiscoveryRunning(db: Db, applicationId: string, connectionId: string, at: Date): Promise<void> {
  await db
    .insertInto('connection_catalogs')
    .values({ connection_id: connectionId, application_id: applicationId, status: 'running', started_at: at, updated_at: at })
    .onConflict((oc) =>
      oc.column('connection_id').doUpdateSet({
        status: 'running',
        error: null,
        // A join of the discovery already running keeps its start.
        started_at: sql<Date>`case when connection_catalogs.status = 'running' then connection_catalogs.started_at else excluded.started_at end`,
        updated_at: at,
      }),
    )
    .execute();
}

export async function saveDiscoveredCatalog(db: Db, connectionId: string, catalog: { objects: unknown[] }, at: Date): Promise<void> {
  await db
    .updateTable('connection_catalogs')
    .set({ status: 'succeeded', catalog: JSON.stringify(catalog), error: null, updated_at: at, catalog_updated_at: at })
    .where('connection_id', '=', connectionId)
    .execute();
}

export async function saveDiscoveryFailure(db: Db, connectionId: string, error: string, at: Date): Promise<void> {
  await db.updateTable('connection_catalogs').set({ status: 'failed', error, updated_at: at }).where('connection_id', '=', connectionId).execute();
}
