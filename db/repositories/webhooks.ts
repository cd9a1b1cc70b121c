import { sql, type Insertable } from 'kysely';
import type { Db } from '../connection';
import type { WebhookDeliveriesTable } from '../database';

/**
 * Advisory lock class of an application's event log. Writers hold it shared from their
 * insert to their commit; the event log reader takes it exclusively around its read, so
 * it never sees an event while a lower `seq` of the same application is still uncommitted
 * (a cursor past it would skip that event for good).
 */
export const EVENT_LOG_LOCK_CLASS = 0x5717_0001;

// --- endpoints ----------------------------------------------------------------------------

export type WebhookEndpointRow = Awaited<ReturnType<typeof findEndpoint>> & {};

export function listEndpoints(db: Db, applicationId: string) {
  return db.selectFrom('webhook_endpoints').selectAll().where('application_id', '=', applicationId).orderBy('created_at').orderBy('id').execute();
}

export function findEndpoint(db: Db, applicationId: string, id: string) {
  return db.selectFrom('webhook_endpoints').selectAll().where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

export function insertEndpoint(
  db: Db,
  values: { application_id: string; url: string; description: string | null; event_types: string[] | null; enabled: boolean; secret_encrypted: string },
) {
  return db
    .insertInto('webhook_endpoints')
    .values({ ...values, event_types: values.event_types === null ? null : JSON.stringify(values.event_types) })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function updateEndpoint(
  db: Db,
  applicationId: string,
  id: string,
  set: Partial<{ url: string; description: string | null; event_types: string[] | null; enabled: boolean; disabled_reason: string | null; secret_encrypted: string }>,
) {
  const { event_types, ...rest } = set;
  return db
    .updateTable('webhook_endpoints')
    .set({ ...rest, ...(event_types !== undefined ? { event_types: event_types === null ? null : JSON.stringify(event_types) } : {}), updated_at: new Date() })
    .where('application_id', '=', applicationId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

export function deleteEndpoint(db: Db, applicationId: string, id: string) {
  return db.deleteFrom('webhook_endpoints').where('application_id', '=', applicationId).where('id', '=', id).executeTakeFirst();
}

/** Enabled endpoints of the application that want events of this type. */
export function listMatchingEndpoints(db: Db, applicationId: string, type: string) {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('application_id', '=', applicationId)
    .where('enabled', '=', true)
    .where((eb) => eb.or([eb('event_types', 'is', null), sql<boolean>`event_types @> ${JSON.stringify([type])}::jsonb`]))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Event types the enabled endpoints of these applications want (null: every type). */
export function listEnabledEndpointEventTypes(db: Db, applicationIds: string[]) {
  return db.selectFrom('webhook_endpoints').select(['application_id', 'event_types']).where('application_id', 'in', applicationIds).where('enabled', '=', true).execute();
}

// --- events -------------------------------------------------------------------------------

/** NOTIFY channel of committed webhook events (payload empty: listeners dispatch the whole outbox). */
export const WEBHOOK_EVENTS_CHANNEL = 'syncwell_webhook_events';

/**
 * Appends an event to the outbox, with `body` as its payload. One statement: the lock is taken
 * before the row (and its seq) exists, and held to commit. The notification wakes the workers'
 * dispatchers (services/webhooks/listener.ts); Postgres sends it only when the transaction
 * commits (never for a rolled-back event), and one per transaction.
 */
export async function insertEvent(trx: Db, applicationId: string, type: string, body: Record<string, unknown>): Promise<{ id: string }> {
  const { rows } = await sql<{ id: string }>`
    with lock as (select pg_advisory_xact_lock_shared(${EVENT_LOG_LOCK_CLASS}::int, hashtext(${applicationId}::text))),
    inserted as (
      insert into webhook_events (application_id, type, payload)
      select ${applicationId}::uuid, ${type}::text, ${JSON.stringify(body)}::jsonb from lock
      returning id
    )
    select id, pg_notify(${WEBHOOK_EVENTS_CHANNEL}::text, '') from inserted`.execute(trx);
  return { id: rows[0]!.id };
}

export function findEvent(db: Db, applicationId: string, id: string) {
  return db
    .selectFrom('webhook_events')
    .select(['id', 'seq', 'application_id', 'type', 'payload', 'dispatched_at', 'created_at'])
    .where('application_id', '=', applicationId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export function findEventById(db: Db, id: string) {
  return db.selectFrom('webhook_events').select(['id', 'seq', 'application_id', 'type', 'payload', 'dispatched_at', 'created_at']).where('id', '=', id).executeTakeFirst();
}

/**
 * Events after `afterSeq` in seq order. Read under the application's event log lock
 * (exclusive; writers hold it shared until they commit): no event of the application is
 * in flight, so no lower seq can commit after this read and be skipped by its cursor.
 */
export function listEvents(db: Db, applicationId: string, opts: { afterSeq: number; type?: string; limit: number }) {
  return db.transaction().execute(async (trx) => {
    await sql`set local lock_timeout = '20s'`.execute(trx);
    await sql`select pg_advisory_xact_lock(${EVENT_LOG_LOCK_CLASS}::int, hashtext(${applicationId}::text))`.execute(trx);
    let q = trx.selectFrom('webhook_events').select(['id', 'seq', 'type', 'payload', 'created_at']).where('application_id', '=', applicationId).where('seq', '>', opts.afterSeq);
    if (opts.type) q = q.where('type', '=', opts.type);
    return q.orderBy('seq').limit(opts.limit).execute();
  });
}

/** Oldest undispatched events (every application). */
export function listUndispatchedEvents(db: Db, limit: number) {
  return db.selectFrom('webhook_events').select(['id', 'seq', 'application_id', 'type']).where('dispatched_at', 'is', null).orderBy('seq').limit(limit).execute();
}

/** How many events wait for dispatch, and since when (the partial index on undispatched events keeps it cheap). */
export async function outboxBacklog(db: Db): Promise<{ events: number; oldest: Date | null }> {
  const row = await db
    .selectFrom('webhook_events')
    .select((eb) => [eb.fn.countAll<string>().as('events'), eb.fn.min('created_at').as('oldest')])
    .where('dispatched_at', 'is', null)
    .executeTakeFirstOrThrow();
  return { events: Number(row.events), oldest: row.oldest ? new Date(row.oldest) : null };
}

export function markEventsDispatched(db: Db, ids: string[]) {
  if (ids.length === 0) return Promise.resolve();
  return db.updateTable('webhook_events').set({ dispatched_at: new Date() }).where('id', 'in', ids).where('dispatched_at', 'is', null).execute();
}

// --- deliveries ---------------------------------------------------------------------------

export function insertDelivery(db: Db, values: Omit<Insertable<WebhookDeliveriesTable>, 'id' | 'created_at'>) {
  // A replayed attempt (the same workflow, endpoint and attempt number) is recorded once.
  return db
    .insertInto('webhook_deliveries')
    .values(values)
    .onConflict((oc) => oc.columns(['workflow_id', 'endpoint_id', 'attempt']).doNothing())
    .execute();
}

export function listDeliveries(db: Db, applicationId: string, eventId: string) {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('application_id', '=', applicationId)
    .where('event_id', '=', eventId)
    .orderBy('created_at')
    .orderBy('attempt')
    .execute();
}
