/**
 * Connections as integrations: their verification state, lookups by public id, filtered lists, and
 * the verify and delete jobs about them.
 */
import { sql, type SqlBool } from 'kysely';
import type { Db } from '../connection';
import type { ConnectionJobSubject, IntegrationState } from '../database';

export interface ConnectionListFilters {
  /** Internal uuid of the customer. */
  customerId: string;
  states?: IntegrationState[];
  providerName?: string;
  /** Case-insensitive substring of the name, identifier or provider name. */
  search?: string;
}

/** The customer's connections matching the filters, with the customer's external id (unordered: the caller pages). */
export function filteredConnectionsQuery(db: Db, applicationId: string, f: ConnectionListFilters) {
  let q = db
    .selectFrom('connections')
    .innerJoin('customers', 'customers.id', 'connections.customer_id')
    .selectAll('connections')
    .select('customers.external_id as external_customer_id')
    .where('connections.application_id', '=', applicationId)
    .where('connections.customer_id', '=', f.customerId);
  if (f.states?.length) q = q.where('connections.integration_state', 'in', f.states);
  if (f.providerName !== undefined) q = q.where('connections.provider_name', '=', f.providerName);
  if (f.search) {
    const like = `%${f.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    q = q.where(sql<SqlBool>`(coalesce(connections.name, '') ilike ${like} or coalesce(connections.identifier, '') ilike ${like} or connections.provider_name ilike ${like})`);
  }
  return q;
}

export function findConnectionByPublicId(db: Db, applicationId: string, customerId: string, publicId: string) {
  return filteredConnectionsQuery(db, applicationId, { customerId }).where('connections.public_id', '=', publicId).executeTakeFirst();
}

/** Moves the state, only from one of `from` when given; undefined when the connection was not in one of them (or is gone). */
export function setIntegrationState(db: Db, connectionId: string, state: IntegrationState, reason: string | null, from?: IntegrationState[]) {
  let q = db.updateTable('connections').set({ integration_state: state, integration_state_reason: reason, updated_at: new Date() }).where('id', '=', connectionId);
  if (from) q = q.where('integration_state', 'in', from);
  return q.returning(['id', 'integration_state']).executeTakeFirst();
}

export function insertConnectionJob(db: Db, values: { application_id: string; type: 'connection_verify' | 'connection_delete'; subject: ConnectionJobSubject }) {
  return db
    .insertInto('jobs')
    .values({
      application_id: values.application_id,
      type: values.type,
      status: 'queued',
      // A verify job goes with its connection; a delete job must outlive it.
      connection_id: values.type === 'connection_verify' ? values.subject.connection_id : null,
      subject: JSON.stringify(values.subject),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A verify or delete job of one customer's connection. */
export function findConnectionJobOfCustomer(db: Db, applicationId: string, customerId: string, jobId: string) {
  return db
    .selectFrom('jobs')
    .selectAll()
    .where('application_id', '=', applicationId)
    .where('id', '=', jobId)
    .where('type', 'in', ['connection_verify', 'connection_delete'])
    .where(sql<SqlBool>`subject->>'customer_id' = ${customerId}`)
    .executeTakeFirst();
}

export async function countRunningSyncRuns(db: Db, connectionId: string): Promise<number> {
  const row = await db
    .selectFrom('sync_runs')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('connection_id', '=', connectionId)
    .where('status', '=', 'IN_PROGRESS')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The connection's syncs that are not paused: what a credential change holds until verified. */
export function listUnpausedSyncsOfConnection(db: Db, connectionId: string) {
  return db.selectFrom('syncs').selectAll().where('connection_id', '=', connectionId).where('paused', '=', false).execute();
}
