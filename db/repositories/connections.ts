import { sql, type Insertable, type Updateable } from 'kysely';
import type { Db } from '../connection';
import type { RateLimitInfo } from '../../providers/types';
import type { ConnectionsTable } from '../database';

/** A provider of the application, by its name (providers are owned by the providers API; this is a read). */
export function findProviderByName(db: Db, applicationId: string, name: string) {
  return db
    .selectFrom('providers')
    .select(['id', 'name', 'category', 'auth_type', 'objects', 'entity_mappings'])
    .where('application_id', '=', applicationId)
    .where('name', '=', name)
    .executeTakeFirst();
}

export function findProviderById(db: Db, applicationId: string, id: string) {
  return db
    .selectFrom('providers')
    .select(['id', 'name', 'category', 'auth_type', 'objects', 'entity_mappings'])
    .where('application_id', '=', applicationId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Connection rows with the customer's external id beside them. */
function withCustomer(db: Db, applicationId: string) {
  return db
    .selectFrom('connections')
    .innerJoin('customers', 'customers.id', 'connections.customer_id')
    .selectAll('connections')
    .select('customers.external_id as external_customer_id')
    .where('connections.application_id', '=', applicationId)
    .where('customers.application_id', '=', applicationId);
}

export type ConnectionWithCustomer = NonNullable<Awaited<ReturnType<typeof findConnectionById>>>;

export function listConnectionsForCustomer(db: Db, applicationId: string, customerId: string) {
  return withCustomer(db, applicationId).where('connections.customer_id', '=', customerId).orderBy('connections.created_at').orderBy('connections.id').execute();
}

/** By the customer's external id and the provider name: how connection-scoped routes (x-customer-id, x-provider-name) address a connection. */
export function findConnectionByCustomerAndProvider(db: Db, applicationId: string, externalCustomerId: string, providerName: string) {
  return withCustomer(db, applicationId).where('customers.external_id', '=', externalCustomerId).where('connections.provider_name', '=', providerName).executeTakeFirst();
}

export function findConnectionById(db: Db, applicationId: string, id: string) {
  return withCustomer(db, applicationId).where('connections.id', '=', id).executeTakeFirst();
}

/** The same, locking the connection row until the transaction ends (read-modify-write of its jsonb columns). */
export function findConnectionByIdForUpdate(db: Db, applicationId: string, id: string) {
  return withCustomer(db, applicationId).where('connections.id', '=', id).forUpdate('connections').executeTakeFirst();
}

/** Serialises credential updates of one connection across processes until the transaction ends; the row itself stays writable. */
export async function lockConnectionCredentials(trx: Db, connectionId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`syncwell:credentials:${connectionId}`}, 0))`.execute(trx);
}

export function insertConnection(db: Db, values: Insertable<ConnectionsTable>) {
  return db.insertInto('connections').values(values).returningAll().executeTakeFirstOrThrow();
}

export function updateConnection(db: Db, applicationId: string, id: string, values: Updateable<ConnectionsTable>) {
  return db
    .updateTable('connections')
    .set({ ...values, updated_at: new Date() })
    .where('application_id', '=', applicationId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Leaves updated_at alone: observed provider state, not a change to the connection. */
export async function updateRateLimitInfo(db: Db, applicationId: string, id: string, info: RateLimitInfo): Promise<void> {
  await db
    .updateTable('connections')
    .set({ rate_limit_info: JSON.stringify(info) })
    .where('application_id', '=', applicationId)
    .where('id', '=', id)
    .execute();
}

export function deleteConnection(db: Db, applicationId: string, id: string) {
  return db.deleteFrom('connections').where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

export async function listSyncIdsForConnection(db: Db, applicationId: string, connectionId: string): Promise<string[]> {
  const rows = await db.selectFrom('syncs').select('id').where('application_id', '=', applicationId).where('connection_id', '=', connectionId).execute();
  return rows.map((r) => r.id);
}

export async function listConnectionIdsOfProvider(db: Db, applicationId: string, providerId: string): Promise<string[]> {
  return (await db.selectFrom('connections').select('id').where('application_id', '=', applicationId).where('provider_id', '=', providerId).execute()).map((c) => c.id);
}

/** Ids of the application's connections to `providerName` whose params hold any of `keys`. */
export async function listConnectionIdsWithParams(db: Db, applicationId: string, providerName: string, keys: string[]): Promise<string[]> {
  const rows = await db
    .selectFrom('connections')
    .select('id')
    .where('application_id', '=', applicationId)
    .where('provider_name', '=', providerName)
    .where(sql<boolean>`params ?| ${sql.val(keys)}::text[]`)
    .execute();
  return rows.map((r) => r.id);
}

/** A connection's params and encrypted credentials, its row locked until the transaction ends. */
export function findConnectionSecretsForUpdate(trx: Db, applicationId: string, id: string) {
  return trx.selectFrom('connections').select(['params', 'credentials_encrypted']).where('application_id', '=', applicationId).where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function countConnectionsOfProviderName(db: Db, applicationId: string, providerName: string): Promise<number> {
  const row = await db
    .selectFrom('connections')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('application_id', '=', applicationId)
    .where('provider_name', '=', providerName)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
