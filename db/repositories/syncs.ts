import { sql, type Selectable, type SqlBool } from 'kysely';
import type { Cursor, Page } from '../../lib/pagination';
import { keysetPage } from './keyset';
import type { Db } from '../connection';
import type { SyncsTable } from '../database';

export type SyncRow = Selectable<SyncsTable>;

/** The syncs of one customer's connection to one provider, addressed as the API does (x-customer-id, x-provider-name). */
export function connectionSyncsQuery(db: Db, applicationId: string, customerId: string, providerName: string) {
  return db
    .selectFrom('syncs')
    .innerJoin('connections', 'connections.id', 'syncs.connection_id')
    .innerJoin('customers', 'customers.id', 'connections.customer_id')
    .selectAll('syncs')
    .where('syncs.application_id', '=', applicationId)
    .where('customers.external_id', '=', customerId)
    .where('connections.provider_name', '=', providerName);
}

/** Syncs with what the engine needs of their connection, customer, sync config and entity, in one query. */
function syncsWithContextQuery(db: Db) {
  return db
    .selectFrom('syncs')
    .innerJoin('connections', 'connections.id', 'syncs.connection_id')
    .innerJoin('customers', 'customers.id', 'connections.customer_id')
    .innerJoin('sync_configs', 'sync_configs.id', 'syncs.sync_config_id')
    .leftJoin('entities', 'entities.id', 'syncs.entity_id')
    .select([
      'syncs.id',
      'syncs.application_id',
      'syncs.connection_id',
      'syncs.sync_config_id',
      'syncs.type',
      'syncs.object_type',
      'syncs.object',
      'syncs.entity_id',
      'entities.name as entity_name',
      'syncs.paused',
      'syncs.pause_reason',
      'syncs.state',
      'connections.provider_name',
      'connections.category',
      'connections.customer_id',
      'connections.connection_sync_config',
      'customers.external_id as external_customer_id',
      'sync_configs.config as sync_config',
      'sync_configs.destination_id',
    ]);
}

export type SyncWithContextRow = NonNullable<Awaited<ReturnType<typeof findSyncWithContext>>>;

export function findSyncWithContext(db: Db, syncId: string) {
  return syncsWithContextQuery(db).where('syncs.id', '=', syncId).executeTakeFirst();
}

/** Every sync with its context, `limit` at a time in id order: the page after `afterId`. */
export function listSyncsWithContext(db: Db, afterId: string | undefined, limit: number): Promise<SyncWithContextRow[]> {
  let q = syncsWithContextQuery(db);
  if (afterId) q = q.where('syncs.id', '>', afterId);
  return q.orderBy('syncs.id').limit(limit).execute();
}

export function findSync(db: Db, syncId: string): Promise<SyncRow | undefined> {
  return db.selectFrom('syncs').selectAll().where('id', '=', syncId).executeTakeFirst();
}

export function listObjectSyncsOfConnection(db: Db, connectionId: string): Promise<SyncRow[]> {
  return db.selectFrom('syncs').selectAll().where('connection_id', '=', connectionId).where('type', '=', 'object').execute();
}

/** A connection's syncs the engine paused after an error no retry could fix (a manual pause has no reason). */
export function listAutoPausedSyncsOfConnection(db: Db, connectionId: string): Promise<SyncRow[]> {
  return db.selectFrom('syncs').selectAll().where('connection_id', '=', connectionId).where('paused', '=', true).where('pause_reason', 'is not', null).execute();
}

export async function insertObjectSync(
  db: Db,
  values: { application_id: string; connection_id: string; sync_config_id: string; object_type: 'common' | 'standard' | 'custom'; object: string },
): Promise<string> {
  return (
    await db
      .insertInto('syncs')
      .values({ ...values, type: 'object' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

export async function deleteSyncsById(db: Db, ids: string[]): Promise<void> {
  if (ids.length) await db.deleteFrom('syncs').where('id', 'in', ids).execute();
}

export function setSyncPausedRow(db: Db, syncId: string, paused: boolean, reason: string | null): Promise<SyncRow> {
  return db
    .updateTable('syncs')
    .set({ paused, pause_reason: paused ? reason : null, updated_at: new Date() })
    .where('id', '=', syncId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Merges `patch` into the sync's state (jsonb `||`), e.g. a full refresh request. */
export function mergeSyncState(db: Db, syncId: string, patch: Record<string, unknown>): Promise<SyncRow> {
  return db
    .updateTable('syncs')
    .set({ state: sql<Record<string, unknown>>`state || ${JSON.stringify(patch)}::jsonb`, updated_at: new Date() })
    .where('id', '=', syncId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The sync's state, locked until the transaction ends (a run's end must not overwrite a request made meanwhile). */
export async function lockSyncState(trx: Db, syncId: string): Promise<Record<string, unknown> | undefined> {
  return (await trx.selectFrom('syncs').select('state').where('id', '=', syncId).forUpdate().executeTakeFirst())?.state;
}

export async function setSyncState(trx: Db, syncId: string, state: unknown, at: Date): Promise<void> {
  await trx
    .updateTable('syncs')
    .set({ state: JSON.stringify(state), updated_at: at })
    .where('id', '=', syncId)
    .execute();
}

export function listEntitySyncsOfConnection(db: Db, connectionId: string) {
  return db.selectFrom('syncs').select(['id', 'entity_id', 'sync_config_id']).where('connection_id', '=', connectionId).where('type', '=', 'entity').execute();
}

export async function insertEntitySync(db: Db, values: { application_id: string; connection_id: string; sync_config_id: string; entity_id: string }): Promise<string> {
  return (
    await db
      .insertInto('syncs')
      .values({ ...values, type: 'entity' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

/** Merges `patch` into the state of the entity syncs of these entities, on one connection or on every connection of a provider. */
export async function mergeEntitySyncsState(
  db: Db,
  applicationId: string,
  entityIds: string[],
  scope: { connectionId: string } | { providerId: string },
  patch: Record<string, unknown>,
): Promise<void> {
  await db
    .updateTable('syncs')
    .set({ state: sql<Record<string, unknown>>`state || ${JSON.stringify(patch)}::jsonb`, updated_at: new Date() })
    .where('application_id', '=', applicationId)
    .where('type', '=', 'entity')
    .where('entity_id', 'in', entityIds)
    .where('connection_id', 'in', (eb) =>
      'connectionId' in scope
        ? eb.selectFrom('connections').select('id').where('id', '=', scope.connectionId)
        : eb.selectFrom('connections').select('id').where('provider_id', '=', scope.providerId),
    )
    .execute();
}

/** Ids of the syncs of a customer's connections (`customerId`: the customers row's id). */
export async function listSyncIdsOfCustomer(db: Db, applicationId: string, customerId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('syncs')
    .innerJoin('connections', 'connections.id', 'syncs.connection_id')
    .select('syncs.id')
    .where('connections.customer_id', '=', customerId)
    .where('syncs.application_id', '=', applicationId)
    .execute();
  return rows.map((r) => r.id);
}

export async function listSyncIdsOfEntity(db: Db, applicationId: string, entityId: string): Promise<string[]> {
  return (await db.selectFrom('syncs').select('id').where('application_id', '=', applicationId).where('entity_id', '=', entityId).execute()).map((s) => s.id);
}

export async function countSyncsOfEntity(db: Db, applicationId: string, entityId: string): Promise<number> {
  const row = await db
    .selectFrom('syncs')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('application_id', '=', applicationId)
    .where('entity_id', '=', entityId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface SyncListFilters {
  customerId?: string;
  providerName?: string;
  objectType?: string;
  object?: string;
  entityId?: string;
}

/** The application's syncs with their provider and customer, oldest first, one keyset page. */
export function listSyncsPage<T>(
  db: Db,
  applicationId: string,
  f: SyncListFilters,
  page: { size: number; cursor: Cursor | undefined },
  shape: (row: SyncRow & { provider_name: string; external_id: string }) => T,
): Promise<Page<T>> {
  // No join in the filtered rows: total_count then counts the application's syncs alone.
  let q = db.selectFrom('syncs').where('syncs.application_id', '=', applicationId);
  const { customerId, providerName } = f;
  if (customerId || providerName) {
    q = q.where('syncs.connection_id', 'in', (eb) => {
      let c = eb.selectFrom('connections').select('connections.id').where('connections.application_id', '=', applicationId);
      if (customerId) c = c.innerJoin('customers', 'customers.id', 'connections.customer_id').where('customers.external_id', '=', customerId);
      if (providerName) c = c.where('connections.provider_name', '=', providerName);
      return c;
    });
  }
  if (f.objectType) q = q.where('syncs.object_type', '=', f.objectType as 'common');
  if (f.object) q = q.where('syncs.object', '=', f.object);
  if (f.entityId) q = q.where(sql<SqlBool>`syncs.entity_id::text = ${f.entityId}`);
  const rows = q
    .selectAll('syncs')
    .select([
      sql<string>`(select provider_name from connections where connections.id = syncs.connection_id)`.as('provider_name'),
      sql<string>`(select customers.external_id from connections join customers on customers.id = connections.customer_id where connections.id = syncs.connection_id)`.as(
        'external_id',
      ),
    ]);
  return keysetPage(rows, { at: 'syncs.created_at', id: 'syncs.id', newestFirst: false }, page, shape);
}
